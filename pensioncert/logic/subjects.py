"""Whose certification a call is about: the caller ("self") or one of the caller's contacts.

No call takes an arbitrary ID number: a subject is always resolved through the caller's account,
so the API cannot be used to find out who is a pensioner.
"""
from __future__ import annotations

from dataclasses import dataclass

from pensioncert.dal import contacts
from pensioncert.dal.tables import ContactTable
from pensioncert.errors import AppError, ErrorCode

SELF = "self"


@dataclass(frozen=True)
class Subject:
    param: str  # "self" or the contact_id, as the app sent it
    id_key: str
    name: str
    contact: ContactTable | None = None  # the caller's contact item, unless "self"

    @property
    def is_self(self) -> bool:
        return self.param == SELF

    @property
    def consented(self) -> bool:
        """May the caller see this subject's history and payment status (contract v1.1)?"""
        return self.is_self or (self.contact is not None and self.contact.consent_source is not None)


def require_consent(subject: Subject) -> Subject:
    if not subject.consented:
        raise AppError(ErrorCode.CONSENT_REQUIRED)
    return subject


def resolve(account, subject: str) -> Subject:
    if subject == SELF:
        return Subject(SELF, account.id_key, account.name)
    contact = contacts.get(account.user_id, subject) if 0 < len(subject) <= 64 else None
    if contact is None:
        raise AppError(ErrorCode.NOT_FOUND, "未找到该联系人，请先在亲友列表中添加", field="subject")
    return Subject(subject, contact.id_key, contact.name, contact)
