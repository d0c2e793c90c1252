"""Importing a life-event feed (UTF-8 CSV with a header row:
``id_number,name,event_type,event_date,source,source_ref``): one code path for the admin upload and
`make import-events FILE=events.csv`.

- Streaming: the CSV is read row by row from a text stream; rows go to DynamoDB in batches of
  ``BATCH_ROWS`` (one BatchGetItem for their registry records, transactions of conditional puts
  of ``TRANSACTION_ROWS`` rows with their audit events per region, one BatchGetItem of this year's
  certifications), so memory does not grow with the file; only the first ``MAX_REPORTED_ERRORS``
  errors are kept (all are counted).
- Effects in batches too (``_BatchEffects``): each row's effect is what it would be were the rows
  imported one at a time, with one query of a person's events per batch instead of two reads per
  row; only the decisions are written (a certification, a status change, a list entry), each by
  its own conditional write.
- Every row is checked in full and refused with its line number; the others go on.
- Idempotent: an event's key is the keyed hash of ``(source, source_ref)``; a row already stored
  is counted ``unchanged``, and its effect applied again (each effect is conditional, so nothing
  changes twice, and an effect an interrupted import missed is made).
- Region rules of the importer (``logic.registry_import.Importer``): an operator only for persons
  whose stored region is theirs; the row is refused before anything of the person is told.
- Audited: each transaction of events holds one audit event per region with their line numbers
  (per-row audit events would double the writes of a million-row monthly file).
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
from pensioncert.logic import data_match, eligibility
from pensioncert.logic.registry_import import COMMAND_LINE, OUT_OF_SCOPE, Importer, RowError, cell_checker
from pensioncert.rules.certification import ALREADY_CERTIFIED, DATA_MATCH_COUNTED, certification_year
from pensioncert.rules.life_events import EVENT_TYPES, LABELS, PROOF, STOPS, Event

if TYPE_CHECKING:
    from pensioncert.dal.tables import RegistryPersonTable
    from pensioncert.services import Services

COLUMNS = ("id_number", "name", "event_type", "event_date", "source", "source_ref")
# A batch: the rows read, looked up and decided together (one query of a person's events per
# batch), written TRANSACTION_ROWS at a time: 50 rows + at most 50 audit events (one per region)
# fill DynamoDB's 100 items per transaction. bench/event_import_bench.py measured 25-, 50- and
# 500-row batches against the emulator (docs/data_matching.md).
BATCH_ROWS = 500
TRANSACTION_ROWS = 50
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


def import_events(svc: Services, stream, importer: Importer = COMMAND_LINE, file: str = "", *,
                  batch_rows: int = BATCH_ROWS) -> EventImportReport:
    """``stream``: a text stream of the CSV (an open file, ``io.TextIOWrapper`` over an upload).
    ``batch_rows``: 1 imports row by row (the tests compare it with batches; the bench measures it)."""
    if batch_rows < 1:
        raise ValueError("batch_rows: at least 1")
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
        if len(batch) >= batch_rows:
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
        if event_id in in_batch:  # the same event twice in a batch: stored once, the second unchanged
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
    new: list[bool] = []
    for start in range(0, len(items), TRANSACTION_ROWS):
        new += dal.put_new(items[start:start + TRANSACTION_ROWS],
                           _audits(accepted[start:start + TRANSACTION_ROWS], importer, file), now)
    effects = _BatchEffects(svc, items, new, {"actor": importer.actor, "actor_name": importer.actor_name})
    for position, (is_new, (row, person)) in enumerate(zip(new, accepted)):
        if is_new:
            report.written += 1
        else:
            # Already stored: its effect is applied again, which changes nothing when it was
            # applied before (every effect is conditional) and finishes one that was interrupted.
            report.unchanged += 1
        outcome = effects.apply(position, row, person)
        if is_new:
            report.outcomes[outcome] = report.outcomes.get(outcome, 0) + 1


def _audits(accepted: list[tuple[EventRow, RegistryPersonTable]], importer: Importer, file: str) -> list[dict]:
    """One audit event per region of a transaction's rows, with their line numbers."""
    lines_by_region: dict[str, list[int]] = {}
    for row, person in accepted:
        lines_by_region.setdefault(person.region, []).append(row.line)
    return [{"actor": importer.actor, "actor_name": importer.actor_name, "action": "import_events",
             "target": file or labels.EVENT_FEED_FILE, "region": region,
             "after": {labels.AUDIT_LINES: f"{lines[0]}-{lines[-1]}", labels.AUDIT_LINE_COUNT: len(lines)}}
            for region, lines in lines_by_region.items()]


class _BatchEffects:
    """The effects of one batch's rows (``items``, stored; ``new``: which were new), each as it would
    be were the rows imported one at a time, from what the batch reads once: this year's
    certifications of its people (one BatchGetItem; most rows of a month's feed are about people
    already certified) and each person's stored events (one query, at the person's first row that
    needs them). A row's events are those stored before the batch and the batch's new ones up to
    that row, so a certification lists the events it would have listed row by row. The batch's own
    events come from memory, not from the subject index, which DynamoDB updates eventually: a query
    just after the write may not see them yet."""

    def __init__(self, svc: Services, items: list[LifeEventTable], new: list[bool], actor: dict) -> None:
        self.svc, self.actor = svc, actor
        self.certified = dal.certified_keys(list({item.subject_key for item in items}),
                                            certification_year(svc.clock.now()))
        self.new_ids = {item.event_id for item, is_new in zip(items, new) if is_new}
        self.new_events: dict[str, list[tuple[int, Event]]] = {}
        for position, (item, is_new) in enumerate(zip(items, new)):
            if is_new:
                self.new_events.setdefault(item.subject_key, []).append((position, _event(item)))
        self.stored_before: dict[str, list[Event]] = {}
        self.refreshed: dict[str, RegistryPersonTable] = {}

    def apply(self, position: int, row: EventRow, person: RegistryPersonTable) -> str:
        key = person.id_key
        person = self.refreshed.get(key, person)
        certified = key in self.certified
        if row.event_type in PROOF and row.event_type != "return_home" and eligibility.may_certify_person(
                self.svc, key, person, DATA_MATCH_COUNTED, certified=certified).reason == ALREADY_CERTIFIED:
            return "already_certified"
        events = self._events_until(key, position) if row.event_type in PROOF and not certified else None
        outcome = data_match.apply_event(self.svc, person, row.event_type, row.event_date, row.source, self.actor,
                                         events=events, certified=certified)
        if outcome in ("certified", "already_certified"):
            self.certified.add(key)
        if row.event_type in STOPS:  # the status may have changed: the person's later rows see it
            self.refreshed[key] = dal.people([key]).get(key, person)
        return outcome

    def _events_until(self, key: str, position: int) -> list[Event]:
        if key not in self.stored_before:
            self.stored_before[key] = [_event(item) for item in dal.events_of(key) if item.event_id not in self.new_ids]
        return self.stored_before[key] + [event for at, event in self.new_events.get(key, []) if at <= position]


def _event(item: LifeEventTable) -> Event:
    return Event(item.event_type, date.fromisoformat(item.event_date), item.source)


def label(event_type: str) -> str:
    return LABELS.get(event_type, event_type)
