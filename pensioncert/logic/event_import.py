"""Importing a life-event feed (UTF-8 CSV with a header row:
``id_number,name,event_type,event_date,source,source_ref``): one code path for the admin upload and
`make import-events FILE=events.csv`.

- Streaming: the CSV is read row by row from a text stream; rows go to DynamoDB in batches of
  ``BATCH_ROWS`` (one BatchGetItem for their registry records, one transaction of conditional
  puts with the batch's audit events per region), so memory does not grow with the file; only the
  first ``MAX_REPORTED_ERRORS`` errors are kept (all are counted).
- Every row is checked in full and refused with its line number; the others go on.
- Idempotent: an event's key is the keyed hash of ``(source, source_ref)``; a row already stored
  is counted ``unchanged``, and its effect applied again (each effect is conditional, so nothing
  changes twice, and an effect an interrupted import missed is made).
- Region rules of the importer (``logic.registry_import.Importer``): an operator only for persons
  whose stored region is theirs; the row is refused before anything of the person is told.
- Audited: each batch writes one audit event per region with its line numbers, in the transaction
  of its events (per-row audit events would double the writes of a million-row monthly file).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from pensioncert import labels, normalize
from pensioncert.clock import BEIJING
from pensioncert.dal import life_events as dal
from pensioncert.dal.life_tables import LifeEventTable
from pensioncert.errors import (
    CELL_EMPTY_OR_TOO_LONG,
    COLUMNS_MISSING,
    EVENT_DATE_IN_FUTURE,
    EVENT_DATE_MALFORMED,
    EVENT_TYPE_INVALID,
    ID_NUMBER_NOT_IN_REGISTRY,
    ROW_NAME_MISMATCH,
)
from pensioncert.logic import data_match
from pensioncert.logic.registry_import import COMMAND_LINE, OUT_OF_SCOPE, Importer, RowError, cell_checker
from pensioncert.rules.certification import certification_year
from pensioncert.rules.life_events import EVENT_TYPES, LABELS, PROOF

if TYPE_CHECKING:
    from pensioncert.dal.tables import RegistryPersonTable
    from pensioncert.services import Services

COLUMNS = ("id_number", "name", "event_type", "event_date", "source", "source_ref")
# 25 rows + at most 25 audit events stay below DynamoDB's 100 items per transaction; measured
# (bench/events_bench.py) no faster at 50 against the emulator, and a cancelled batch retries less.
BATCH_ROWS = 25
MAX_REPORTED_ERRORS = 1000
MAX_TEXT = 100


@dataclass
class EventImportReport:
    rows: int = 0
    written: int = 0
    unchanged: int = 0
    outcomes: dict = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    def refuse(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "written": self.written, "unchanged": self.unchanged,
                "outcomes": dict(sorted(self.outcomes.items())), "error_count": self.error_count,
                "errors": [vars(error) for error in self.errors]}


@dataclass(frozen=True)
class EventRow:
    line: int
    id_key: str
    id_number: str
    name: str
    event_type: str
    event_date: date
    source: str
    source_ref: str


def import_events(svc: Services, stream, importer: Importer = COMMAND_LINE, file: str = "") -> EventImportReport:
    """``stream``: a text stream of the CSV (an open file, ``io.TextIOWrapper`` over an upload)."""
    report = EventImportReport()
    reader = csv.DictReader(stream)
    fieldnames = [name.lstrip("\ufeff").strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = fieldnames
    missing = [column for column in COLUMNS if column not in fieldnames]
    if missing:
        report.refuse(RowError(1, ",".join(missing), COLUMNS_MISSING.format(columns="、".join(missing))))
        return report
    today = svc.clock.now().astimezone(BEIJING).date()
    batch: list[EventRow] = []
    for record in reader:
        report.rows += 1
        row = _parse(svc, reader.line_num, record, today, report)
        if row is not None:
            batch.append(row)
        if len(batch) >= BATCH_ROWS:
            _write(svc, batch, importer, file, report)
            batch = []
    if batch:
        _write(svc, batch, importer, file, report)
    report.errors.sort(key=lambda error: error.line)  # stable: a line's errors keep their order
    return report


def _parse(svc: Services, line: int, record: dict, today: date, report: EventImportReport) -> EventRow | None:
    values = {column: normalize.nfkc(record.get(column) or "") for column in COLUMNS}
    errors: list[RowError] = []
    check = cell_checker(line, values, errors)

    id_number = check("id_number", normalize.id_number)
    name = check("name", normalize.name)
    event_type = check("event_type", _event_type)
    event_date = check("event_date", lambda value: _event_date(value, today))
    source = check("source", lambda value: _text(value, labels.FIELD_SOURCE))
    source_ref = check("source_ref", lambda value: _text(value, labels.FIELD_SOURCE_REF))
    if errors:
        for error in errors:
            report.refuse(error)
        return None
    return EventRow(line, svc.vault.lookup("id", id_number), id_number, name, event_type, event_date,
                    source, source_ref)


def _event_type(value: str) -> str:
    if value not in EVENT_TYPES:
        raise ValueError(EVENT_TYPE_INVALID.format(event_types=" / ".join(EVENT_TYPES)))
    return value


def _event_date(value: str, today: date) -> date:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(EVENT_DATE_MALFORMED) from None
    if day > today:
        raise ValueError(EVENT_DATE_IN_FUTURE)
    return day


def _text(value: str, label: str) -> str:
    if not value or len(value) > MAX_TEXT:
        raise ValueError(CELL_EMPTY_OR_TOO_LONG.format(label=label, limit=MAX_TEXT))
    return value


def _write(svc: Services, batch: list[EventRow], importer: Importer, file: str, report: EventImportReport) -> None:
    people = dal.people(list({row.id_key for row in batch}))
    accepted: list[tuple[EventRow, RegistryPersonTable]] = []
    in_batch: dict[str, int] = {}
    for row in batch:
        person = people.get(row.id_key)
        if person is None or person.valid_until:
            report.refuse(RowError(row.line, "id_number", ID_NUMBER_NOT_IN_REGISTRY))
            continue
        # The region first: nothing of another region's person (not even the name) is told.
        if not importer.may_write(person.region):
            report.refuse(RowError(row.line, "id_number", OUT_OF_SCOPE))
            continue
        if row.name not in (person.name, person.corrected_name):
            report.refuse(RowError(row.line, "name", ROW_NAME_MISMATCH))
            continue
        event_id = svc.vault.lookup("life-event", json.dumps([row.source, row.source_ref], ensure_ascii=False))
        if event_id in in_batch:  # the same event twice in a batch: one transaction cannot hold both
            report.unchanged += 1
            continue
        in_batch[event_id] = len(accepted)
        accepted.append((row, person))
    if not accepted:
        return
    now = svc.clock.now()
    items = [LifeEventTable(
        event_id, subject_key=row.id_key, event_type=row.event_type, event_date=row.event_date.isoformat(),
        source=row.source, source_ref=row.source_ref, region=person.region, imported_at=now,
        imported_by=importer.actor, file=file or None) for event_id, (row, person) in
        zip(in_batch, accepted)]
    lines_by_region: dict[str, list[int]] = {}
    for row, person in accepted:
        lines_by_region.setdefault(person.region, []).append(row.line)
    audits = [{"actor": importer.actor, "actor_name": importer.actor_name, "action": "import_events",
               "target": file or labels.EVENT_FEED_FILE, "region": region,
               "after": {labels.AUDIT_LINES: f"{lines[0]}-{lines[-1]}", labels.AUDIT_LINE_COUNT: len(lines)}}
              for region, lines in lines_by_region.items()]
    new = dal.put_new(items, audits, now)
    actor = {"actor": importer.actor, "actor_name": importer.actor_name}
    # Most rows of a month's feed are about people already certified this year: one batch read
    # tells which, instead of a read per row (bench/events_bench.py).
    certified = dal.certified_keys(list({person.id_key for _, person in accepted}), certification_year(now))
    for is_new, (row, person) in zip(new, accepted):
        if is_new:
            report.written += 1
        else:
            # Already stored: its effect is applied again, which changes nothing when it was
            # applied before (every effect is conditional) and finishes one that was interrupted.
            report.unchanged += 1
        if row.event_type in PROOF and row.event_type != "return_home" and person.id_key in certified:
            outcome = "already_certified"
        else:
            outcome = data_match.apply_event(svc, person, row.event_type, row.event_date, row.source, actor)
        if is_new:
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1


def label(event_type: str) -> str:
    return LABELS.get(event_type, event_type)
