"""Contacts (亲友): the record, what a store of them promises, and an in-memory store.

A contact is a relative an account may certify for (``logic/contacts.py``); the relative's consent
lets the account hear more about them (``logic/subjects.may_hear_about``).

Why here and not in ``pensioncert/dal``: every module of the dal is the PynamoDB implementation
and knows the tables; the record and the interface are what the logic depends on, so they sit in
a package that imports no table, and both stores depend on them (the PynamoDB one,
``dal/contacts.PynamoDbContacts``, and ``InMemoryContacts`` below). Not in ``logic/`` either: the
dal would then import the logic it serves. The in-memory store lives beside the interface, not in
tests/, because it is the contract's plainest statement; tests/integration/test_contact_repository.py
holds both stores to it, and the logic's unit tests use it.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from pensioncert.repositories import Refused


@dataclass(frozen=True)
class Contact:
    """A relative added by an account (``user_id``); a subject only for that account.

    ``contact_id`` is derived from the account and the relative's ID number (logic.contacts), so
    the same person added twice is the same contact. ``consent_source`` is None until the relative
    consents: "relative" (from their own account) or "proxy_certification" (a proxy certification
    matched the relative's trusted reference)."""

    user_id: str
    contact_id: str
    id_key: str  # the relative's ID number's keyed hash
    id_sealed: str  # the relative's ID number, sealed
    name: str
    relation: str
    created_at: datetime
    owner_name: str | None = None  # the adding account's name, shown masked to the relative
    consent_source: str | None = None
    consent_at: datetime | None = None


class ContactExists(Refused):
    """The account has this contact already."""


class ContactLimitReached(Refused):
    """The account has as many contacts as it may."""


class ContactNotFound(Refused):
    """No such contact (never added, deleted, or it no longer names the person it was asked about)."""


class ConsentOnRecord(Refused):
    """A first consent was asked for and the relative's consent is on record already."""


class ContactRepository(Protocol):
    """What the logic asks of the contacts' store. Each write is decided by the store at once
    (a conditional write), never by a read before it: concurrent callers cannot pass a limit."""

    def add(self, contact: Contact, max_contacts: int) -> None:
        """Store the contact and count it. Raises ContactExists when the account has it (checked
        first), ContactLimitReached when the account has ``max_contacts``."""

    def list_for(self, user_id: str) -> list[Contact]:
        """The account's contacts, by ``contact_id``."""

    def get(self, user_id: str, contact_id: str) -> Contact | None:
        """The contact as last written (a strongly consistent read), None when there is none."""

    def delete(self, user_id: str, contact_id: str) -> None:
        """Delete the contact and uncount it (a later add counts from the lower number). Raises
        ContactNotFound."""

    def having_subject(self, id_key: str) -> list[Contact]:
        """Every account's contact naming this person, by ``contact_id``. Eventually consistent
        in DynamoDB (an index): a contact just added or deleted may be missing or still there."""

    def record_consent(self, user_id: str, contact_id: str, *, id_key: str, source: str, at: datetime,
                       first_only: bool = False) -> None:
        """Record the relative's consent (``source``, ``at``) on the contact, if it still names
        ``id_key``, else ContactNotFound. ``first_only``: only if no consent is on record, else
        ConsentOnRecord (the first consent stands)."""


class InMemoryContacts:
    """The ContactRepository in a dict, for tests without DynamoDB. A lock makes each write as
    atomic as DynamoDB's conditional write, so the concurrency contract holds here too."""

    def __init__(self) -> None:
        self._contacts: dict[tuple[str, str], Contact] = {}
        self._lock = threading.Lock()

    def add(self, contact: Contact, max_contacts: int) -> None:
        with self._lock:
            if (contact.user_id, contact.contact_id) in self._contacts:
                raise ContactExists
            if len(self._of(contact.user_id)) >= max_contacts:
                raise ContactLimitReached
            self._contacts[contact.user_id, contact.contact_id] = contact

    def list_for(self, user_id: str) -> list[Contact]:
        with self._lock:
            return self._of(user_id)

    def get(self, user_id: str, contact_id: str) -> Contact | None:
        with self._lock:
            return self._contacts.get((user_id, contact_id))

    def delete(self, user_id: str, contact_id: str) -> None:
        with self._lock:
            if self._contacts.pop((user_id, contact_id), None) is None:
                raise ContactNotFound

    def having_subject(self, id_key: str) -> list[Contact]:
        with self._lock:
            return sorted((c for c in self._contacts.values() if c.id_key == id_key), key=lambda c: c.contact_id)

    def record_consent(self, user_id: str, contact_id: str, *, id_key: str, source: str, at: datetime,
                       first_only: bool = False) -> None:
        with self._lock:
            contact = self._contacts.get((user_id, contact_id))
            if contact is None or contact.id_key != id_key:
                raise ContactNotFound
            if first_only and contact.consent_source is not None:
                raise ConsentOnRecord
            self._contacts[user_id, contact_id] = replace(contact, consent_source=source, consent_at=at)

    def _of(self, user_id: str) -> list[Contact]:
        return sorted((c for (owner, _), c in self._contacts.items() if owner == user_id), key=lambda c: c.contact_id)
