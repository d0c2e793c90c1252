"""Only decisions go to DynamoDB: the job's decisions written back in chunks by parallel workers
(a process pool locally; a Step Functions distributed map over the chunk files deployed), each
chunk recorded as done in a ledger file once all its decisions are stored, so a run cut short is
run again and skips what is done.

Nothing happens twice: a chunk cut short is redone whole, and every effect is conditional.
A certification is stored under the once-per-year key (``record_certification`` →
``store_once``): the conditional write decides, so a certification that landed first (the
retiree's own by the app, or this chunk's before the cut) wins and the decision counts
``already_certified``. Stops, flags and returns go through ``data_match.apply_event``, the same
idempotent effects (status change with its audit event, list entries) as the row-by-row import.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow.parquet as pq

from pensioncert.matching import formats

if TYPE_CHECKING:
    from pensioncert.services import Services

CHUNK_DECISIONS = 1000
PLAN = "plan.json"
CHUNKS = "chunks"
LEDGER = "written"
ACTOR = {"actor": "data_match_job", "actor_name": "数据比对"}
# What each non-certifying decision replays through data_match.apply_event.
EVENT_OF = {formats.DECEASED: "death_record", formats.SUSPENDED: "imprisonment",
            formats.OVERSEAS_REVIEW: "exit_abroad", formats.RETURNED: "return_home"}


@dataclass
class WriteBackReport:
    chunks: int = 0
    skipped_chunks: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"chunks": self.chunks, "skipped_chunks": self.skipped_chunks,
                "outcomes": dict(sorted(self.outcomes.items()))}


def plan(out: Path, year: int, chunk_decisions: int = CHUNK_DECISIONS) -> int:
    """Split the decisions (and the evidence of each certification) into chunk files, once: a run
    after a crash finds the plan and reuses it. Returns the number of chunks."""
    plan_file = out / PLAN
    if plan_file.exists():
        return int(json.loads(plan_file.read_text())["chunks"])
    decisions = pq.read_table(out / formats.DECISIONS).sort_by([("subject_key", "ascending"), ("decision", "ascending")])
    evidence = pq.read_table(out / formats.EVIDENCE).sort_by(
        [("subject_key", "ascending"), ("event_date", "ascending"), ("event_type", "ascending"),
         ("source_ref", "ascending")])
    evidence_keys = np.asarray(evidence["subject_key"].to_numpy(zero_copy_only=False))
    folder = out / CHUNKS
    folder.mkdir(parents=True, exist_ok=True)
    count = (decisions.num_rows + chunk_decisions - 1) // chunk_decisions
    for index in range(count):
        part = decisions.slice(index * chunk_decisions, chunk_decisions)
        first, last = part["subject_key"][0].as_py(), part["subject_key"][-1].as_py()
        start = np.searchsorted(evidence_keys, first, side="left")
        stop = np.searchsorted(evidence_keys, last, side="right")
        pq.write_table(part, folder / f"{index:06d}.parquet")
        pq.write_table(evidence.slice(int(start), int(stop - start)), folder / f"{index:06d}.evidence.parquet")
    _write_atomically(plan_file, {"chunks": count, "year": year, "decisions": decisions.num_rows})
    return count


def write_back(out: Path, *, workers: int = 2, crash_after: int | None = None) -> WriteBackReport:
    """Apply every chunk not yet in the ledger. ``crash_after``: the tests' stand-in for a killed
    process (a worker exits at once, without clean-up, right after storing its ``crash_after``-th
    certification or a later one that is not the last of its chunk, so a certification is always
    stored without its chunk's ledger entry)."""
    year = int(json.loads((out / PLAN).read_text())["year"])
    count = int(json.loads((out / PLAN).read_text())["chunks"])
    ledger = out / LEDGER
    ledger.mkdir(exist_ok=True)
    report = WriteBackReport(chunks=count)
    pending = []
    for index in range(count):
        done = ledger / f"{index:06d}.json"
        if done.exists():
            report.skipped_chunks += 1
            report.outcomes.update(json.loads(done.read_text()))
        else:
            pending.append(index)
    if not pending:
        return report
    if workers <= 1:
        _init_worker()
        results = [_apply_chunk(out, index, year, crash_after) for index in pending]
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_init_worker) as pool:
            results = list(pool.map(_apply_chunk, [out] * len(pending), pending, [year] * len(pending),
                                    [crash_after] * len(pending)))
    for outcomes in results:
        report.outcomes.update(outcomes)
    return report


_worker_services: Services | None = None
_certified_in_process = 0


def _init_worker() -> None:
    global _worker_services
    from pensioncert.services import services

    _worker_services = services()


def _apply_chunk(out: Path, index: int, year: int, crash_after: int | None) -> dict:
    global _certified_in_process
    assert _worker_services is not None
    svc = _worker_services
    decisions = pq.read_table(out / CHUNKS / f"{index:06d}.parquet").to_pylist()
    evidence: dict[str, list[dict]] = {}
    for row in pq.read_table(out / CHUNKS / f"{index:06d}.evidence.parquet").to_pylist():
        evidence.setdefault(row["subject_key"], []).append(
            {"date": row["event_date"].isoformat(), "source": row["source"], "event_type": row["event_type"]})
    outcomes: Counter = Counter()
    for position, decision in enumerate(decisions):
        outcome = apply_decision(svc, decision, evidence.get(decision["subject_key"], []), year)
        outcomes[f"{decision['decision']}:{outcome}"] += 1
        if decision["decision"] == formats.CERTIFY:
            _certified_in_process += 1
            if crash_after is not None and _certified_in_process >= crash_after and position < len(decisions) - 1:
                os._exit(137)  # as a kill -9 would: no ledger entry, nothing flushed
    _write_atomically(out / LEDGER / f"{index:06d}.json", dict(outcomes))
    return dict(outcomes)


def apply_decision(svc: Services, decision: dict, evidence: list[dict], year: int) -> str:
    """One decision's effect; the outcome as the row-by-row import names it (the report counts
    them by decision: ``certify:certified``, ``certify:already_certified``, ``suspended:suspended``)."""
    from pensioncert.dal import registry
    from pensioncert.errors import AppError
    from pensioncert.logic import data_match
    from pensioncert.logic.certification import record_certification

    key = decision["subject_key"]
    if decision["decision"] == formats.CERTIFY:
        try:
            record_certification(svc, key, year, "data_match", operator=data_match.OPERATOR,
                                 region=decision["region"], unit=decision["unit"],
                                 evidence=json.dumps(evidence, ensure_ascii=False))
        except AppError:
            return "already_certified"
        return "certified"
    person = registry.get_person(key)
    if person is None:
        return "not_in_registry"
    day: date = decision["event_date"]
    return data_match.apply_event(svc, person, EVENT_OF[decision["decision"]], day, decision["source"], ACTOR)


def _write_atomically(path: Path, content: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(content, ensure_ascii=False))
    os.replace(temporary, path)
