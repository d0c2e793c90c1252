"""Importing the pensioner registry CSV (the agency's export): one code path for the command line,
the admin upload and the local demo data.

Every row is checked in full and its errors reported with the CSV line number; a valid row is
written person, card, counters and its audit event in one transaction; a row already imported
unchanged is skipped, so importing a file twice changes nothing. A row of an ID number that the
agency corrected to another one (``logic.corrections.correct_id_number``) is refused with an error
on its line: the record at the wrong number stays ended, and the record at the right number is what
later files update.

The rules a row meets, in this order (each on the record as stored, re-checked if it changes
before the write):
- the importer may write the record's current region (an operator: only theirs; a new record: the
  row's region), checked before anything about the record is told;
- a row never moves a person to another region (``admin.pensioners.move_region``: provincial,
  with a reason);
- an empty photo cell keeps the reference photo there (only ``remove_reference_photo`` removes it);
- a PIN of a card imported activated is never changed (it is the cardholder's).
A zip (the CSV and its photos) goes through ``import_archive`` into the same ``import_registry``.
With a ``PhotoPool`` (``logic.import_photos``: `make import`), the photos are embedded by worker
processes ahead of the rows, each photo's result recorded; the rows are written as without one.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pensioncert import labels, normalize, passwords
from pensioncert.dal import registry, stats
from pensioncert.errors import (
    ARCHIVE_CSV_UNREADABLE,
    ARCHIVE_NEEDS_ONE_CSV,
    ARCHIVE_TOO_LARGE,
    ARCHIVE_UNREADABLE,
    CARD_PIN_INVALID,
    CARD_PIN_NEEDED,
    CELL_EMPTY_OR_TOO_LONG,
    CELL_ONE_OF,
    COLUMNS_MISSING,
    PHOTO_FAILED_QUALITY,
    PHOTO_FILE_MISSING,
    PHOTO_FILE_UNREADABLE,
    PHOTO_MISSING_IN_ARCHIVE,
    PHOTO_NOT_AN_IMAGE,
    PHOTO_PATH_OUTSIDE,
    PHOTO_REFUSALS,
    PHOTO_REFUSED_ROW,
    PHOTOS_NOT_UPLOADED,
    ROW_ID_NUMBER_CORRECTED_AWAY,
    ROW_ID_NUMBER_REPEATED,
    ROW_MOVES_REGION,
    ROW_OUT_OF_SCOPE,
    AppError,
)
from pensioncert.observability import logger as log

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pensioncert.logic.import_photos import PhotoPool, PhotoResult, PhotoTask
    from pensioncert.services import Services

COLUMNS = ("id_number", "name", "region", "unit", "status", "card_status", "card_password", "photo")
STATUSES = ("recipient", "not_recipient", "suspended", "deceased")
CARD_STATUSES = ("activated", "not_activated", "")
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

# A zip's limits, read from its directory before anything is inflated: a city's yearly file of
# new retirees with photos (about 0.2 MB each) stays far below them; a zip bomb does not.
MAX_ARCHIVE_MEMBERS = 20_000
MAX_ARCHIVE_BYTES = 1024 * 1024 * 1024
MAX_CSV_BYTES = 50 * 1024 * 1024


def is_photo_file(data: bytes | None) -> bool:
    """A JPEG or PNG of at most MAX_PHOTO_BYTES, by its size and signature: what a registry photo
    and every photo staff upload as evidence must be before anything reads it."""
    return data is not None and len(data) <= MAX_PHOTO_BYTES and data.startswith(_PHOTO_MAGIC)


@dataclass(frozen=True)
class Importer:
    """Who imports: the audit's actor, and the regions whose records they may create and change
    (None: every region: the provincial administrator and the command line, which imports the
    business system's export for the whole province)."""

    actor: str
    actor_name: str
    regions: tuple[str, ...] | None = None

    def may_write(self, region: str) -> bool:
        return self.regions is None or region in self.regions


COMMAND_LINE = Importer("make-import", labels.COMMAND_LINE_IMPORTER)
OUT_OF_SCOPE = ROW_OUT_OF_SCOPE
REGION_MOVE = ROW_MOVES_REGION


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
    # Pairs of two ID numbers with the same face that involve this import's photos (issue 22;
    # logic.duplicate_faces); None when the check could not run (the nightly job runs it).
    duplicate_faces: int | None = 0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "written": self.written,
            "unchanged": self.unchanged,
            "errors": [vars(error) for error in self.errors],
            "duplicate_faces": self.duplicate_faces,
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
        report.errors.append(RowError(1, ",".join(missing), COLUMNS_MISSING.format(columns="、".join(missing))))
        return None
    return reader


def import_registry(svc: Services, csv_text: str, photo_root, store_photo,
                    importer: Importer = COMMAND_LINE, source: str = "",
                    photo_pool: PhotoPool | None = None) -> ImportReport:
    """``photo_root``: the directory the photo paths are relative to, a ``PhotoSource`` (a zip's),
    or None (photo cells must then be empty). ``store_photo(id_key, image_bytes) -> object key``
    puts a reference photo in the evidence store. ``source`` names the file in the audit log.
    ``photo_pool``: the photos embedded by its workers, ahead of the rows (None: each when its row
    is written); the report is the same."""
    report = ImportReport()
    photos = DirectoryPhotos(photo_root) if isinstance(photo_root, Path) else photo_root
    new_references: list[str] = []
    reader = read_csv(csv_text, COLUMNS, report)
    if reader is None:
        return report
    checked = _checked_rows(reader, photos)
    with_photos = (photo_pool.results_in_order(checked, lambda parsed: _photo_task(svc, parsed[0]))
                   if photo_pool is not None else ((parsed, None) for parsed in checked))
    for (row, errors), photo_result in with_photos:
        report.rows += 1
        if row is None:
            report.errors.extend(errors)
            continue
        try:
            written = _write_row(svc, row, store_photo, importer, source, photo_result)
        except _PhotoRejected as rejected:
            report.errors.append(RowError(row.line, rejected.column, rejected.message))
            continue
        if written:
            report.written += 1
            if row.photo:
                new_references.append(svc.vault.lookup("id", row.id_number))
        else:
            report.unchanged += 1
    report.duplicate_faces = _check_duplicate_faces(svc, new_references)
    return report


def _checked_rows(reader: csv.DictReader, photos) -> Iterator[tuple[RegistryRow | None, list[RowError]]]:
    """Each record parsed: the row, or None with its errors (an ID number of an earlier line is one)."""
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        row, errors = _parse_row(line, record, photos)
        if row and row.id_number in seen:
            errors.append(RowError(line, "id_number", ROW_ID_NUMBER_REPEATED.format(line=seen[row.id_number])))
        if row is None or errors:
            yield None, errors
            continue
        seen[row.id_number] = line
        yield row, errors


def _photo_task(svc: Services, row: RegistryRow | None) -> PhotoTask | None:
    """The photo a ``PhotoPool`` is to embed for a row: none for a row without one, or for a row
    imported before exactly so (``_write_row`` leaves that unchanged and embeds nothing)."""
    from pensioncert.logic.import_photos import PhotoTask, photo_key

    if row is None or not row.photo:
        return None
    existing = registry.get_person(svc.vault.lookup("id", row.id_number))
    if existing is not None and existing.row_fingerprint == _fingerprint(svc, row):
        return None
    return PhotoTask(photo_key(svc.vault, row.photo), row.photo)


def _check_duplicate_faces(svc: Services, id_keys: list[str]) -> int | None:
    from pensioncert.logic import duplicate_faces

    try:
        return duplicate_faces.check_new_references(svc, id_keys).pairs_found
    except Exception:  # noqa: BLE001 - the rows are written; the nightly job searches these references again
        log.exception("duplicate-face check at import failed")
        return None


def import_archive(svc: Services, data: bytes, store_photo, importer: Importer = COMMAND_LINE,
                   source: str = "", photo_pool: PhotoPool | None = None) -> ImportReport:
    """A zip holding one registry CSV and the photos its photo column names (paths relative to
    the CSV inside the zip): the same ``import_registry``, with the photos read from the zip."""
    report = ImportReport()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        report.errors.append(RowError(1, "file", ARCHIVE_UNREADABLE))
        return report
    if (len(members) > MAX_ARCHIVE_MEMBERS
            or sum(member.file_size for member in members) > MAX_ARCHIVE_BYTES):
        report.errors.append(RowError(1, "file", ARCHIVE_TOO_LARGE))
        return report
    sheets = [m for m in members if m.filename.lower().endswith(".csv") and not m.is_dir()
              and not m.filename.startswith("__MACOSX/")]
    if len(sheets) != 1 or sheets[0].file_size > MAX_CSV_BYTES:
        report.errors.append(RowError(1, "file", ARCHIVE_NEEDS_ONE_CSV))
        return report
    try:
        text = archive.read(sheets[0]).decode("utf-8-sig")
    except (UnicodeDecodeError, zipfile.BadZipFile, ValueError):
        report.errors.append(RowError(1, "file", ARCHIVE_CSV_UNREADABLE))
        return report
    photos = ArchivePhotos(archive, posixpath.dirname(sheets[0].filename))
    return import_registry(svc, text, photos, store_photo, importer, source, photo_pool)


class DirectoryPhotos:
    """Photos in a directory (the command line: beside the CSV file)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def read(self, relative: str) -> bytes:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(PHOTO_PATH_OUTSIDE)
        if not path.is_file():
            raise ValueError(PHOTO_FILE_MISSING.format(path=relative))
        if path.stat().st_size > MAX_PHOTO_BYTES:
            raise ValueError(PHOTO_NOT_AN_IMAGE)
        return path.read_bytes()


class ArchivePhotos:
    """Photos in a zip, relative to the CSV inside it; never extracted to disk."""

    def __init__(self, archive: zipfile.ZipFile, base: str) -> None:
        self.archive, self.base = archive, base

    def read(self, relative: str) -> bytes:
        name = posixpath.normpath(posixpath.join(self.base, relative.replace("\\", "/")))
        if name.startswith(("../", "/")) or name == "..":
            raise ValueError(PHOTO_PATH_OUTSIDE)
        try:
            member = self.archive.getinfo(name)
        except KeyError:
            raise ValueError(PHOTO_MISSING_IN_ARCHIVE.format(path=relative)) from None
        if member.file_size > MAX_PHOTO_BYTES:
            raise ValueError(PHOTO_NOT_AN_IMAGE)
        with self.archive.open(member) as stream:
            data = stream.read(MAX_PHOTO_BYTES + 1)  # the directory's size may lie
        if len(data) > MAX_PHOTO_BYTES:
            raise ValueError(PHOTO_NOT_AN_IMAGE)
        return data


def cell_checker(line: int, values: dict, errors: list[RowError]):
    """``check(column, parse)``: the parsed cell, or None with the cell's error (its line, its
    column, the Chinese message) added to ``errors``; every import reports a row's errors this way."""
    def check(column: str, parse):
        try:
            return parse(values[column])
        except AppError as error:
            errors.append(RowError(line, column, error.message))
        except ValueError as error:
            errors.append(RowError(line, column, str(error)))
        return None

    return check


def _parse_row(line: int, record: dict, photos):
    errors: list[RowError] = []
    values = {column: (record.get(column) or "").strip() for column in COLUMNS}
    check = cell_checker(line, values, errors)

    id_number = check("id_number", normalize.id_number)
    name = check("name", normalize.name)
    region = check("region", lambda v: _required_text(v, labels.FIELD_REGION))
    unit = check("unit", lambda v: _required_text(v, labels.FIELD_UNIT))
    status = check("status", lambda v: _one_of(v, STATUSES, labels.FIELD_STATUS))
    card_status = check("card_status", lambda v: _one_of(v, CARD_STATUSES, labels.FIELD_CARD_STATUS))
    card_password = check("card_password", lambda v: _card_password(v, values["card_status"]))
    photo = check("photo", lambda v: _photo(v, photos))
    if errors:
        return None, errors
    row = RegistryRow(line, id_number, name, region, unit, status, card_status, card_password, photo)
    return row, errors


def _required_text(value: str, label: str) -> str:
    value = normalize.nfkc(value)
    if not value or len(value) > 100:
        raise ValueError(CELL_EMPTY_OR_TOO_LONG.format(label=label, limit=100))
    return value


def _one_of(value: str, allowed: tuple[str, ...], label: str) -> str:
    if value not in allowed:
        raise ValueError(CELL_ONE_OF.format(label=label, choices=" / ".join(a or labels.EMPTY for a in allowed)))
    return value


def _card_password(value: str, card_status: str) -> str:
    value = normalize.nfkc(value)
    if card_status == "activated" and not re.fullmatch(r"\d{6}", value):
        raise ValueError(CARD_PIN_NEEDED)
    if value and not re.fullmatch(r"\d{6}", value):
        raise ValueError(CARD_PIN_INVALID)
    return value


def _photo(value: str, photos) -> bytes | None:
    if not value:
        return None
    if photos is None:
        raise ValueError(PHOTOS_NOT_UPLOADED)
    try:
        data = photos.read(value)
    except OSError:
        raise ValueError(PHOTO_FILE_UNREADABLE.format(path=value)) from None
    if not is_photo_file(data):
        raise ValueError(PHOTO_NOT_AN_IMAGE)
    return data


class _PhotoRejected(Exception):
    """A row refused when written (its photo; or an ID number the agency corrected away)."""

    def __init__(self, message: str, column: str = "photo") -> None:
        self.message = message
        self.column = column


PHOTO_REFUSALS = PHOTO_REFUSALS


def reference_template(svc: Services, photo: bytes, recorded: PhotoResult | None = None) -> list[float]:
    """The photo's face template, behind the reference quality gate; a refusal rejects the row.
    ``recorded``: the photo's result from a ``PhotoPool`` (None: vision is asked now)."""
    from pensioncert.vision_client import VisionRefusal

    if recorded is not None:
        if recorded.template is None:
            raise _photo_refused(recorded.refusal or "")
        return recorded.template
    try:
        return svc.vision.embed_reference(photo)
    except VisionRefusal as refusal:
        raise _photo_refused(refusal.code) from None


def _photo_refused(code: str) -> _PhotoRejected:
    reason = PHOTO_REFUSALS.get(code, PHOTO_FAILED_QUALITY)
    return _PhotoRejected(PHOTO_REFUSED_ROW.format(reason=reason))


def _fingerprint(svc: Services, row: RegistryRow) -> str:
    """The row as imported (its photo by digest): a record that has it is skipped as unchanged."""
    return svc.vault.lookup(
        "registry-row",
        json.dumps(
            [row.id_number, row.name, row.region, row.unit, row.status, row.card_status,
             row.card_password, hashlib.sha256(row.photo).hexdigest() if row.photo else ""],
            ensure_ascii=False,
        ),
    )


def _write_row(svc: Services, row: RegistryRow, store_photo, importer: Importer, source: str,
               photo_result: PhotoResult | None = None) -> bool:
    id_key = svc.vault.lookup("id", row.id_number)
    fingerprint = _fingerprint(svc, row)
    embedding = photo_key = None
    for _ in range(_MAX_RACES):
        existing = registry.get_person(id_key)
        card = registry.get_card(id_key)
        change = _change(svc, row, existing, card, fingerprint, importer)
        if change is None:
            return False
        if row.photo and photo_key is None:
            embedding = reference_template(svc, row.photo, photo_result)
            photo_key = store_photo(id_key, row.photo)
        if _upsert(svc, row, id_key, fingerprint, existing, card, embedding, photo_key, change,
                   importer, source):
            if existing is None:
                from pensioncert.logic import claim_recheck

                claim_recheck.on_first_import(svc, id_key, name=row.name, id_number=row.id_number,
                                              region=row.region, actor=importer.actor,
                                              actor_name=importer.actor_name)
            return True
        # The record or card changed under us: read again, and check the rules again on it.
    raise RuntimeError("the registry record kept changing during the import")


# A row whose record another writer changes between our read and our write is re-read and retried.
_MAX_RACES = 5


def _change(svc: Services, row: RegistryRow, existing, card, fingerprint: str, importer: Importer) -> dict | None:
    """What the row changes, as the audit shows it (``{"before", "after"}``), None when nothing;
    raises _PhotoRejected (a row error) when a rule refuses it. The region rule comes first, so a
    refused row tells nothing about the record."""
    if not importer.may_write(existing.region if existing is not None else row.region):
        raise _PhotoRejected(OUT_OF_SCOPE, column="region")
    if existing is not None and existing.valid_until:
        # The agency corrected this (wrong) ID number to another one: the row is refused, never
        # written over the ended record (which stays ended), so an old export cannot revive it.
        raise _PhotoRejected(
            ROW_ID_NUMBER_CORRECTED_AWAY.format(
                since=f"{existing.valid_until[:4]}-{existing.valid_until[4:6]}-{existing.valid_until[6:]}"),
            column="id_number")
    if existing is not None and existing.region != row.region:
        raise _PhotoRejected(REGION_MOVE.format(region=existing.region), column="region")
    if existing is not None and existing.row_fingerprint == fingerprint:
        return None
    before = _shown(existing, card) if existing is not None else {}
    after = {labels.FIELD_NAME: row.name, labels.FIELD_REGION: row.region, labels.FIELD_UNIT: row.unit,
             labels.FIELD_STATUS: row.status, labels.FIELD_CARD_STATUS: row.card_status or "none"}
    if row.photo:
        photo = labels.FIELD_REFERENCE_PHOTO
        after[photo] = labels.REPLACED if before.get(photo) == labels.PRESENT else labels.PRESENT
    pin_changed = False
    if not registry.pin_is_kept(card):
        had_pin = card is not None and bool(card.pin_hash)
        if row.card_password:
            pin_changed = not had_pin or not passwords.verify_secret(svc.settings, card.pin_hash,
                                                                     row.card_password)
        else:
            pin_changed = had_pin
    if pin_changed:
        after[labels.FIELD_CARD_PIN] = labels.PIN_SET if row.card_password else labels.PIN_CLEARED
    changed = {name: value for name, value in after.items() if before.get(name) != value}
    if not changed:
        return None
    return {"before": {name: before[name] for name in changed if name in before}, "after": changed}


def _shown(person, card) -> dict:
    return {labels.FIELD_NAME: person.name, labels.FIELD_REGION: person.region, labels.FIELD_UNIT: person.unit,
            labels.FIELD_STATUS: person.status,
            labels.FIELD_CARD_STATUS: card.card_status if card is not None else "none",
            labels.FIELD_REFERENCE_PHOTO: labels.PRESENT if person.photo_key or person.reference_embedding
            else labels.ABSENT}


def _upsert(svc: Services, row: RegistryRow, id_key: str, fingerprint: str, existing, card, embedding,
            photo_key, change: dict, importer: Importer, source: str) -> bool:
    """One conditional write; False when the record or card was not as read (the caller re-reads)."""
    vault = svc.vault
    # The dashboards' recipient counters move with the row: from the record as read to the row.
    corrected = existing.corrected_status if existing else None
    deltas = stats.recipient_deltas(
        stats.counted_place(existing.status, corrected, existing.region, existing.unit)
        if existing else None,
        stats.counted_place(row.status, corrected, row.region, row.unit),
    )
    keep_pin = registry.pin_is_kept(card)
    return registry.upsert_row(
        counter_deltas=deltas,
        seen_fingerprint=existing.row_fingerprint if existing else None,
        seen_region=existing.region if existing else None,
        keep_pin=keep_pin,
        reference_embedding=embedding,
        id_key=id_key,
        id_sealed=vault.seal(row.id_number),
        name=row.name,
        region=row.region,
        unit=row.unit,
        status=row.status,
        photo_key=photo_key,
        card_status=row.card_status or "none",
        pin_hash=passwords.hash_secret(svc.settings, row.card_password)
        if row.card_password and not keep_pin else None,
        fingerprint=fingerprint,
        now=svc.clock.now(),
        audit={"actor": importer.actor, "actor_name": importer.actor_name,
               "action": "import_row", "target": _target(row), "region": row.region,
               "before": change["before"] or None, "after": change["after"],
               "reason": labels.AUDIT_IMPORTED_FROM.format(source=source) if source else None},
    )


def _target(row: RegistryRow) -> str:
    return f"{row.name} {normalize.mask_id_number(row.id_number)}"
