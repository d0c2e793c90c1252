"""The contacts' store in DynamoDB (``repositories.contacts.ContactRepository``): the only place
that builds contact items and their conditions.

The number of an account's contacts is a counter item (``LimitTable``) moved in the same
transaction as the contact itself, conditioned on the cap: concurrent adds cannot pass it.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from pensioncert.dal.tables import ContactTable, LimitTable
from pensioncert.dal.transactions import (
    failed_transaction_items,
    is_conditional_failure,
    transact_if,
    write_transaction,
)
from pensioncert.repositories.contacts import (
    ConsentOnRecord,
    Contact,
    ContactExists,
    ContactLimitReached,
    ContactNotFound,
)

COUNT_PREFIX = "contacts#"


class PynamoDbContacts:
    """ContactRepository over the ``contacts`` table (its ``by_subject`` index for the relatives'
    side) and each account's count item in the ``limits`` table."""

    def add(self, contact: Contact, max_contacts: int) -> None:
        counter = LimitTable(COUNT_PREFIX + contact.user_id)
        try:
            with write_transaction() as transaction:
                # Items go out grouped by kind: the put is item 0, the update item 1.
                transaction.save(_item(contact), condition=ContactTable.contact_id.does_not_exist())
                transaction.update(
                    counter,
                    actions=[LimitTable.counter.add(1)],
                    condition=LimitTable.counter.does_not_exist() | (LimitTable.counter < max_contacts),
                )
        except TransactWriteError as error:
            failed = failed_transaction_items(error)
            if 0 in failed:
                raise ContactExists from None
            if failed == [1]:
                raise ContactLimitReached from None
            raise

    def list_for(self, user_id: str) -> list[Contact]:
        return [_record(item) for item in ContactTable.query(user_id)]

    def get(self, user_id: str, contact_id: str) -> Contact | None:
        try:
            return _record(ContactTable.get(user_id, contact_id, consistent_read=True))
        except DoesNotExist:
            return None

    def delete(self, user_id: str, contact_id: str) -> None:
        counter = LimitTable(COUNT_PREFIX + user_id)

        def fill(transaction) -> None:
            transaction.delete(ContactTable(user_id, contact_id), condition=ContactTable.contact_id.exists())
            transaction.update(counter, actions=[LimitTable.counter.add(-1)])

        if not transact_if(fill):
            raise ContactNotFound

    def having_subject(self, id_key: str) -> list[Contact]:
        return [_record(item) for item in ContactTable.by_subject.query(id_key)]

    def record_consent(self, user_id: str, contact_id: str, *, id_key: str, source: str, at: datetime,
                       first_only: bool = False) -> None:
        condition = ContactTable.contact_id.exists() & (ContactTable.id_key == id_key)
        if first_only:
            condition &= ContactTable.consent_source.does_not_exist()
        try:
            ContactTable(user_id, contact_id).update(
                actions=[ContactTable.consent_source.set(source), ContactTable.consent_at.set(at)],
                condition=condition,
            )
        except UpdateError as error:
            if not is_conditional_failure(error):
                raise
            # The condition does not say which of its parts failed: the item, read after, does.
            found = self.get(user_id, contact_id) if first_only else None
            if found is not None and found.id_key == id_key and found.consent_source is not None:
                raise ConsentOnRecord from None
            raise ContactNotFound from None


def _item(contact: Contact) -> ContactTable:
    return ContactTable(
        contact.user_id,
        contact.contact_id,
        id_key=contact.id_key,
        id_sealed=contact.id_sealed,
        name=contact.name,
        relation=contact.relation,
        created_at=contact.created_at,
        owner_name=contact.owner_name,
        consent_source=contact.consent_source,
        consent_at=contact.consent_at,
    )


def _record(item: ContactTable) -> Contact:
    return Contact(
        user_id=item.user_id,
        contact_id=item.contact_id,
        id_key=item.id_key,
        id_sealed=item.id_sealed,
        name=item.name,
        relation=item.relation,
        created_at=item.created_at,
        owner_name=item.owner_name,
        consent_source=item.consent_source,
        consent_at=item.consent_at,
    )
