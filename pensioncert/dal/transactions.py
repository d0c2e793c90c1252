"""Conditional writes and transactions: the one way to open a transaction, what a failed one says,
and the retry of a write that lost to another writer.

A failed condition is a business outcome (someone was there first), the rest is an outage. Two
losses are retried, each by the one policy here:

- a lost race (``LostRace``, ``retry_lost_races``): the caller read, decided and wrote on condition
  that nothing changed since its read, and another writer came first. The caller reads and decides
  again at once: the winner's write has landed, so a pause would only add to the wait.
- a conflict (``retry_conflicts``): DynamoDB cancelled a transaction because another one held one of
  its items at that moment (TransactionConflict, never a failed condition). The same transaction
  goes again after a random pause that grows with each try: the other one is still in flight.
"""
from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from typing import TypeVar

from pynamodb.exceptions import PutError, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_none,
    wait_random_exponential,
)

from pensioncert.dal.binding import transaction_connection

CONDITIONAL_FAILED = "ConditionalCheckFailedException"
CONFLICT = "TransactionConflict"
THROTTLED = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded",
                       "ThrottlingException"})

T = TypeVar("T")


@contextlib.contextmanager
def write_transaction() -> Iterator[TransactWrite]:
    """A TransactWrite on the process's one transaction connection (``binding.transaction_connection``),
    sent when the block ends."""
    with TransactWrite(connection=transaction_connection()) as transaction:
        yield transaction


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


def _cancellation_codes(error: TransactWriteError) -> set[str]:
    return {reason.code for reason in error.cancellation_reasons if reason is not None}


def is_conflict(error: BaseException) -> bool:
    """A transaction cancelled because another transaction held one of its items, none of its
    conditions having failed (a failed condition is an answer: sent again, it fails again)."""
    return (isinstance(error, TransactWriteError) and CONFLICT in _cancellation_codes(error)
            and not failed_transaction_items(error))


def is_conflict_or_throttled(error: BaseException) -> bool:
    """A conflict, or a transaction refused for want of capacity (after the SDK's own retries)."""
    if not isinstance(error, TransactWriteError):
        return False
    codes = _cancellation_codes(error) | {error.cause_response_code}
    return CONFLICT in codes or bool(codes & THROTTLED)


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
        with write_transaction() as transaction:
            fill(transaction)
    except TransactWriteError as error:
        if failed_transaction_items(error) == [0]:
            return False
        raise
    return True


class LostRace(Exception):
    """Raised by one try of a read-decide-write whose conditional write found the item changed
    since its read: ``retry_lost_races`` runs the try again, from its read."""


def retry_lost_races(attempt: Callable[[], T], *, attempts: int, gives_up: Exception) -> T:
    """``attempt()``'s answer, running it again at once each time it raises LostRace, at most
    ``attempts`` times in all; ``gives_up`` is raised when the last one lost too. Anything else
    ``attempt`` raises goes through unretried."""
    def give_up(_: RetryCallState) -> T:
        raise gives_up

    return Retrying(stop=stop_after_attempt(attempts), wait=wait_none(),
                    retry=retry_if_exception_type(LostRace), retry_error_callback=give_up)(attempt)


def conflict_pause(state: RetryCallState) -> float:
    """The pause before sending a conflicted transaction again: uniform(5, 50 ms) times the number of
    tries so far (bench/counters_bench.py models this pause)."""
    return random.uniform(0.005, 0.05) * state.attempt_number


# A batch throttled for capacity waits longer: 50 ms x 2^tries, half of it at random, at most 2 s.
batch_pause = wait_exponential(multiplier=0.05, max=1.0) + wait_random_exponential(multiplier=0.05, max=1.0)


def retry_conflicts(write: Callable[[], T], *, retries: int, retryable: Callable[[BaseException], bool] = is_conflict,
                    pause: Callable[[RetryCallState], float] = conflict_pause) -> T:
    """``write()``'s answer (one transaction), sent again after ``pause`` each time it raises an error
    ``retryable`` accepts, at most ``retries`` times more; the last error is raised after that.
    Anything else ``write`` raises (a failed condition among them) goes through unretried."""
    return Retrying(stop=stop_after_attempt(retries + 1), wait=pause, retry=retry_if_exception(retryable),
                    reraise=True)(write)
