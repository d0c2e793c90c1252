"""Telling DynamoDB's answers apart: a failed condition is a business outcome, the rest is an outage."""
from __future__ import annotations

from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from pensioncert.dal.binding import transaction_connection

CONDITIONAL_FAILED = "ConditionalCheckFailedException"


def is_conditional_failure(error: PynamoDBException) -> bool:
    return error.cause_response_code == CONDITIONAL_FAILED


def failed_transaction_items(error: TransactWriteError) -> list[int]:
    """Indexes of the transaction's items whose condition failed.

    PynamoDB sends a transaction's items grouped by kind (condition checks, deletes, puts, updates),
    so an index matches the order of adding only among items of one kind: callers keep to one kind.
    """
    return [
        position
        for position, reason in enumerate(error.cancellation_reasons)
        if reason is not None and reason.code == "ConditionalCheckFailed"
    ]


def save_if(item, condition) -> bool:
    """Save ``item`` if ``condition`` holds: False when it does not (someone was there first)."""
    try:
        item.save(condition=condition)
        return True
    except PutError as error:
        if is_conditional_failure(error):
            return False
        raise


def transact_if(fill) -> bool:
    """One transaction, its items added by ``fill(transaction)``: False, and nothing written, when
    its first item's condition alone failed (someone was there first); any other failure raises."""
    try:
        with TransactWrite(connection=transaction_connection()) as transaction:
            fill(transaction)
    except TransactWriteError as error:
        if failed_transaction_items(error) == [0]:
            return False
        raise
    return True
