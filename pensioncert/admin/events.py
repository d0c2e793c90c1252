"""Data matching in the admin (issue 13): importing life-event feeds by upload (the same
``import_events`` as `make import-events`), and the lists the feeds and the yearly jobs keep:
suspensions for the payment system, reinstatements to pay back, overpayments after a death to
recover, exits abroad for the overseas process, suspensions while imprisoned. Every list is read
by its index, one key per region in the principal's scope; lists show ID numbers masked, the
payment system's export carries them in full (audited)."""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, exports, labels
from pensioncert.admin.principal import require_staff
from pensioncert.dal import life_events
from pensioncert.errors import AppError, ErrorCode
from pensioncert.jobs import regions as regions_with_recipients
from pensioncert.logic import confirmations
from pensioncert.logic.event_import import EventImportReport, import_events
from pensioncert.logic.registry_import import Importer
from pensioncert.rules import four_eyes

if TYPE_CHECKING:
    from pensioncert.services import Services

LISTS = labels.EVENT_LISTS
EXPORT_HEADER = labels.EVENT_LIST_HEADER


@dataclass(frozen=True)
class FeedAwaitingApproval:
    """An unsigned feed: stored, nothing applied until a second staff member approves it."""

    confirmation_id: str
    sha256: str


def import_upload(svc: Services, principal, data: bytes, filename: str = "", *, source: str = "",
                  signature: str = "") -> EventImportReport | FeedAwaitingApproval:
    """A feed certifies or ends a pension only when it comes from its source system (``signature``:
    the HMAC of the file under ``source``'s registered key, rules.four_eyes) or after a second staff
    member approves it (admin.confirmations). A signature that does not verify is refused outright:
    nothing is stored. Row by row, an operator may import only events of people whose stored region
    is theirs."""
    principal = require_staff(principal)
    if signature or source:
        if not four_eyes.feed_signed_by(data, source, signature, svc.settings.feed_source_keys):
            audit.record(svc, principal, "import_events_refused", target=(filename or labels.UPLOADED_FILE)[:200],
                         after={labels.FIELD_SOURCE: source[:50], labels.FIELD_REASON: labels.FEED_SIGNATURE_MISMATCH})
            raise AppError(ErrorCode.BAD_REQUEST, FEED_SIGNATURE_INVALID)
        return apply_upload(svc, principal, data, filename, signed_by=source)
    return _await_second_operator(svc, principal, data, filename)


FEED_SIGNATURE_INVALID = labels.FEED_SIGNATURE_INVALID
FEED_PREFIX = "feeds/"


def _await_second_operator(svc: Services, principal, data: bytes, filename: str) -> FeedAwaitingApproval:
    now = svc.clock.now()
    digest = hashlib.sha256(data).hexdigest()
    key = f"{FEED_PREFIX}{now.strftime('%Y%m%dT%H%M%S%f')}-{digest[:16]}.csv"
    svc.client("s3").put_object(Bucket=svc.settings.evidence_bucket, Key=key, Body=data,
                                ServerSideEncryption="AES256")
    name = (filename or labels.UPLOADED_FILE)[:200]
    region = principal.regions[0] if not principal.is_province_admin and len(principal.regions) == 1 else ALL_REGIONS
    item = confirmations.request(
        svc, kind=four_eyes.EVENT_FEED, region=region, requested_by=principal.username,
        requested_by_name=principal.display_name,
        detail={"file_key": key, "filename": name, "sha256": digest, "bytes": len(data),
                "regions": principal.region_filter},
        audit=audit.fields(principal, "import_events_pending", target=name, region=None if region == ALL_REGIONS
                           else region, after={labels.AUDIT_FILE: name, "SHA-256": digest[:16], labels.AUDIT_STATE: labels.FEED_AWAITS_SECOND_PERSON}))
    assert item is not None  # a fresh random id
    return FeedAwaitingApproval(item.confirmation_id, digest)


ALL_REGIONS = labels.ALL_REGIONS


def apply_upload(svc: Services, principal, data: bytes, filename: str = "", *, signed_by: str = "",
                 importer: Importer | None = None) -> EventImportReport:
    """The feed's rows applied (a signed feed, or an approved one with the uploader's scope)."""
    principal = require_staff(principal)
    importer = importer or Importer(principal.username, principal.display_name, principal.region_filter)
    source = (filename or labels.UPLOADED_FILE)[:200]
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        report = import_events(svc, stream, importer, source)
    except UnicodeDecodeError:
        raise AppError(ErrorCode.BAD_REQUEST, labels.CSV_UNREADABLE) from None
    audit.record(svc, principal, "import_events", target=source,
                 after={**({labels.AUDIT_SIGNED_BY: signed_by} if signed_by else {}), "rows": report.rows, "written": report.written, "unchanged": report.unchanged,
                        "errors": report.error_count, **report.outcomes})
    return report


def _items(principal, name: str):
    if name not in LISTS:
        raise AppError(ErrorCode.BAD_REQUEST, labels.EVENT_LIST_NOT_FOUND)
    return [item for region in principal.named_regions(regions_with_recipients) for item in life_events.whole_list(name, region)]


def rows(svc: Services, principal, name: str) -> list[dict]:
    principal = require_staff(principal)
    return [_row(svc, item, masked=True) for item in _items(principal, name)]


def _row(svc: Services, item, *, masked: bool) -> dict:
    id_number = svc.vault.open(item.id_sealed) if item.id_sealed else ""
    detail = json.loads(item.detail) if item.detail else {}
    after_death = detail.get("certifications_after_death") or []
    return {
        "key": item.subject_key, "name": item.name or "",
        "id": normalize.mask_id_number(id_number) if masked and id_number else id_number,
        "region": item.region or "", "unit": item.unit or "", "year": item.year or "",
        "since": item.since or "", "until": item.until or "", "reason": item.reason or "",
        "months": "、".join(item.months or []), "month_count": len(item.months or []),
        "note": labels.CERTIFIED_AFTER_DEATH.format(dates="、".join(c["certified_at"][:10] for c in after_death))
        if after_death else "",
    }


def export(svc: Services, principal, name: str, fmt: str) -> tuple[str, bytes]:
    """A list for the payment system: CSV (one file, a region column) or XLSX (one sheet per
    region, i.e. per agency), full ID numbers; audited."""
    principal = require_staff(principal)
    items = _items(principal, name)
    title = LISTS[name].split("（")[0]
    audit.record(svc, principal, "events_list_export", target=f"{title}.{fmt}", after={labels.AUDIT_LINE_COUNT: len(items)})
    lines = [[r["region"], r["unit"], r["name"], r["id"], r["year"], r["since"], r["until"], r["reason"], r["months"]]
             for r in (_row(svc, item, masked=False) for item in items)]
    if fmt == "csv":
        return f"{title}.csv", exports.csv_bytes([EXPORT_HEADER, *lines])
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.worksheets[0])  # a new workbook's one empty sheet
        for region in sorted({line[0] for line in lines}) or [labels.NONE]:
            sheet = book.create_sheet(title=exports.sheet_title(region, book.sheetnames))
            exports.append_row(sheet, EXPORT_HEADER)
            for line in lines:
                if line[0] == region:
                    exports.append_row(sheet, line)
        out = io.BytesIO()
        book.save(out)
        return f"{title}.xlsx", out.getvalue()
    raise AppError(ErrorCode.BAD_REQUEST, labels.EXPORT_FORMAT_INVALID)
