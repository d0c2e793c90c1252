"""Pensioners: search, a person's record and history, corrections, moving a person to another
region, the reference photo, registry import by upload (CSV, or a zip with the photos)."""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, labels, overseas
from pensioncert.admin.principal import require_province_admin, require_region, require_staff
from pensioncert.clock import BEIJING, beijing_date
from pensioncert.dal import certifications, registry, stats
from pensioncert.dal import overseas as overseas_dal
from pensioncert.dal.evidence import put_registry_photo
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.dal.transactions import LostRace, retry_lost_races
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import corrections
from pensioncert.logic.import_photos import PhotoPool
from pensioncert.logic.registry_import import (
    Importer,
    ImportReport,
    import_archive,
    import_registry,
)
from pensioncert.rules.certification import certification_year, effective_facts

if TYPE_CHECKING:
    from pensioncert.services import Services

PAGE_SIZE = 50
MAX_REASON = 200
ZIP_MAGIC = b"PK\x03\x04"


def search(svc: Services, principal, query: str, cursor: str | None = None) -> dict:
    """By full ID number (its keyed hash) or by name, one page: ``{"rows", "next"}`` (``next``:
    the cursor of the following page, None when there is no more). A name is looked up per region
    in the operator's regions (``by_region_name``), in the province by ``by_name``: no other
    region's match is read, and no match is dropped after a cap. ID numbers masked."""
    principal = require_staff(principal)
    text = normalize.nfkc(query or "")
    if re.fullmatch(r"[\dXx\s]{15,}", text):
        person = registry.get_person(svc.vault.lookup("id", normalize.id_number(text)))
        people = [person] if person and principal.can_see(person.region) else []
        following = None
    elif len(text) >= 2:
        people, following = _name_page(principal, normalize.name(text), cursor)
    else:
        raise AppError(ErrorCode.BAD_REQUEST, labels.SEARCH_TOO_SHORT)
    year = certification_year(svc.clock.now())
    return {"rows": [_row(svc, person, year) for person in people], "next": following}


def _name_page(principal, name: str, cursor: str | None):
    """The cursor is ``[region index, DynamoDB's last key]`` as JSON: an operator's regions are
    read one after the other."""
    regions = principal.query_regions
    try:
        position, last_key = json.loads(cursor) if cursor else (0, None)
        position = int(position)
        if cursor and (not 0 <= position < len(regions) or not isinstance(last_key, dict | None)):
            raise ValueError(cursor)
    except (ValueError, TypeError):
        raise AppError(ErrorCode.BAD_REQUEST, labels.PAGE_TOKEN_INVALID) from None
    people: list = []
    while position < len(regions) and len(people) < PAGE_SIZE:
        found, last_key = registry.name_page(name, regions[position], PAGE_SIZE - len(people), last_key)
        people += found
        if last_key is None:
            position += 1
    following = json.dumps([position, last_key]) if position < len(regions) else None
    return people, following


def detail(svc: Services, principal, id_key: str) -> dict:
    """A person's record (full ID number: staff on the person's own page), this record as it
    stands today, a pending correction, certification history and failed attempts."""
    person = _person(principal, id_key)
    id_number = svc.vault.open(person.id_sealed)
    today = beijing_date(svc.clock.now())
    facts = effective_facts(person.name, person.status, person.corrected_name,
                            person.corrected_status, person.correction_effective, today)
    audit.record(svc, principal, "view_person", target=_target(person, id_number), region=person.region)
    pending = None
    if person.correction_effective and today < person.correction_effective:
        pending = {"name": person.corrected_name, "status": person.corrected_status,
                   "status_label": labels.PERSON_STATUS.get(person.corrected_status, ""),
                   "effective": _day(person.correction_effective)}
    return {
        # An ID-number correction: this number counts from / until these days (None: already/always).
        "id_valid_from": _day(person.valid_from) if person.valid_from and today < person.valid_from else None,
        "id_valid_until": _day(person.valid_until) if person.valid_until else None,
        "key": person.id_key, "id_number": id_number, "name": facts.name,
        "registry_name": person.name, "region": person.region, "unit": person.unit,
        "status": facts.status, "status_label": labels.PERSON_STATUS.get(facts.status, facts.status),
        "has_photo": bool(person.reference_embedding), "pending_correction": pending,
        "has_staff_photo": bool(person.staff_reference_embedding),
        "history": [
            {"year": int(c.year), "method": labels.METHODS.get(c.method, c.method),
             "certified_at": c.certified_at.replace("T", " ")[:19], "operator": c.operator or ""}
            for c in certifications.history(person.id_key)
        ],
        "attempts": [
            {"year": int(a.year), "failed": int(a.failed or 0),
             "last_reason": labels.FAILURE_REASONS.get(a.last_reason or "", a.last_reason or ""),
             "last_failed_at": a.last_failed_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
             if a.last_failed_at else ""}
            for a in certifications.attempts(person.id_key)
        ],
    }


def correct(svc: Services, principal, id_key: str, *, name: str | None, status: str | None,
            reason: str, id_number: str | None = None) -> dict:
    """Correct name and/or status and/or the ID number, effective from tomorrow (Beijing), with
    the reason in the log. With a new ID number the record moves to it first (the result's
    ``key``), so a name or status correction given with it is made on the moved record."""
    person = _person(principal, id_key)
    reason_text = _reason(reason)
    current_id = svc.vault.open(person.id_sealed)
    result: dict = {"key": person.id_key}
    if id_number:
        moved = correct_id_number(svc, principal, id_key, new_id_number=id_number, reason=reason_text)
        current_id, result = normalize.id_number(id_number), {**moved}
        if not (name or status):
            return result
    elif not (name or status):
        raise AppError(ErrorCode.BAD_REQUEST, labels.CORRECTION_EMPTY)
    corrected = corrections.correct_record(
        svc, current_id, name=(name or None), status=(status or None),
        audit=lambda before, after, effective: audit.fields(
            principal, "correct_record", target=_target(person, current_id), region=person.region,
            before=before, after={**after, labels.AUDIT_EFFECTIVE: _day(effective)}, reason=reason_text))
    before = {**result.get("before", {}), **corrected["before"]}
    after = {**result.get("after", {}), **corrected["after"]}
    return {**result, "before": before, "after": after, "effective": _day(corrected["effective"])}


def correct_id_number(svc: Services, principal, id_key: str, *, new_id_number: str, reason: str) -> dict:
    """Correct a wrongly recorded ID number, effective from tomorrow (Beijing): the record, card,
    every year's certifications, the contacts and the account move to the right number in one
    transaction with the audit event (masked numbers and the reason). Returns the masked
    before/after, the effective day and the record's new ``key``."""
    person = _person(principal, id_key)
    reason_text = _reason(reason)
    id_number = svc.vault.open(person.id_sealed)
    result = corrections.correct_id_number(
        svc, id_number, new_id_number,
        audit=lambda before, after, effective: audit.fields(
            principal, "correct_id_number", target=_target(person, id_number), region=person.region,
            before=before, after={**after, labels.AUDIT_EFFECTIVE: _day(effective)}, reason=reason_text))
    return {**result, "effective": _day(result["effective"])}


def move_region(svc: Services, principal, id_key: str, *, region: str, unit: str, reason: str) -> dict:
    """Move a person to another region and unit: a provincial administrator's action with a reason
    (an import never moves anyone). The record, the recipient counters and the audit event change
    in one transaction, conditioned on the region as read."""
    principal = require_province_admin(principal)
    reason_text = _reason(reason)
    new_region, new_unit = normalize.nfkc(region or ""), normalize.nfkc(unit or "")
    if not new_region or not new_unit or len(new_region) > 100 or len(new_unit) > 100:
        raise AppError(ErrorCode.BAD_REQUEST, labels.MOVE_NEEDS_REGION_AND_UNIT, field="region")

    def attempt() -> dict:
        person = _person(principal, id_key)
        if person.valid_until:
            raise AppError(ErrorCode.BAD_REQUEST, labels.MOVE_ID_CORRECTED_AWAY)
        if person.region == new_region and person.unit == new_unit:
            raise AppError(ErrorCode.BAD_REQUEST, labels.MOVE_CHANGES_NOTHING, field="region")
        deltas = stats.recipient_deltas(
            stats.counted_place(person.status, person.corrected_status, person.region, person.unit),
            stats.counted_place(person.status, person.corrected_status, new_region, new_unit))
        id_number = svc.vault.open(person.id_sealed)
        abroad = overseas_dal.get(id_key) is not None
        moved = registry.move_region(
            id_key, region=new_region, unit=new_unit, seen_region=person.region, counter_deltas=deltas,
            now=svc.clock.now(), overseas_marker=overseas.region_marker(new_region) if abroad else None,
            audit=audit.fields(principal, "move_region", target=_target(person, id_number),
                               region=new_region, before={labels.FIELD_REGION: person.region, labels.FIELD_UNIT: person.unit},
                               after={labels.FIELD_REGION: new_region, labels.FIELD_UNIT: new_unit}, reason=reason_text))
        if not moved:
            raise LostRace
        return {"region": new_region, "unit": new_unit}

    return retry_lost_races(attempt, attempts=5, gives_up=AppError(
        ErrorCode.SERVICE_UNAVAILABLE, labels.RECORD_BEING_CHANGED))


def remove_reference_photo(svc: Services, principal, id_key: str, *, reason: str) -> dict:
    """Remove a person's reference photo and template (the only way one is removed: an import
    with an empty photo cell keeps it), with a reason, audited in the same transaction."""
    person = _person(principal, id_key)
    reason_text = _reason(reason)
    id_number = svc.vault.open(person.id_sealed)
    removed = registry.remove_reference_photo(
        id_key, now=svc.clock.now(),
        audit=audit.fields(principal, "remove_reference_photo", target=_target(person, id_number),
                           region=person.region, before={labels.FIELD_REFERENCE_PHOTO: labels.PRESENT},
                           after={labels.FIELD_REFERENCE_PHOTO: labels.ABSENT},
                           reason=reason_text))
    if not removed:
        raise AppError(ErrorCode.BAD_REQUEST, labels.NO_REFERENCE_PHOTO)
    return {"has_photo": False}


def set_staff_photo(svc: Services, principal, id_key: str, *, image: bytes, reason: str) -> dict:
    """A photo staff took of the person in person (counter, home visit, overseas programme) is to
    become the person's trusted reference (logic/references.py): checked by the same strict quality
    gate as registry photos and stored, it waits for a provincial administrator's approval
    (rules/four_eyes.py); nothing about the person changes until then."""
    from pensioncert.dal import staff_photos
    from pensioncert.logic import confirmations
    from pensioncert.rules import four_eyes
    from pensioncert.vision_client import VisionRefusal

    person = _person(principal, id_key)
    reason_text = _reason(reason)
    try:
        template = svc.vision.embed_reference(image)
    except VisionRefusal as refusal:
        raise AppError(ErrorCode.BAD_REQUEST, STAFF_PHOTO_REFUSED, vision_code=refusal.code) from None
    now = svc.clock.now()
    photo_key = staff_photos.put_photo(svc.client("s3"), svc.settings.evidence_bucket, id_key, image, now)
    id_number = svc.vault.open(person.id_sealed)
    confirmation = confirmations.request(
        svc, kind=four_eyes.STAFF_PHOTO, region=person.region, requested_by=principal.username,
        requested_by_name=principal.display_name, person=person,
        detail={"photo_key": photo_key, "embedding": template, "reason": reason_text},
        audit=audit.fields(principal, "confirm_requested", target=_target(person, id_number),
                           region=person.region, after={labels.AUDIT_ITEM: labels.REPLACE_REFERENCE_PHOTO, labels.AUDIT_PHOTO: photo_key},
                           reason=reason_text))
    assert confirmation is not None  # a fresh random id
    return {"has_staff_photo": bool(person.staff_reference_embedding), "confirmation_id": confirmation.confirmation_id}


REFERENCE_CHANGED_SMS = labels.REFERENCE_CHANGED_SMS


def apply_staff_photo(svc: Services, principal, confirmation, detail: dict) -> dict:
    """A provincial administrator approved: the photo becomes the reference (audited with both
    names in the same transaction), and the pensioner's bound phone is told (an SMS queued)."""
    from pensioncert.dal import staff_photos
    from pensioncert.logic.contacts import mask_name
    from pensioncert.sms.queue import queued_notice

    person = registry.get_person(confirmation.subject_key)
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND)
    id_number = svc.vault.open(person.id_sealed)
    had = labels.PRESENT if person.staff_reference_embedding else labels.ABSENT
    if not staff_photos.set_photo(
            person.id_key, photo_key=detail["photo_key"], embedding=detail["embedding"], now=svc.clock.now(),
            audit=audit.fields(principal, "set_staff_photo", target=_target(person, id_number),
                               region=person.region, before={labels.AUDIT_STAFF_PHOTO: had},
                               after={labels.AUDIT_STAFF_PHOTO: labels.PRESENT, labels.AUDIT_PHOTO: detail["photo_key"],
                                      labels.AUDIT_COLLECTOR: confirmation.requested_by_name,
                                      labels.AUDIT_APPROVER: principal.display_name},
                               reason=detail.get("reason"))):
        raise AppError(ErrorCode.NOT_FOUND)
    account = svc.accounts.find_by_id_key(person.id_key)
    sealed = (account.phone_sealed or account.bound_phone_sealed) if account is not None else None
    notified = False
    if sealed:  # queued: the consumer sends it (jobs/notices.py)
        notice = queued_notice(svc.vault, purpose="reference_changed", occasion=confirmation.confirmation_id,
                               phone_sealed=sealed, text=REFERENCE_CHANGED_SMS.format(name=mask_name(person.name)),
                               params=(("name", mask_name(person.name)),))
        notified = not svc.notices.put([notice])
    return {"has_staff_photo": True, "notified": notified}


STAFF_PHOTO_REFUSED = labels.STAFF_PHOTO_REFUSED


def import_upload(svc: Services, principal, data: str | bytes, filename: str = "") -> ImportReport:
    """The registry import of an uploaded file, on the same functions as `make import`: a CSV
    (photo cells empty: the photos there are kept) or a zip of the CSV and its photos. Row by
    row, an operator may create and change only records whose current region is theirs; each
    changed row is audited with its change (``logic.registry_import``). The photos are embedded as
    `make import` embeds them (``PhotoPool``: worker processes once there is more than a chunk, each
    photo's result recorded, so an upload sent again after a failure embeds only the rest)."""
    principal = require_staff(principal)
    importer = Importer(principal.username, principal.display_name, principal.region_filter)
    s3 = svc.client("s3")

    def store_photo(key: str, image: bytes) -> str:
        return put_registry_photo(s3, svc.settings.evidence_bucket, key, image)

    source = (filename or labels.UPLOADED_FILE)[:200]
    if isinstance(data, bytes) and data.startswith(ZIP_MAGIC):
        with PhotoPool(svc) as pool:
            report = import_archive(svc, data, store_photo, importer, source, photo_pool=pool)
    else:
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise AppError(ErrorCode.BAD_REQUEST, labels.CSV_OR_ZIP_UNREADABLE) from None
        report = import_registry(svc, data, None, store_photo, importer, source)
    audit.record(svc, principal, "import_registry", target=source,
                 after={"rows": report.rows, "written": report.written, "unchanged": report.unchanged,
                        "errors": len(report.errors)})
    return report


def _person(principal, id_key: str) -> RegistryPersonTable:
    require_staff(principal)
    person = registry.get_person(id_key) if id_key else None
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND, labels.PERSON_NOT_FOUND)
    require_region(principal, person.region)
    return person


def _row(svc: Services, person: RegistryPersonTable, year: int) -> dict:
    certified = certifications.for_year(person.id_key, year)
    return {
        "key": person.id_key, "name": person.name,
        "id_masked": normalize.mask_id_number(svc.vault.open(person.id_sealed)),
        "region": person.region, "unit": person.unit,
        "status": labels.PERSON_STATUS.get(person.status, person.status),
        "certified": labels.METHODS.get(certified.method, labels.CERTIFIED) if certified else labels.UNCERTIFIED,
    }


def _target(person: RegistryPersonTable, id_number: str) -> str:
    return f"{person.name} {normalize.mask_id_number(id_number)}"


def _reason(reason: str | None) -> str:
    text = normalize.nfkc(reason or "")
    if not text or len(text) > MAX_REASON:
        raise AppError(ErrorCode.BAD_REQUEST, labels.REASON_REQUIRED, field="reason")
    return text


def _day(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
