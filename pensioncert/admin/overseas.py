"""Overseas residents (境外人员): the ministry's list, photo modelling, certification, and the
per-agency summary report for the provincial fund centre (CSV and XLSX).

The list is UTF-8 CSV with a header row: ``id_number,name,country,agency,phone`` (phone may be
empty; any international format). Every person must be in the registry under the same name.
"""
from __future__ import annotations

import io
import json
import re
import secrets
from collections import defaultdict
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, exports, labels
from pensioncert.admin.principal import require_region, require_staff
from pensioncert.dal import certifications, registry, stats
from pensioncert.dal import overseas as overseas_dal
from pensioncert.dal.admin_tables import StatsTable
from pensioncert.dal.evidence import put_registry_photo
from pensioncert.dal.transactions import LostRace, retry_lost_races
from pensioncert.errors import (
    CELL_EMPTY_OR_TOO_LONG,
    PHOTO_FAILED_QUALITY,
    PHOTO_NOT_AN_IMAGE,
    ROW_ID_NUMBER_REPEATED,
    AppError,
    ErrorCode,
)
from pensioncert.logic import eligibility
from pensioncert.logic.registry_import import (
    PHOTO_REFUSALS,
    ImportReport,
    RowError,
    is_photo_file,
    read_csv,
)
from pensioncert.rules.certification import ALREADY_CERTIFIED, OVERSEAS, certification_year

if TYPE_CHECKING:
    from pensioncert.services import Services

COLUMNS = ("id_number", "name", "country", "agency", "phone")
REPORT_HEADER = labels.OVERSEAS_REPORT_HEADER
_REGIONS_SCOPE = "overseas#regions"
_PHONE = re.compile(r"^\+?[\d\s\-()]{5,25}$")


def import_list(svc: Services, principal, csv_text: str, filename: str = "") -> ImportReport:
    principal = require_staff(principal)
    report = ImportReport()
    reader = read_csv(csv_text, COLUMNS, report)
    if reader is None:
        return report
    seen: dict[str, int] = {}
    for record in reader:
        report.rows += 1
        line = reader.line_num
        try:
            written = _import_row(svc, principal, record, line, seen)
        except _RowRejected as rejected:
            report.errors.append(RowError(line, rejected.field, rejected.message))
            continue
        if written:
            report.written += 1
        else:
            report.unchanged += 1
    audit.record(svc, principal, "overseas_import", target=filename or labels.UPLOADED_FILE,
                 after={"rows": report.rows, "written": report.written, "unchanged": report.unchanged,
                        "errors": len(report.errors)})
    return report


def residents(svc: Services, principal) -> list[dict]:
    principal = require_staff(principal)
    year = certification_year(svc.clock.now())
    return [_row(svc, item, year) for item in _items(principal)]


def model_photo(svc: Services, principal, id_key: str, image: bytes) -> dict:
    """The reference photo through the registry photos' quality gate and embedding; once a provincial
    administrator approves it (admin.confirmations) it is the person's staff photo reference, so the
    person can then certify by app from abroad."""
    from pensioncert.vision_client import VisionRefusal

    item = _item(principal, id_key)
    now = svc.clock.now()
    if not is_photo_file(image):
        raise AppError(ErrorCode.BAD_REQUEST, PHOTO_NOT_AN_IMAGE)
    try:
        embedding = svc.vision.embed_reference(image)
    except VisionRefusal as refusal:
        reason = PHOTO_REFUSALS.get(refusal.code, PHOTO_FAILED_QUALITY)
        overseas_dal.set_photo_result(id_key, status="rejected", reason=reason, photo_key=None,
                                      embedding=None, now=now)
        audit.record(svc, principal, "overseas_photo", target=_target(svc, item), region=item.region,
                     after={labels.AUDIT_RESULT: labels.OVERSEAS_PHOTO_REJECTED, labels.FIELD_REASON: reason})
        return {"status": "rejected", "message": labels.OVERSEAS_PHOTO_RETRY.format(reason=reason)}
    photo_key = put_registry_photo(svc.client("s3"), svc.settings.evidence_bucket, id_key, image)
    overseas_dal.set_photo_result(id_key, status="modelled", reason=None, photo_key=photo_key,
                                  embedding=embedding, now=now)
    # A photo one operator uploads becomes a trusted reference only with a provincial
    # administrator's approval (rules/four_eyes.py), as a staff photo: issue 19, finding 3.
    from pensioncert.logic import confirmations
    from pensioncert.rules import four_eyes

    person = registry.get_person(id_key)
    confirmation = confirmations.request(
        svc, kind=four_eyes.STAFF_PHOTO, region=item.region, requested_by=principal.username,
        requested_by_name=principal.display_name, person=person,
        detail={"photo_key": photo_key, "embedding": embedding, "reason": labels.OVERSEAS_REFERENCE_REASON},
        audit=audit.fields(principal, "overseas_photo", target=_target(svc, item), region=item.region,
                           after={labels.AUDIT_RESULT: labels.OVERSEAS_PHOTO_AWAITS_APPROVAL}))
    assert confirmation is not None  # a fresh random id
    return {"status": "modelled", "confirmation_id": confirmation.confirmation_id,
            "message": labels.OVERSEAS_PHOTO_PASSED}


CHANNELS = labels.OVERSEAS_CHANNELS


def certify(svc: Services, principal, id_key: str, visit=None, channel: str = "") -> dict:
    """Ask for this year's certification with method ``overseas`` (once a year, any method; stored
    when a second staff member confirms it, admin.confirmations), with its evidence (admin.manual_evidence): the consular or video-call photo, its date, the place
    (consulate or the person's address abroad) and the staff. A photo below the match threshold
    becomes a review case for a provincial reviewer instead (``{"outcome": "review"}``)."""
    from pensioncert.admin import manual_evidence
    from pensioncert.logic import reviews

    item = _item(principal, id_key)
    decision = eligibility.may_certify(svc, id_key, OVERSEAS)
    person = decision.person
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND, labels.PERSON_NOT_FOUND)
    if decision.facts is not None and decision.reason not in (None, ALREADY_CERTIFIED):
        raise AppError(ErrorCode.NOT_ELIGIBLE, labels.NOT_A_RECIPIENT.format(
            status=labels.PERSON_STATUS.get(decision.facts.status, "")))
    if channel not in CHANNELS:  # asked before the year's certification, as it always was
        raise AppError(ErrorCode.BAD_REQUEST, labels.OVERSEAS_CHANNEL_NEEDED)
    year = certification_year(svc.clock.now())
    if decision.reason == ALREADY_CERTIFIED:
        raise AppError(ErrorCode.NOT_ELIGIBLE, labels.OVERSEAS_ALREADY_CERTIFIED, reason=ALREADY_CERTIFIED)
    proof = manual_evidence.check(svc, person, visit or manual_evidence.VisitFacts(None, "", "", ""),
                                  kind="overseas", ref_id=f"{channel}-{secrets.token_hex(4)}")
    facts = {labels.OVERSEAS_CHANNEL: CHANNELS[channel], labels.AUDIT_SIMILARITY: proof.score_label,
             labels.OVERSEAS_VERIFIED_ON: proof.visited_on, labels.OVERSEAS_VERIFIER: proof.visited_by_name}
    if not proof.matched:
        review = reviews.open_manual(
            svc, kind="overseas", person=person, requested_by=f"staff:{principal.username}",
            evidence_key=proof.evidence_key, similarity=proof.similarity, reference=proof.reference,
            detail=proof.detail, visited_on=proof.visited_on, address=proof.address,
            visited_by=proof.visited_by,
            audit=audit.fields(principal, "review_open", target=_target(svc, item), region=item.region,
                               after={labels.FIELD_SOURCE: labels.OVERSEAS_SOURCE, **facts}))
        return {"outcome": "review", "review_id": review.review_id, "similarity": proof.similarity}
    # Four eyes (rules/four_eyes.py): a second staff member who did not take part confirms.
    from pensioncert.logic import confirmations
    from pensioncert.rules import four_eyes

    confirmation = confirmations.request(
        svc, kind=four_eyes.OVERSEAS, region=person.region, requested_by=principal.username,
        requested_by_name=principal.display_name, person=person, visited_by=proof.visited_by,
        detail={"year": year, "evidence_key": proof.evidence_key, "similarity": proof.similarity,
                "reference": proof.reference, "visited_on": proof.visited_on,
                "visited_by_name": proof.visited_by_name, "channel": channel},
        audit=audit.fields(principal, "confirm_requested", target=_target(svc, item), region=item.region,
                           after={labels.AUDIT_YEAR: year, labels.AUDIT_METHOD: labels.METHODS["overseas"], **facts}))
    assert confirmation is not None  # a fresh random id
    return {"outcome": "confirming", "confirmation_id": confirmation.confirmation_id, "year": year,
            "similarity": proof.similarity}


def summary_rows(svc: Services, principal) -> list[list]:
    """One line per agency (经办机构), then the total line."""
    principal = require_staff(principal)
    year = certification_year(svc.clock.now())
    per_agency: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for item in _items(principal):
        counts = per_agency[item.agency]
        counts[0] += 1
        counts[{"modelled": 1, "rejected": 2}.get(item.photo_status or "none", 3)] += 1
        counts[4] += certifications.for_year(item.id_key, year) is not None
    rows = [_report_line(agency, counts) for agency, counts in sorted(per_agency.items())]
    total = [sum(counts[i] for counts in per_agency.values()) for i in range(5)]
    return rows + [_report_line(labels.OVERSEAS_TOTAL, total)]


def export(svc: Services, principal, fmt: str) -> tuple[str, bytes]:
    """The summary report as (filename, bytes): ``csv`` (UTF-8 with BOM, opens in Excel) or ``xlsx``."""
    principal = require_staff(principal)
    rows = summary_rows(svc, principal)
    year = certification_year(svc.clock.now())
    name = labels.OVERSEAS_REPORT_FILE.format(year=year)
    audit.record(svc, principal, "overseas_export", target=f"{name}.{fmt}")
    # The agency names are what operators typed: the file must stay inert (``admin.exports``).
    if fmt == "csv":
        return f"{name}.csv", exports.csv_bytes([REPORT_HEADER, *rows])
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.worksheets[0]  # a new workbook's one sheet
        sheet.title = labels.OVERSEAS_REPORT_SHEET
        exports.append_row(sheet, [labels.OVERSEAS_REPORT_TITLE.format(year=year)])
        exports.append_row(sheet, REPORT_HEADER)
        for row in rows:
            exports.append_row(sheet, row)
        for column, width in zip("ABCDEFGH", (30, 12, 12, 12, 12, 12, 10, 10)):
            sheet.column_dimensions[column].width = width
        out = io.BytesIO()
        book.save(out)
        return f"{name}.xlsx", out.getvalue()
    raise AppError(ErrorCode.BAD_REQUEST, labels.EXPORT_FORMAT_INVALID)


class _RowRejected(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


def _import_row(svc: Services, principal, record: dict, line: int, seen: dict) -> bool:
    values = {c: normalize.nfkc(record.get(c) or "") for c in COLUMNS}
    try:
        id_number = normalize.id_number(values["id_number"])
    except AppError as error:
        raise _RowRejected("id_number", error.message) from None
    try:
        name = normalize.name(values["name"])
    except AppError as error:
        raise _RowRejected("name", error.message) from None
    for column, label in (("country", labels.OVERSEAS_COUNTRY), ("agency", labels.OVERSEAS_AGENCY)):
        if not values[column] or len(values[column]) > 100:
            raise _RowRejected(column, CELL_EMPTY_OR_TOO_LONG.format(label=label, limit=100))
    if values["phone"] and not _PHONE.fullmatch(values["phone"]):
        raise _RowRejected("phone", labels.OVERSEAS_PHONE_INVALID)
    if id_number in seen:
        raise _RowRejected("id_number", ROW_ID_NUMBER_REPEATED.format(line=seen[id_number]))
    seen[id_number] = line
    id_key = svc.vault.lookup("id", id_number)
    person = registry.get_person(id_key)
    if person is None:
        raise _RowRejected("id_number", labels.PERSON_NOT_FOUND)
    # Another region's person is answered as no one (issue 19, finding 14): nothing of them, not
    # even that the number is on record, is told.
    if not principal.can_see(person.region):
        raise _RowRejected("id_number", labels.PERSON_NOT_FOUND)
    if person.name != name and person.corrected_name != name:
        raise _RowRejected("name", labels.OVERSEAS_NAME_MISMATCH.format(name=person.name))
    fingerprint = svc.vault.lookup("overseas-row", json.dumps(
        [id_number, name, values["country"], values["agency"], values["phone"], person.region,
         person.unit], ensure_ascii=False))
    after = {labels.FIELD_NAME: name, labels.OVERSEAS_COUNTRY: values["country"], labels.OVERSEAS_AGENCY: values["agency"],
             labels.OVERSEAS_PHONE: normalize.mask_phone(values["phone"]) if values["phone"] else ""}

    def attempt() -> bool:
        existing = overseas_dal.get(id_key)
        if existing is not None and existing.list_fingerprint == fingerprint:
            return False
        before = {} if existing is None else {
            labels.FIELD_NAME: existing.name, labels.OVERSEAS_COUNTRY: existing.country,
            labels.OVERSEAS_AGENCY: existing.agency,
            labels.OVERSEAS_PHONE: normalize.mask_phone(svc.vault.open(existing.phone_sealed))
            if existing.phone_sealed else ""}
        changed = {key: value for key, value in after.items() if before.get(key) != value}
        # Every changed row is audited in the transaction of its change (what changed, masked).
        if overseas_dal.upsert(
            id_key=id_key, id_sealed=person.id_sealed, name=name, country=values["country"],
            agency=values["agency"], region=person.region, unit=person.unit,
            phone_sealed=svc.vault.seal(values["phone"]) if values["phone"] else None,
            fingerprint=fingerprint, now=svc.clock.now(),
            seen_fingerprint=existing.list_fingerprint if existing is not None else None,
            # Which regions have overseas residents: the provincial view lists them without a scan.
            region_marker=region_marker(person.region),
            audit=audit.fields(principal, "overseas_row", target=f"{name} {normalize.mask_id_number(id_number)}",
                               region=person.region, before={k: before[k] for k in changed if k in before} or None,
                               after=changed or after),
        ):
            return True
        raise LostRace

    return retry_lost_races(attempt, attempts=5,
                            gives_up=RuntimeError("the overseas resident kept changing during the import"))


def region_marker(region: str) -> StatsTable:
    """The item that lists ``region`` among the regions with overseas residents (set to 1)."""
    return StatsTable(_REGIONS_SCOPE, region)


def _items(principal):
    every_region = lambda: sorted(stats.read_scope(_REGIONS_SCOPE))  # noqa: E731 (regions with overseas cases)
    return [item for region in principal.named_regions(every_region) for item in overseas_dal.in_region(region)]


def _item(principal, id_key: str):
    require_staff(principal)
    item = overseas_dal.get(id_key) if id_key else None
    if item is None:
        raise AppError(ErrorCode.NOT_FOUND, labels.OVERSEAS_NOT_LISTED)
    require_region(principal, item.region)
    return item


def _row(svc: Services, item, year: int) -> dict:
    certified = certifications.for_year(item.id_key, year)
    return {
        "key": item.id_key, "name": item.name,
        "id_masked": normalize.mask_id_number(svc.vault.open(item.id_sealed)),
        "country": item.country, "agency": item.agency, "region": item.region,
        "photo": labels.PHOTO_STATUS.get(item.photo_status or "none", ""),
        "photo_reason": item.photo_reason or "",
        "certified": labels.METHODS.get(certified.method, labels.CERTIFIED) if certified else labels.UNCERTIFIED,
    }


def _report_line(agency: str, counts: list[int]) -> list:
    total, modelled, rejected, none, certified = counts
    rate = round(100.0 * certified / total, 1) if total else 0.0
    return [agency, total, modelled, rejected, none, certified, total - certified, rate]


def _target(svc: Services, item) -> str:
    return f"{item.name} {normalize.mask_id_number(svc.vault.open(item.id_sealed))}"
