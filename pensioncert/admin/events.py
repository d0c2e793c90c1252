"""Data matching in the admin (issue 13): importing life-event feeds by upload (the same
``import_events`` as `make import-events`), and the lists the feeds and the yearly jobs keep:
suspensions for the payment system, reinstatements to pay back, overpayments after a death to
recover, exits abroad for the overseas process, suspensions while imprisoned. Every list is read
by its index, one key per region in the principal's scope; lists show ID numbers masked, the
payment system's export carries them in full (audited)."""
from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, exports
from pensioncert.admin.staff import require_staff
from pensioncert.dal import life_events
from pensioncert.errors import AppError, ErrorCode
from pensioncert.jobs import regions as regions_with_recipients
from pensioncert.logic.event_import import EventImportReport, import_events
from pensioncert.logic.registry_import import Importer

if TYPE_CHECKING:
    from pensioncert.services import Services

LISTS = {
    "suspended": "暂停发放名单（未按时认证）",
    "reinstated": "恢复发放名单（补发）",
    "overpayment": "死亡后多发待遇名单（追回）",
    "overseas_review": "出境人员名单（转境外人员认证）",
    "imprisoned": "服刑期间暂停发放名单",
}
EXPORT_HEADER = ("地区", "单位", "姓名", "身份证号码", "年度", "起始日期", "截止日期", "原因", "月份")


def import_upload(svc: Services, principal, data: bytes, filename: str = "") -> EventImportReport:
    """Row by row, an operator may import only events of people whose stored region is theirs."""
    principal = require_staff(principal)
    importer = Importer(principal.username, principal.display_name,
                        None if principal.is_province_admin else tuple(principal.regions))
    source = (filename or "上传文件")[:200]
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    try:
        report = import_events(svc, stream, importer, source)
    except UnicodeDecodeError:
        raise AppError(ErrorCode.BAD_REQUEST, "文件无法读取：请上传 UTF-8 编码的 CSV 文件") from None
    audit.record(svc, principal, "import_events", target=source,
                 after={"rows": report.rows, "written": report.written, "unchanged": report.unchanged,
                        "errors": report.error_count, **report.outcomes})
    return report


def _regions(principal) -> list[str]:
    return regions_with_recipients() if principal.is_province_admin else sorted(principal.regions)


def _items(principal, name: str):
    if name not in LISTS:
        raise AppError(ErrorCode.BAD_REQUEST, "没有这个名单")
    return [item for region in _regions(principal) for item in life_events.whole_list(name, region)]


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
        "note": "死亡后仍有认证记录：" + "、".join(c["certified_at"][:10] for c in after_death) if after_death else "",
    }


def export(svc: Services, principal, name: str, fmt: str) -> tuple[str, bytes]:
    """A list for the payment system: CSV (one file, a region column) or XLSX (one sheet per
    region, i.e. per agency), full ID numbers; audited."""
    principal = require_staff(principal)
    items = _items(principal, name)
    title = LISTS[name].split("（")[0]
    audit.record(svc, principal, "events_list_export", target=f"{title}.{fmt}", after={"行数": len(items)})
    lines = [[r["region"], r["unit"], r["name"], r["id"], r["year"], r["since"], r["until"], r["reason"], r["months"]]
             for r in (_row(svc, item, masked=False) for item in items)]
    if fmt == "csv":
        return f"{title}.csv", exports.csv_bytes([EXPORT_HEADER, *lines])
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.worksheets[0])  # a new workbook's one empty sheet
        for region in sorted({line[0] for line in lines}) or ["无"]:
            sheet = book.create_sheet(title=region[:31])
            exports.append_row(sheet, EXPORT_HEADER)
            for line in lines:
                if line[0] == region:
                    exports.append_row(sheet, line)
        out = io.BytesIO()
        book.save(out)
        return f"{title}.xlsx", out.getvalue()
    raise AppError(ErrorCode.BAD_REQUEST, "导出格式须为 csv 或 xlsx")
