"""Whose certification a call is about: the caller ("self") or one of the caller's contacts.

No call takes an arbitrary ID number: a subject is always resolved through the caller's account,
so the API cannot be used to find out who is a pensioner.
"""
from __future__ import annotations

from dataclasses import dataclass

from pensioncert.errors import SUBJECT_NOT_A_CONTACT, AppError, ErrorCode
from pensioncert.repositories.contacts import Contact, ContactRepository

SELF = "self"


@dataclass(frozen=True)
class Subject:
    param: str  # "self" or the contact_id, as the app sent it
    id_key: str
    name: str
    contact: Contact | None = None  # the caller's contact, unless "self"

    @property
    def is_self(self) -> bool:
        return self.param == SELF

    @property
    def consented(self) -> bool:
        """May the caller hear about this subject (contract v1.1; ``may_hear_about``)?"""
        return self.is_self or may_hear_about(self.contact)


def may_hear_about(contact: Contact | None) -> bool:
    """Issue 19, finding 8: the one rule for who, besides the person, hears about them: only a
    contact whose relative consented (the relative's own consent call, or a proxy certification
    that matched the relative's trusted reference). Every door asks it: history and status (with
    failed tries and review), home-visit and review requests (``require_consent``), the reason of
    a not-eligible answer (``eligibility.Eligibility.reason_told``), and the reminder SMS
    (jobs/reminders). An unconsented contact learns "eligible or not" and nothing more."""
    return contact is not None and contact.consent_source is not None


def require_consent(subject: Subject) -> Subject:
    if not subject.consented:
        raise AppError(ErrorCode.CONSENT_REQUIRED)
    return subject


def resolve(contacts: ContactRepository, account, subject: str) -> Subject:
    """``contacts``: the caller's ``svc.contacts``."""
    if subject == SELF:
        return Subject(SELF, account.id_key, account.name)
    contact = contacts.get(account.user_id, subject) if 0 < len(subject) <= 64 else None
    if contact is None:
        raise AppError(ErrorCode.NOT_FOUND, SUBJECT_NOT_A_CONTACT, field="subject")
    return Subject(subject, contact.id_key, contact.name, contact)
