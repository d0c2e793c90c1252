"""The registry side of the matching job as files (formats.py): every current registry item with
its status as effective on ``today`` (rules.certification.effective_facts), and the year's
certifications. Locally dumped from the emulator's tables; deployed, the same two files are made
from DynamoDB's export to S3 (the state machine's first step, infra/matching_site.py) by the Glue
job (glue_job.py), which reads each exported item into the same table class and keeps the same
row (``registry_row``, ``certification_row``)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pensioncert.clock import BEIJING
from pensioncert.dal import snapshots
from pensioncert.matching.formats import CERTIFICATIONS_SCHEMA, REGISTRY_SCHEMA
from pensioncert.rules.certification import effective_facts, is_current


def dump(folder: Path, *, year: int, today: date) -> tuple[int, int]:
    """Writes registry.parquet and certifications.parquet into ``folder``: (people, certifications)."""
    folder.mkdir(parents=True, exist_ok=True)
    day = today.strftime("%Y%m%d")
    people = [row for item in snapshots.registry_items() if (row := registry_row(item, day))]
    pq.write_table(pa.Table.from_pylist(people, REGISTRY_SCHEMA), folder / "registry.parquet")
    certified = [certification_row(c) for c in snapshots.certifications_of_year(year)]
    pq.write_table(pa.Table.from_pylist(certified, CERTIFICATIONS_SCHEMA), folder / "certifications.parquet")
    return len(people), len(certified)


def registry_row(item, day: str) -> dict | None:
    """A registry item (``RegistryPersonTable``) as the snapshot's row on ``day`` (YYYYMMDD), or
    None when the item is not current that day (an ID-number correction's old or future item)."""
    if not is_current(item, day):
        return None
    facts = effective_facts(item.name, item.status, item.corrected_name, item.corrected_status,
                            item.correction_effective, day)
    return {"id_key": item.id_key, "name": item.name, "corrected_name": item.corrected_name,
            "region": item.region, "unit": item.unit, "status": facts.status,
            "first_imported": _beijing_day(item.first_imported_at or item.imported_at)}


def certification_row(item) -> dict:
    return {"subject_key": item.subject_key, "year": int(item.year), "method": item.method,
            "counters_pending": bool(item.counters_pending)}


def _beijing_day(moment) -> date | None:
    return moment.astimezone(BEIJING).date() if moment else None
