"""The deployed write-back of one chunk (pensioncert/matching/handler.py), without AWS: a chunk as
write_back.plan(as_json=True) writes it, read from a stand-in S3; the ledger object makes a second
invocation skip the chunk; the module loads without pyarrow or numpy (the API function's zip)."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import REPO

from pensioncert.matching import effects, formats, handler, write_back


class FakeS3:
    def __init__(self, objects: dict[str, bytes]):
        self.objects = dict(objects)

    def list_objects_v2(self, Bucket, Prefix, MaxKeys):  # boto3 parameter names
        keys = sorted(key for key in self.objects if key.startswith(Prefix))[:MaxKeys]
        return {"KeyCount": len(keys), **({"Contents": [{"Key": key} for key in keys]} if keys else {})}

    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(self.objects[Key])}

    def put_object(self, Bucket, Key, Body, ContentType):
        self.objects[Key] = Body


def decision(key: str, kind: str, day: date | None) -> dict:
    return {"subject_key": key, "decision": kind, "event_date": day, "event_type": None if day is None else "death_record",
            "source": None if day is None else "民政局", "region": "西安市", "unit": "某单位"}


@pytest.fixture
def planned(tmp_path):
    """Three decisions and one certification's evidence, planned as the deployed job plans them."""
    decisions = [decision("k1", formats.CERTIFY, None), decision("k2", formats.DECEASED, date(2026, 3, 2)),
                 decision("k3", formats.CERTIFY, None)]
    evidence = [{"subject_key": "k1", "event_date": date(2026, 3, 14), "event_type": "medical_settlement",
                 "source": "西安市第一医院", "source_ref": "r1"}]
    pq.write_table(pa.Table.from_pylist(decisions), tmp_path / formats.DECISIONS)
    pq.write_table(pa.Table.from_pylist(evidence), tmp_path / formats.EVIDENCE)
    assert write_back.plan(tmp_path, 2026, chunk_decisions=2, as_json=True) == 2
    return tmp_path


def test_a_chunk_is_applied_once_and_its_ledger_then_skips_it(planned, monkeypatch):
    objects = {f"runs/r1/chunks/{path.name}": path.read_bytes() for path in (planned / "chunks").glob("*.json")}
    objects["runs/r1/plan.json"] = (planned / write_back.PLAN).read_bytes()
    s3 = FakeS3(objects)
    assert handler.planned_year(s3, "feeds", "runs/r1/") == 2026
    applied = []

    def apply(svc, decisions, evidence, year, after_each=None):
        applied.append((decisions, evidence, year))
        return Counter(f"{d['decision']}:done" for d in decisions)

    monkeypatch.setattr(effects, "apply_decisions", apply)
    first = handler.write_back_chunk(None, s3, "feeds", "runs/r1", 0, 2026)
    assert first == {"chunk": 0, "skipped": False, "outcomes": {"certify:done": 1, "deceased:done": 1}}
    (decisions, evidence, year), = applied
    assert year == 2026 and [d["subject_key"] for d in decisions] == ["k1", "k2"]
    assert decisions[1]["event_date"] == "2026-03-02"  # ISO text: effects.apply_decision reads it back
    assert evidence == {"k1": [{"date": "2026-03-14", "source": "西安市第一医院", "event_type": "medical_settlement"}]}
    assert json.loads(s3.objects["runs/r1/written/000000.json"]) == first["outcomes"]

    again = handler.write_back_chunk(None, s3, "feeds", "runs/r1", 0, 2026)
    assert again == {"chunk": 0, "skipped": True, "outcomes": first["outcomes"]} and len(applied) == 1


def test_the_plan_lists_every_chunk_for_the_distributed_map(planned):
    assert json.loads((planned / write_back.MANIFEST).read_text()) == [{"chunk": 0}, {"chunk": 1}]
    assert json.loads((planned / write_back.PLAN).read_text())["chunks"] == 2
    assert (handler.CHUNKS, handler.LEDGER, handler.PLAN) == (write_back.CHUNKS, write_back.LEDGER, write_back.PLAN)


def test_the_write_back_handler_loads_without_pyarrow_or_numpy():
    code = ("import sys; sys.modules['numpy'] = None; sys.modules['pyarrow'] = None\n"
            "from pensioncert.matching.handler import handle\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
