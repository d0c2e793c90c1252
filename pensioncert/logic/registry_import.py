"""Importing the pensioner registry CSV (the agency's export): one code path for the command line,
the admin upload and the local demo data.

Every row is checked in full and its errors reported with the CSV line number; a valid row is
written person-and-card in one transaction; a row already imported unchanged is skipped, so
importing a file twice changes nothing. A row of an ID number that the agency corrected to another
one (``logic.corrections.correct_id_number``) is refused with an error on its line: the record at
the wrong number stays ended, and the record at the right number is what later files update.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pensioncert import normalize, passwords
from pensioncert.dal import registry, stats
from pensioncert.errors import AppError

COLUMNS = ("id_number", "name", "region", "unit", "status", "card_status", "card_password", "photo")
STATUSES = ("recipient", "not_recipient", "suspended", "deceased")
CARD_STATUSES = ("activated", "not_activated", "")
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


@dataclass
class RowError:
    line: int
    field: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "written": self.written,
            "unchanged": self.unchanged,
            "errors": [vars(error) for error in self.errors],
        }


@dataclass(frozen=True)
class RegistryRow:
    line: int
    id_number: str
    name: str
    region: str
    unit: str
    status: str
    card_status: str
    card_password: str
    photo: bytes | None


def read_csv(csv_text: str, columns: tuple[str, ...], report: ImportReport) -> csv.DictReader | None:
    """The records of an agency's UTF-8 CSV (a BOM tolerated), or None once the columns it lacks
    are reported as an error of line 1. Every import (registry, overseas list, unit reports) reads so."""
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    missing = [column for column in columns if column not in (reader.fieldnames or [])]
    if missing:
        report.errors.append(RowError(1, ",".join(missing), "缺少列：" + "、".join(missing)))
        return None
    return reader


def import_registry(svc, csv_text: str, photo_root: Path | None, store_photo) -> ImportReport:
    """``store_photo(id_key, image_bytes) -> object key`` puts a reference photo in the evidence store."""
    report = ImportReport()
    seen: dict[str, int] = {}
    reader = read_csv(csv_text, COLUMNS, report)
    if reader is None:
        return report
    for record in reader:
        report.rows += 1
        line = reader.line_num
        row, errors = _parse_row(line, record, photo_root)
        if row and row.id_number in seen:
            errors.append(RowError(line, "id_number", f"身份证号码与第{seen[row.id_number]}行重复"))
        if errors:
            report.errors.extend(errors)
            continue
        seen[row.id_number] = line
        try:
            written = _write_row(svc, row, store_photo)
        except _PhotoRejected as rejected:
            report.errors.append(RowError(line, rejected.column, rejected.message))
            continue
        if written:
            report.written += 1
        else:
            report.unchanged += 1
    return report


def _parse_row(line: int, record: dict, photo_root: Path | None):
    errors: list[RowError] = []
    values = {column: (record.get(column) or "").strip() for column in COLUMNS}

    def check(column: str, parse):
        try:
            return parse(values[column])
        except AppError as error:
            errors.append(RowError(line, column, error.message))
        except ValueError as error:
            errors.append(RowError(line, column, str(error)))
        return None

    id_number = check("id_number", normalize.id_number)
    name = check("name", normalize.name)
    region = check("region", lambda v: _required_text(v, "地区"))
    unit = check("unit", lambda v: _required_text(v, "单位"))
    status = check("status", lambda v: _one_of(v, STATUSES, "待遇状态"))
    card_status = check("card_status", lambda v: _one_of(v, CARD_STATUSES, "社保卡状态"))
    card_password = check("card_password", lambda v: _card_password(v, values["card_status"]))
    photo = check("photo", lambda v: _photo(v, photo_root))
    if errors:
        return None, errors
    row = RegistryRow(line, id_number, name, region, unit, status, card_status, card_password, photo)
    return row, errors


def _required_text(value: str, label: str) -> str:
    value = normalize.nfkc(value)
    if not value or len(value) > 100:
        raise ValueError(f"{label}不能为空且不超过100字")
    return value


def _one_of(value: str, allowed: tuple[str, ...], label: str) -> str:
    if value not in allowed:
        raise ValueError(f"{label}须为 " + " / ".join(a or "空" for a in allowed))
    return value


def _card_password(value: str, card_status: str) -> str:
    value = normalize.nfkc(value)
    if card_status == "activated" and not re.fullmatch(r"\d{6}", value):
        raise ValueError("已激活的社保卡须有6位数字密码")
    if value and not re.fullmatch(r"\d{6}", value):
        raise ValueError("社保卡密码须为6位数字")
    return value


def _photo(value: str, photo_root: Path | None) -> bytes | None:
    if not value:
        return None
    if photo_root is None:
        raise ValueError("上传的文件不含照片，请留空照片列或用命令行导入")
    root = photo_root.resolve()
    path = (root / value).resolve()
    if not path.is_relative_to(root):
        raise ValueError("照片路径须在导入文件所在目录之内")
    if not path.is_file():
        raise ValueError(f"找不到照片文件：{value}")
    data = path.read_bytes()
    if len(data) > MAX_PHOTO_BYTES or not data.startswith(_PHOTO_MAGIC):
        raise ValueError("照片须为不超过5MB的 JPEG 或 PNG 图片")
    return data


class _PhotoRejected(Exception):
    """A row refused when written (its photo; or an ID number the agency corrected away)."""

    def __init__(self, message: str, column: str = "photo") -> None:
        self.message = message
        self.column = column


PHOTO_REFUSALS = {
    "NO_FACE": "照片中未检测到人脸",
    "MULTIPLE_FACES": "照片中有多张人脸",
    "POOR_QUALITY": "照片质量不合格（过暗、模糊、遮挡或脸部太小）",
    "IMAGE_INVALID": "照片文件无法识别",
}


def reference_template(svc, photo: bytes) -> list[float]:
    """The photo's face template, behind the reference quality gate; a refusal rejects the row."""
    from pensioncert.vision_client import VisionRefusal

    try:
        return svc.vision.embed_reference(photo)
    except VisionRefusal as refusal:
        reason = PHOTO_REFUSALS.get(refusal.code, "照片未通过质量检查")
        raise _PhotoRejected(f"{reason}，未建立比对模板；请更换照片，或将照片列留空后导入") from None


def _write_row(svc, row: RegistryRow, store_photo) -> bool:
    vault = svc.vault
    id_key = vault.lookup("id", row.id_number)
    fingerprint = vault.lookup(
        "registry-row",
        json.dumps(
            [row.id_number, row.name, row.region, row.unit, row.status, row.card_status,
             row.card_password, hashlib.sha256(row.photo).hexdigest() if row.photo else ""],
            ensure_ascii=False,
        ),
    )
    existing = registry.get_person(id_key)
    if existing is not None and existing.valid_until:
        # The agency corrected this (wrong) ID number to another one: the row is refused, never
        # written over the ended record (which stays ended), so an old export cannot revive it.
        raise _PhotoRejected(
            f"该身份证号码已由经办机构更正为其他号码（自 {existing.valid_until[:4]}-"
            f"{existing.valid_until[4:6]}-{existing.valid_until[6:]} 起），此行未导入", column="id_number")
    if existing is not None and existing.row_fingerprint == fingerprint:
        return False
    embedding = reference_template(svc, row.photo) if row.photo else None
    photo_key = store_photo(id_key, row.photo) if row.photo else None
    for _ in range(_MAX_RACES):
        written = _upsert(svc, row, id_key, fingerprint, existing, embedding, photo_key)
        if written is not None:
            return written
        existing = registry.get_person(id_key)  # changed under us: count from what is there now
    raise RuntimeError("the registry record kept changing during the import")


# A row whose record another writer changes between our read and our write is re-read and retried.
_MAX_RACES = 5


def _upsert(svc, row: RegistryRow, id_key: str, fingerprint: str, existing, embedding, photo_key):
    """One conditional write; None when the record was not as read (the caller re-reads)."""
    vault = svc.vault
    if existing is not None and existing.row_fingerprint == fingerprint:
        return False
    # The dashboards' recipient counters move with the row: from the record as read to the row.
    corrected = existing.corrected_status if existing else None
    deltas = stats.recipient_deltas(
        stats.counted_place(existing.status, corrected, existing.region, existing.unit)
        if existing else None,
        stats.counted_place(row.status, corrected, row.region, row.unit),
    )
    written = registry.upsert_row(
        counter_deltas=deltas,
        seen_fingerprint=existing.row_fingerprint if existing else None,
        reference_embedding=embedding,
        id_key=id_key,
        id_sealed=vault.seal(row.id_number),
        name=row.name,
        region=row.region,
        unit=row.unit,
        status=row.status,
        photo_key=photo_key,
        card_status=row.card_status or "none",
        pin_hash=passwords.hash_secret(svc.settings, row.card_password) if row.card_password else None,
        fingerprint=fingerprint,
        now=svc.clock.now(),
    )
    return True if written else None
