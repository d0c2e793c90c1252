"""Contacts (亲友) of an account, their count, and the relatives' consent.

The number of an account's contacts is a counter item (``LimitTable``) moved in the same
transaction as the contact itself, conditioned on the cap: concurrent adds cannot pass it.
"""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from pensioncert.dal.tables import ContactTable, LimitTable
from pensioncert.dal.transactions import (
    failed_transaction_items,
    is_conditional_failure,
    transact_if,
    write_transaction,
)

COUNT_PREFIX = "contacts#"


class Added(Enum):
    ADDED = "added"
    EXISTS = "exists"
    LIMIT = "limit"


def add(contact: ContactTable, max_contacts: int) -> Added:
    """Add the contact and count it, unless the account has it already or has ``max_contacts``."""
    counter = LimitTable(COUNT_PREFIX + contact.user_id)
    try:
        with write_transaction() as transaction:
            # Items go out grouped by kind: the put is item 0, the update item 1.
            transaction.save(contact, condition=ContactTable.contact_id.does_not_exist())
            transaction.update(
                counter,
                actions=[LimitTable.counter.add(1)],
                condition=LimitTable.counter.does_not_exist() | (LimitTable.counter < max_contacts),
            )
    except TransactWriteError as error:
        failed = failed_transaction_items(error)
        if 0 in failed:
            return Added.EXISTS
        if failed == [1]:
            return Added.LIMIT
        raise
    return Added.ADDED


def list_for(user_id: str) -> list[ContactTable]:
    return list(ContactTable.query(user_id))


def get(user_id: str, contact_id: str) -> ContactTable | None:
    try:
        return ContactTable.get(user_id, contact_id, consistent_read=True)
    except DoesNotExist:
        return None


def delete(user_id: str, contact_id: str) -> bool:
    """Delete the contact and uncount it; False when there is no such contact."""
    counter = LimitTable(COUNT_PREFIX + user_id)
    def fill(transaction) -> None:
        transaction.delete(ContactTable(user_id, contact_id), condition=ContactTable.contact_id.exists())
        transaction.update(counter, actions=[LimitTable.counter.add(-1)])

    return transact_if(fill)


def having_subject(id_key: str) -> list[ContactTable]:
    """Every contact item naming this person: who has them as a contact (an index query, so
    eventually consistent)."""
    return list(ContactTable.by_subject.query(id_key))


def record_consent(user_id: str, contact_id: str, id_key: str, source: str, now: datetime) -> bool:
    """Record the relative's consent on the contact, if it still exists and still names them."""
    try:
        ContactTable(user_id, contact_id).update(
            actions=[ContactTable.consent_source.set(source), ContactTable.consent_at.set(now)],
            condition=ContactTable.contact_id.exists() & (ContactTable.id_key == id_key),
        )
        return True
    except UpdateError as error:
        if is_conditional_failure(error):
            return False
        raise
