"""The deployed write-back of one chunk (the state machine's distributed map invokes it once per
item of the plan's ``chunks.json``; infra/matching_site.py). It runs on the API function's code
(``deployment.zip``), so it reads the JSON chunk (write_back.py) with boto3 and applies it with
effects.py: no pyarrow, no numpy.

The ledger is the local one's, in S3: ``<run>/written/NNNNNN.json`` is put once every decision of
the chunk is stored, and a chunk whose ledger object exists is skipped. A chunk cut short (a
timeout, a throttled call the map retries) is redone whole; every effect is conditional.

Event: ``{"bucket": ..., "run": "<decisions prefix>", "chunk": 12}`` (the map's item selector);
the certification year is the plan's (``<run>/plan.json``, written by the Glue job).
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pensioncert.matching import effects

if TYPE_CHECKING:
    from pensioncert.services import Services

# The same names as write_back.CHUNKS / LEDGER / PLAN (that module loads pyarrow; a test holds them equal).
CHUNKS = "chunks"
LEDGER = "written"
PLAN = "plan.json"


def chunk_key(run: str, chunk: int) -> str:
    return f"{run.rstrip('/')}/{CHUNKS}/{chunk:06d}.json"


def ledger_key(run: str, chunk: int) -> str:
    return f"{run.rstrip('/')}/{LEDGER}/{chunk:06d}.json"


def write_back_chunk(svc: Services, s3: Any, bucket: str, run: str, chunk: int, year: int) -> dict:
    """``{"chunk", "skipped", "outcomes"}``; ``s3``: a boto3 S3 client."""
    done = ledger_key(run, chunk)
    # Listed, not fetched: without a listing right on the bucket S3 answers a missing key 403, and
    # the role may list only the ledger's keys (infra/matching_site.py).
    if s3.list_objects_v2(Bucket=bucket, Prefix=done, MaxKeys=1).get("KeyCount"):
        recorded = json.loads(s3.get_object(Bucket=bucket, Key=done)["Body"].read())
        return {"chunk": chunk, "skipped": True, "outcomes": recorded}
    content = json.loads(s3.get_object(Bucket=bucket, Key=chunk_key(run, chunk))["Body"].read())
    outcomes = effects.apply_decisions(svc, content["decisions"], effects.evidence_by_subject(content["evidence"]),
                                       year)
    s3.put_object(Bucket=bucket, Key=done, Body=json.dumps(dict(outcomes), ensure_ascii=False).encode(),
                  ContentType="application/json")
    return {"chunk": chunk, "skipped": False, "outcomes": dict(outcomes)}


def planned_year(s3: Any, bucket: str, run: str) -> int:
    return int(json.loads(s3.get_object(Bucket=bucket, Key=f"{run.rstrip('/')}/{PLAN}")["Body"].read())["year"])


def handle(event, _context) -> dict:
    from pensioncert.services import services

    svc = services()
    s3 = svc.client("s3")
    bucket, run = event["bucket"], event["run"]
    return write_back_chunk(svc, s3, bucket, run, int(event["chunk"]), planned_year(s3, bucket, run))
