"""Only decisions go to DynamoDB: the job's decisions written back in chunks by parallel workers
(a process pool locally; a Step Functions distributed map over the chunk files deployed, one
Lambda per chunk: handler.py), each chunk recorded as done in a ledger file once all its
decisions are stored, so a run cut short is run again and skips what is done.

Nothing happens twice: a chunk cut short is redone whole, and every effect is conditional
(effects.py says what each decision does).

Chunk files: Parquet locally (``NNNNNN.parquet`` + ``NNNNNN.evidence.parquet``); JSON for the
deployed write-back (``NNNNNN.json``: ``{"decisions": [...], "evidence": [...]}``, dates as ISO
text), because the Lambda runs on the API function's code, which carries no pyarrow.
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

from pensioncert.matching import effects, formats

if TYPE_CHECKING:
    from pensioncert.services import Services

CHUNK_DECISIONS = 1000
PLAN = "plan.json"
CHUNKS = "chunks"
LEDGER = "written"
# The deployed plan's list of chunks, read by the state machine's distributed map (one item each).
MANIFEST = "chunks.json"


@dataclass
class WriteBackReport:
    chunks: int = 0
    skipped_chunks: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"chunks": self.chunks, "skipped_chunks": self.skipped_chunks,
                "outcomes": dict(sorted(self.outcomes.items()))}


def plan(out: Path, year: int, chunk_decisions: int = CHUNK_DECISIONS, *, as_json: bool = False) -> int:
    """Split the decisions (and the evidence of each certification) into chunk files, once: a run
    after a crash finds the plan and reuses it. Returns the number of chunks. ``as_json``: the
    deployed form (JSON chunks and the manifest ``chunks.json``, see above)."""
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
        part_evidence = evidence.slice(int(start), int(stop - start))
        if as_json:
            (folder / f"{index:06d}.json").write_text(json.dumps(
                {"decisions": part.to_pylist(), "evidence": part_evidence.to_pylist()},
                ensure_ascii=False, default=date.isoformat))
        else:
            pq.write_table(part, folder / f"{index:06d}.parquet")
            pq.write_table(part_evidence, folder / f"{index:06d}.evidence.parquet")
    if as_json:
        _write_atomically(out / MANIFEST, [{"chunk": index} for index in range(count)])
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
    assert _worker_services is not None
    decisions = pq.read_table(out / CHUNKS / f"{index:06d}.parquet").to_pylist()
    evidence = effects.evidence_by_subject(pq.read_table(out / CHUNKS / f"{index:06d}.evidence.parquet").to_pylist())

    def crash_when_asked(position: int, decision: dict) -> None:
        global _certified_in_process
        if decision["decision"] == formats.CERTIFY:
            _certified_in_process += 1
            if crash_after is not None and _certified_in_process >= crash_after and position < len(decisions) - 1:
                os._exit(137)  # as a kill -9 would: no ledger entry, nothing flushed

    outcomes = effects.apply_decisions(_worker_services, decisions, evidence, year, crash_when_asked)
    _write_atomically(out / LEDGER / f"{index:06d}.json", dict(outcomes))
    return dict(outcomes)


def _write_atomically(path: Path, content: dict | list) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(content, ensure_ascii=False))
    os.replace(temporary, path)
