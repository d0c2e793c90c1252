"""The registry side of the matching job as files (formats.py): every current registry item with
its status as effective on ``today`` (rules.certification.effective_facts), and the year's
certifications. Locally dumped from the emulator's tables; deployed, the same two files are made
from DynamoDB's export to S3 by the state machine's first step (infra/matching_site.py)."""
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
    people = []
    for item in snapshots.registry_items():
        if not is_current(item, day):
            continue
        facts = effective_facts(item.name, item.status, item.corrected_name, item.corrected_status,
                                item.correction_effective, day)
        people.append({"id_key": item.id_key, "name": item.name, "corrected_name": item.corrected_name,
                       "region": item.region, "unit": item.unit, "status": facts.status,
                       "first_imported": _beijing_day(item.first_imported_at or item.imported_at)})
    pq.write_table(pa.Table.from_pylist(people, REGISTRY_SCHEMA), folder / "registry.parquet")
    certified = [{"subject_key": c.subject_key, "year": int(c.year), "method": c.method}
                 for c in snapshots.certifications_of_year(year)]
    pq.write_table(pa.Table.from_pylist(certified, CERTIFICATIONS_SCHEMA), folder / "certifications.parquet")
    return len(people), len(certified)


def _beijing_day(moment) -> date | None:
    return moment.astimezone(BEIJING).date() if moment else None
