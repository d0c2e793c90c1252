"""Record corrections by the agency (姓名 / 身份证号码 / 待遇状态), effective from the next day
(Beijing time)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from pensioncert import errors, labels, normalize
from pensioncert.clock import beijing_date
from pensioncert.dal import registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.registry_import import STATUSES

if TYPE_CHECKING:
    from pensioncert.services import Services


def correct_record(svc: Services, id_number: str, *, name: str | None = None, status: str | None = None,
                   audit=None) -> dict:
    """Schedule the correction; returns the record before it and the effective date.
    ``audit(before, after, effective) -> event fields``: the audit event, written in the
    correction's transaction."""
    person_id = normalize.id_number(id_number)
    new_name = normalize.name(name) if name else None
    if status is not None and status not in STATUSES:
        raise AppError(ErrorCode.BAD_REQUEST, errors.CORRECTION_STATUS_INVALID.format(statuses=" / ".join(STATUSES)),
                       field="status")
    if new_name is None and status is None:
        raise AppError(ErrorCode.BAD_REQUEST, errors.CORRECTION_EMPTY)
    id_key = svc.vault.lookup("id", person_id)
    if registry.get_person(id_key) is None:
        raise AppError(ErrorCode.NOT_FOUND)
    effective = beijing_date(svc.clock.now() + timedelta(days=1))
    def shown(before) -> tuple[dict, dict]:
        return ({"name": before.name, "status": before.status},
                {"name": new_name or before.name, "status": status or before.status})

    before = registry.schedule_correction(
        id_key, name=new_name, status=status, effective=effective, now=svc.clock.now(),
        audit=(lambda item: audit(*shown(item), effective)) if audit else None)
    was, becomes = shown(before)
    return {"before": was, "after": becomes, "effective": effective}


def correct_id_number(svc: Services, id_number: str, new_id_number: str, audit=None) -> dict:
    """Move the record from a wrongly recorded ID number to the right one from tomorrow (Beijing):
    until then the wrong number is the registry's, from then on only the right one. Registry,
    card, every year's certifications and failed attempts, the contacts naming the person and the
    account that proved the old number move in one transaction (``registry.move_id_number``),
    with the audit event ``audit(before, after, effective) -> event fields``."""
    old_id = normalize.id_number(id_number)
    new_id = normalize.id_number(new_id_number)
    if new_id == old_id:
        raise AppError(ErrorCode.BAD_REQUEST, errors.NEW_ID_SAME_AS_OLD, field="id_number")
    old_key, new_key = svc.vault.lookup("id", old_id), svc.vault.lookup("id", new_id)
    person = registry.get_person(old_key)
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND)
    if person.valid_until:
        raise AppError(ErrorCode.BAD_REQUEST, errors.ID_ALREADY_CORRECTED, field="id_number")
    if registry.get_person(new_key) is not None:
        raise AppError(ErrorCode.BAD_REQUEST, errors.NEW_ID_ALREADY_IN_REGISTRY, field="id_number")
    now = svc.clock.now()
    effective = beijing_date(now + timedelta(days=1))
    before = {"id_number": normalize.mask_id_number(old_id)}
    after = {"id_number": normalize.mask_id_number(new_id)}

    def event(moved: dict) -> dict:
        return audit(before, {**after, labels.AUDIT_MOVED_CERTIFICATIONS: moved["certifications"],
                              labels.AUDIT_MOVED_CONTACTS: moved["contacts"],
                              labels.AUDIT_MOVED_ACCOUNTS: moved["accounts"]}, effective)

    try:
        moved = registry.move_id_number(old_key, new_key, new_id_sealed=svc.vault.seal(new_id),
                                        effective=effective, now=now, audit=event if audit else None)
    except registry.IdNumberTaken:
        raise AppError(ErrorCode.BAD_REQUEST, errors.NEW_ID_ALREADY_IN_REGISTRY, field="id_number") from None
    except ValueError:
        raise AppError(ErrorCode.BAD_REQUEST, errors.ID_ALREADY_CORRECTED, field="id_number") from None
    return {"before": before, "after": after, "effective": effective, "key": new_key,
            "moved": {name: moved[name] for name in ("certifications", "contacts", "accounts")}}
