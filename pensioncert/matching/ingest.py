"""A system's delivered CSV (the import's columns: ``id_number,name,event_type,event_date,source,
source_ref``) into the feed store: the ID number replaced by the registry's keyed hash, the rows
written as Parquet under ``source_system=<system>/month=<YYYY-MM>/``. Nothing is judged here:
the matching job refuses what is wrong (a date that does not parse is kept as none and refused
there as ``bad_date``), so one place decides what a row means.

    python -m pensioncert.matching.ingest events.csv FEED_FOLDER --system medical_insurance
"""
from __future__ import annotations

import argparse
import csv
import sys
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from pensioncert import normalize
from pensioncert.matching.formats import FEED_SCHEMA

if TYPE_CHECKING:
    from pensioncert.services import Services

ROWS_PER_FILE = 1_000_000


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def _key(svc: Services, id_number: str) -> str:
    try:
        return svc.vault.lookup("id", normalize.id_number(id_number))
    except ValueError:  # not an ID number: a key no registry item has
        return "invalid:" + svc.vault.lookup("id", id_number)


def ingest(svc: Services, stream, feed: Path, system: str) -> int:
    """Rows written (every data row of the CSV); files named uniquely, so a second delivery of
    the same month adds a file beside the first (the job counts a row delivered twice once)."""
    reader = csv.DictReader(stream)
    reader.fieldnames = [name.lstrip("\ufeff").strip() for name in (reader.fieldnames or [])]
    by_month: dict[str, list[dict]] = {}
    rows = 0
    for record in reader:
        values = {column: normalize.nfkc(record.get(column) or "") for column in
                  ("id_number", "name", "event_type", "event_date", "source", "source_ref")}
        day = _day(values["event_date"])
        by_month.setdefault(day.strftime("%Y-%m") if day else "unknown", []).append({
            "id_key": _key(svc, values["id_number"]), "name": values["name"], "event_type": values["event_type"],
            "event_date": day, "source": values["source"], "source_ref": values["source_ref"]})
        rows += 1
    for month, records in by_month.items():
        folder = feed / f"source_system={system}" / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        for start in range(0, len(records), ROWS_PER_FILE):
            pq.write_table(pa.Table.from_pylist(records[start:start + ROWS_PER_FILE], FEED_SCHEMA),
                           folder / f"delivery-{uuid.uuid4().hex}.parquet")
    return rows


def main(argv: list[str]) -> int:
    from pensioncert.services import services
    from pensioncert.settings import adopt_running_stack

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("feed", type=Path)
    parser.add_argument("--system", required=True, help="the delivering system: medical_insurance, transit, ...")
    args = parser.parse_args(argv)
    adopt_running_stack()
    with args.csv.open(encoding="utf-8-sig", newline="") as stream:
        print(ingest(services(), stream, args.feed, args.system))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
