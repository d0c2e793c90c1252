"""Adding, listing and deleting contacts (亲友), and the relatives' side: who has me, my consent.

A contact learns of the person only "eligible or not" until the person consents
(``subjects.may_hear_about``, issue 19 finding 8), and adds are made scarce as well: a rolling window of add attempts per account (refused ones count, a
delete gives none back), a cap on contacts, every add audited, and the person added told by SMS.
"""
from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING

from pensioncert import labels, normalize
from pensioncert.clock import iso_beijing
from pensioncert.dal import audit, limits, registry
from pensioncert.errors import (
    CONSENT_TO_CERTIFY_REQUIRED,
    CONTACT_IS_SELF,
    CONTACT_NOT_FOUND,
    PROXY_NOT_FOUND,
    RELATION_INVALID,
    AppError,
    ErrorCode,
)
from pensioncert.logic.subjects import Subject
from pensioncert.observability import logger as log
from pensioncert.repositories.contacts import (
    ConsentOnRecord,
    Contact,
    ContactExists,
    ContactLimitReached,
    ContactNotFound,
)
from pensioncert.sms.queue import queued_notice

if TYPE_CHECKING:
    from pensioncert.services import Services

MAX_RELATION_LENGTH = 20
DAY_SECONDS = 24 * 3600
CONSENT_BY_RELATIVE = "relative"
CONSENT_BY_PROXY_CERTIFICATION = "proxy_certification"


def add_window(svc: Services) -> limits.Window:
    return limits.Window("contact-adds", svc.settings.contact_adds_per_day, DAY_SECONDS)


def add_contact(svc: Services, account, *, name: str, id_number: str, relation: str) -> dict:
    person_name = normalize.name(name)
    person_id = normalize.id_number(id_number)
    relation = normalize.nfkc(relation)
    if not relation or len(relation) > MAX_RELATION_LENGTH:
        raise AppError(ErrorCode.BAD_REQUEST, RELATION_INVALID, field="relation")
    # A well-formed add is an attempt from here on, whatever its outcome.
    now = svc.clock.now()
    vault = svc.vault
    id_key = vault.lookup("id", person_id)
    outcome = _attempt(svc, account, person_name, person_id, id_key, relation, now)
    _audit(svc, account, person_id, id_key, relation, outcome, now)
    if outcome == "added":
        contact_id = contact_id_for(svc, account.user_id, person_id)
        _tell_the_relative(svc, account, id_key, contact_id, now)
        return {"contact_id": contact_id}
    raise {
        "rate_limited": AppError(ErrorCode.CONTACT_RATE_LIMITED),
        "self": AppError(ErrorCode.BAD_REQUEST, CONTACT_IS_SELF, field="id_number"),
        "limit": AppError(ErrorCode.CONTACT_LIMIT),
        "exists": AppError(ErrorCode.CONTACT_EXISTS),
    }[outcome]


def contact_id_for(svc: Services, user_id: str, person_id: str) -> str:
    return "c_" + svc.vault.lookup("contact", f"{user_id}:{person_id}")[:20]


def _attempt(svc: Services, account, person_name, person_id, id_key, relation, now) -> str:
    if limits.take(add_window(svc), account.user_id, int(now.timestamp())) is None:
        return "rate_limited"
    if id_key == account.id_key:
        return "self"
    contact = Contact(
        user_id=account.user_id,
        contact_id=contact_id_for(svc, account.user_id, person_id),
        id_key=id_key,
        id_sealed=svc.vault.seal(person_id),
        name=person_name,
        relation=relation,
        created_at=now,
        owner_name=account.name,
    )
    try:
        svc.contacts.add(contact, svc.settings.max_contacts)
    except ContactExists:
        return "exists"
    except ContactLimitReached:
        return "limit"
    return "added"


def _audit(svc: Services, account, person_id, id_key, relation, outcome, now) -> None:
    person = registry.get_person(id_key)
    audit.append(
        now=now, actor=f"app:{account.user_id}", actor_name=mask_name(account.name),
        action="contact_add", target=normalize.mask_id_number(person_id),
        region=person.region if person else None, before=None,
        after=json.dumps({"outcome": outcome, "relation": relation}, ensure_ascii=False), reason=None,
    )


def _tell_the_relative(svc: Services, account, id_key: str, contact_id: str, added_at) -> None:
    """An SMS to the added person's bound phone, if they have an account that proved this ID;
    queued (jobs/notices.py sends it), one per add: an add after a delete is told again."""
    relative = svc.accounts.find_by_id_key(id_key)
    sealed = relative and (relative.bound_phone_sealed or relative.phone_sealed)
    if not sealed:
        return
    notice = queued_notice(
        svc.vault, purpose="contact_added", occasion=f"{contact_id}#{added_at.timestamp():.6f}", phone_sealed=sealed,
        text=labels.CONTACT_ADDED_SMS.format(name=mask_name(account.name)),
    )
    if svc.notices.put([notice]):  # the add stands; a lost notice is logged, not a failed add
        log.error("contact notice SMS not queued")


def list_contacts(svc: Services, account) -> dict:
    items = sorted(svc.contacts.list_for(account.user_id), key=lambda contact: contact.created_at)
    return {
        "items": [
            {
                "contact_id": contact.contact_id,
                "name": contact.name,
                "id_number_masked": normalize.mask_id_number(svc.vault.open(contact.id_sealed)),
                "relation": contact.relation,
            }
            for contact in items
        ]
    }


def delete_contact(svc: Services, account, contact_id: str) -> None:
    if not 0 < len(contact_id) <= 64:
        raise AppError(ErrorCode.NOT_FOUND, CONTACT_NOT_FOUND)
    try:
        svc.contacts.delete(account.user_id, contact_id)
    except ContactNotFound:
        raise AppError(ErrorCode.NOT_FOUND, CONTACT_NOT_FOUND) from None


def my_proxies(svc: Services, account) -> dict:
    """Who has the caller as a contact (GET /me/proxies)."""
    items = sorted(_having_me(svc, account), key=lambda contact: contact.created_at)
    return {
        "items": [
            {
                "proxy_id": contact.contact_id,
                "name_masked": mask_name(contact.owner_name or ""),
                "added_at": iso_beijing(contact.created_at),
                "consent": contact.consent_source is not None,
            }
            for contact in items
        ]
    }


def consent(svc: Services, account, proxy_id: str) -> dict:
    """The relative's own consent: this proxy may see their history and payment status."""
    match = [c for c in _having_me(svc, account) if c.contact_id == proxy_id] if 0 < len(proxy_id) <= 64 else []
    if not match:
        raise AppError(ErrorCode.NOT_FOUND, PROXY_NOT_FOUND)
    try:
        svc.contacts.record_consent(match[0].user_id, proxy_id, id_key=account.id_key,
                                    source=CONSENT_BY_RELATIVE, at=svc.clock.now())
    except ContactNotFound:  # deleted, or re-pointed by an ID-number correction, since the index read
        raise AppError(ErrorCode.NOT_FOUND, PROXY_NOT_FOUND) from None
    return {"consent": True}


def consent_by_certification(svc: Services, contact: Contact) -> None:
    """A proxy certification matched the relative's own trusted reference: consent on record,
    unless the relative's own is there first (it stands), or the contact went meanwhile."""
    if contact.consent_source is None:
        with contextlib.suppress(ConsentOnRecord, ContactNotFound):
            svc.contacts.record_consent(contact.user_id, contact.contact_id, id_key=contact.id_key,
                                        source=CONSENT_BY_PROXY_CERTIFICATION, at=svc.clock.now(), first_only=True)


def require_consent_to_certify(svc: Services, subject: Subject) -> None:
    """Contract v1.2: a contact opens a session for a relative only after the relative's consent,
    unless the relative has no account with a phone of their own (then nobody could consent, and
    the proxy's first certification that matches the relative's trusted reference is the consent).
    Whose account counts is the one that proved the ID number (``AccountRepository.find_by_id_key``)."""
    if subject.is_self or subject.consented:
        return
    relative = svc.accounts.find_by_id_key(subject.id_key)
    if relative is not None and (relative.phone_key or relative.bound_phone_key):
        raise AppError(ErrorCode.CONSENT_REQUIRED, CONSENT_TO_CERTIFY_REQUIRED)


def _having_me(svc: Services, account) -> list[Contact]:
    return [c for c in svc.contacts.having_subject(account.id_key) if c.user_id != account.user_id]


def mask_name(name: str) -> str:
    """周国庆 → 周**: enough for a relative to recognise, too little to identify a stranger."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else "*"
