"""Contacts (亲友) of an account."""
from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from pensioncert.dal.errors import is_conditional_failure
from pensioncert.dal.tables import ContactTable


def add(contact: ContactTable) -> bool:
    """False when the account already has this person (same derived contact_id)."""
    try:
        contact.save(condition=ContactTable.contact_id.does_not_exist())
        return True
    except PutError as error:
        if is_conditional_failure(error):
            return False
        raise


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
