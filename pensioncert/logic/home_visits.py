"""Requests for a home visit (上门认证) from the app: a case on the agency's queue."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pensioncert import errors, normalize
from pensioncert.dal import registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.subjects import require_consent, resolve
from pensioncert.repositories.home_visits import CaseOpen, HomeVisitCase, new_case_id

if TYPE_CHECKING:
    from pensioncert.services import Services

MAX_TEXT = 200


def request_home_visit(svc: Services, account, *, subject: str, reason: str, address: str,
                       contact_phone: str) -> dict:
    # Only for oneself or a relative who consented: no queueing strangers for a visit.
    target = require_consent(resolve(svc.contacts, account, subject))
    reason_text = _text(reason, "reason", errors.HOME_VISIT_REASON_NEEDED)
    address_text = _text(address, "address", errors.HOME_VISIT_ADDRESS_NEEDED)
    phone = normalize.phone(contact_phone)
    person = registry.get_person(target.id_key)
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND)
    now = svc.clock.now()
    case = HomeVisitCase(
        new_case_id(),
        subject_key=target.id_key,
        subject_id_sealed=person.id_sealed,
        name=person.name,
        region=person.region,
        unit=person.unit,
        status="open",
        source="app",
        reason=reason_text,
        address_sealed=svc.vault.seal(address_text),
        contact_phone_sealed=svc.vault.seal(phone),
        requested_by=account.user_id,
        created_at=now,
    )
    try:
        svc.home_visits.create_unless_open(case)
    except CaseOpen:
        raise AppError(ErrorCode.HOME_VISIT_PENDING) from None
    return {"case_id": case.case_id}


def _text(value: str, field: str, message: str) -> str:
    text = normalize.nfkc(value)
    if not text or len(text) > MAX_TEXT:
        raise AppError(ErrorCode.BAD_REQUEST, errors.WITHIN_LIMIT.format(message=message, limit=MAX_TEXT), field=field)
    return text
