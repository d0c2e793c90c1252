"""The files of the matching job: what a feed, a registry snapshot and the decisions hold.

- Feed: ``<feed>/source_system=<system>/month=<YYYY-MM>/*.parquet`` (hive-partitioned by the
  delivering system and the event's month), one row per delivered event. The ID number is already
  the registry's keyed hash (``id_key``): the step that turns a system's file into Parquet keys it,
  so no raw ID number lies in the feed store.
- Registry snapshot: ``registry.parquet`` (the current registry items, status as effective on the
  snapshot's day, the day each first came into the registry) and ``certifications.parquet`` (who is certified, by year, and whether a
  write-back stored the certification without moving its dashboard counters yet). Deployed: made from
  DynamoDB's export to S3; locally: dumped from the emulator (``snapshot.py``).
- Decisions (the job's output): ``decisions.parquet`` (one row per person and decision),
  ``evidence.parquet`` (the events each certification lists) and ``rejects.parquet`` (rows refused,
  with the reason).
"""
from __future__ import annotations

import pyarrow as pa

# The kinds the job emits, defined beside what each does when written back (effects.py, which the
# write-back Lambda loads without pyarrow); read here as formats.CERTIFY, ...
from pensioncert.matching.effects import (  # noqa: F401
    CERTIFY,
    COUNT_PENDING,
    DECEASED,
    DECISION_KINDS,
    OVERSEAS_REVIEW,
    RETURNED,
    SUSPENDED,
)

FEED_SCHEMA = pa.schema([
    ("id_key", pa.string()), ("name", pa.string()), ("event_type", pa.string()),
    ("event_date", pa.date32()), ("source", pa.string()), ("source_ref", pa.string())])
FEED_PARTITIONS = ("source_system", "month")
REGISTRY_SCHEMA = pa.schema([
    ("id_key", pa.string()), ("name", pa.string()), ("corrected_name", pa.string()), ("region", pa.string()),
    ("unit", pa.string()), ("status", pa.string()), ("first_imported", pa.date32())])
CERTIFICATIONS_SCHEMA = pa.schema([("subject_key", pa.string()), ("year", pa.int32()), ("method", pa.string()),
                                   ("counters_pending", pa.bool_())])


DECISIONS = "decisions.parquet"
EVIDENCE = "evidence.parquet"
REJECTS = "rejects.parquet"
OUTPUTS = (DECISIONS, EVIDENCE, REJECTS)
# The columns each output is compared on (and sorted by) row for row between engines.
OUTPUT_ORDER = {
    DECISIONS: ("subject_key", "decision", "event_date", "event_type", "source", "region", "unit"),
    EVIDENCE: ("subject_key", "event_date", "event_type", "source", "source_ref"),
    REJECTS: ("reason", "source_system", "month", "source_ref", "id_key"),
}
