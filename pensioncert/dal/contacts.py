"""Contacts (亲友) of an account."""
from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist

from pensioncert.dal.errors import is_conditional_failure, save_if
from pensioncert.dal.tables import ContactTable


def add(contact: ContactTable) -> bool:
    """False when the account already has this person (same derived contact_id)."""
    return save_if(contact, ContactTable.contact_id.does_not_exist())


def list_for(user_id: str) -> list[ContactTable]:
    return list(ContactTable.query(user_id))


def get(user_id: str, contact_id: str) -> ContactTable | None:
    try:
        return ContactTable.get(user_id, contact_id)
    except DoesNotExist:
        return None


def delete(user_id: str, contact_id: str) -> bool:
    try:
        ContactTable(user_id, contact_id).delete(condition=ContactTable.contact_id.exists())
        return True
    except DeleteError as error:
        if is_conditional_failure(error):
            return False
        raise
