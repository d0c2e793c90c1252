"""Pensioners: search, a person's record and history, corrections, registry import by upload."""
from __future__ import annotations

import csv
import io
import re

from pensioncert import normalize
from pensioncert.admin import audit, labels
from pensioncert.admin.staff import require_region, require_staff
from pensioncert.clock import BEIJING, beijing_date
from pensioncert.dal import certifications, registry
from pensioncert.dal.evidence import put_registry_photo
from pensioncert.dal.tables import RegistryPersonTable
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import corrections
from pensioncert.logic.registry_import import ImportReport, RowError, import_registry
from pensioncert.rules.certification import certification_year, effective_facts

MAX_RESULTS = 50
MAX_REASON = 200


def search(svc, principal, query: str) -> list[dict]:
    """By full ID number (its keyed hash) or by name (the name index); only the principal's
    regions; ID numbers masked."""
    principal = require_staff(principal)
    text = normalize.nfkc(query or "")
    if re.fullmatch(r"[\dXx\s]{15,}", text):
        people = [registry.get_person(svc.vault.lookup("id", normalize.id_number(text)))]
    elif len(text) >= 2:
        people = list(RegistryPersonTable.by_name.query(normalize.name(text), limit=MAX_RESULTS))
    else:
        raise AppError(ErrorCode.BAD_REQUEST, labels.SEARCH_TOO_SHORT)
    year = certification_year(svc.clock.now())
    return [_row(svc, person, year) for person in people if person and principal.can_see(person.region)]


def detail(svc, principal, id_key: str) -> dict:
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


def correct(svc, principal, id_key: str, *, name: str | None, status: str | None,
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
        raise AppError(ErrorCode.BAD_REQUEST, "请填写要更正的姓名、身份证号码或待遇状态")
    corrected = corrections.correct_record(svc, current_id, name=(name or None), status=(status or None))
    audit.record(svc, principal, "correct_record", target=_target(person, current_id),
                 region=person.region, before=corrected["before"],
                 after={**corrected["after"], "生效日期": _day(corrected["effective"])}, reason=reason_text)
    before = {**result.get("before", {}), **corrected["before"]}
    after = {**result.get("after", {}), **corrected["after"]}
    return {**result, "before": before, "after": after, "effective": _day(corrected["effective"])}


def correct_id_number(svc, principal, id_key: str, *, new_id_number: str, reason: str) -> dict:
    """Correct a wrongly recorded ID number, effective from tomorrow (Beijing): the record, card
    and this year's certification move to the right number; masked numbers and the reason in the
    log. Returns the masked before/after, the effective day and the record's new ``key``."""
    person = _person(principal, id_key)
    reason_text = _reason(reason)
    id_number = svc.vault.open(person.id_sealed)
    result = corrections.correct_id_number(svc, id_number, new_id_number)
    audit.record(svc, principal, "correct_id_number", target=_target(person, id_number),
                 region=person.region, before=result["before"],
                 after={**result["after"], "生效日期": _day(result["effective"])}, reason=reason_text)
    return {**result, "effective": _day(result["effective"])}


def set_staff_photo(svc, principal, id_key: str, *, image: bytes, reason: str) -> dict:
    """A photo staff took of the person in person (counter, home visit, overseas programme)
    becomes the person's trusted reference (logic/references.py): checked by the same strict
    quality gate as registry photos, stored, and audited with the reason in one transaction."""
    from pensioncert.dal import staff_photos
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
    had = "有" if person.staff_reference_embedding else "无"
    if not staff_photos.set_photo(
            id_key, photo_key=photo_key, embedding=template, now=now,
            audit=audit.fields(principal, "set_staff_photo", target=_target(person, id_number),
                               region=person.region, before={"现场照片": had},
                               after={"现场照片": "有", "照片": photo_key}, reason=reason_text)):
        raise AppError(ErrorCode.NOT_FOUND)
    return {"has_staff_photo": True}


STAFF_PHOTO_REFUSED = "照片不能用作比对照片：请在光线充足处正面拍摄本人，面部清晰、无遮挡后重新上传"


def import_upload(svc, principal, csv_text: str, filename: str = "") -> ImportReport:
    """The registry import (the same code path as `make import`) of an uploaded file. An
    operator's file may only hold rows of their regions: otherwise nothing is imported."""
    principal = require_staff(principal)
    if not principal.is_province_admin:
        reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
        for record in reader:
            region = normalize.nfkc(record.get("region") or "")
            if not principal.can_see(region):
                report = ImportReport(rows=0)
                report.errors.append(RowError(reader.line_num, "region", labels.UPLOAD_OUT_OF_SCOPE
                                              .format(line=reader.line_num, region=region)))
                return report
    s3 = svc.client("s3")
    report = import_registry(
        svc, csv_text, None,
        lambda key, image: put_registry_photo(s3, svc.settings.evidence_bucket, key, image),
    )
    audit.record(svc, principal, "import_registry", target=filename or "上传文件",
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


def _row(svc, person: RegistryPersonTable, year: int) -> dict:
    certified = certifications.for_year(person.id_key, year)
    return {
        "key": person.id_key, "name": person.name,
        "id_masked": normalize.mask_id_number(svc.vault.open(person.id_sealed)),
        "region": person.region, "unit": person.unit,
        "status": labels.PERSON_STATUS.get(person.status, person.status),
        "certified": labels.METHODS.get(certified.method, "已认证") if certified else "未认证",
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
