"""Small feeds and snapshots written as the matching job reads them (pensioncert/matching/formats.py)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from pensioncert.matching.formats import CERTIFICATIONS_SCHEMA, FEED_SCHEMA, REGISTRY_SCHEMA

TODAY = date(2026, 11, 30)


def person(key: str, name: str = "李秀英", status: str = "recipient", region: str = "西安市") -> dict:
    return {"id_key": key, "name": name, "corrected_name": None, "region": region, "unit": "某单位", "status": status,
            "first_imported": date(2020, 1, 1)}


def event(key: str, event_type: str, day: str, ref: str, name: str = "李秀英", source: str = "某机构") -> dict:
    return {"id_key": key, "name": name, "event_type": event_type, "event_date": date.fromisoformat(day),
            "source": source, "source_ref": ref, "source_system": "test", "month": day[:7]}


def write_inputs(root: Path, people: list[dict], events: list[dict], certified: tuple[str, ...] = ()) -> Path:
    pq.write_table(pa.Table.from_pylist(people, REGISTRY_SCHEMA), root / "registry.parquet")
    pq.write_table(pa.Table.from_pylist([{"subject_key": key, "year": TODAY.year, "method": "app"} for key in certified],
                                        CERTIFICATIONS_SCHEMA), root / "certifications.parquet")
    schema = FEED_SCHEMA.append(pa.field("source_system", pa.string())).append(pa.field("month", pa.string()))
    ds.write_dataset(pa.Table.from_pylist(events, schema), root / "feed", format="parquet",
                     partitioning=["source_system", "month"], partitioning_flavor="hive")
    return root
