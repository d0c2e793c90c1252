"""The scheduled jobs' "who" on the matching engine (pensioncert/matching/scheduled.py): reminders
go to recipients uncertified this year; a suspension is due for a recipient without last year's
certification who was in the registry before its due date."""
from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
from matching_support import TODAY, person, write_inputs

from pensioncert.matching import scheduled
from pensioncert.matching.engines import JobInputs, run_duckdb_steps


def who(tmp_path, people, certified_by_year) -> dict:
    root = write_inputs(tmp_path, people, [])
    table = pq.read_table(root / "certifications.parquet").from_pylist(
        [{"subject_key": key, "year": year, "method": "app"} for year, keys in certified_by_year.items() for key in keys],
        pq.read_schema(root / "certifications.parquet"))
    pq.write_table(table, root / "certifications.parquet")
    run_duckdb_steps(JobInputs(root / "feed", root), root / "jobs",
                     scheduled.steps(TODAY.year, TODAY.year - 1, date(TODAY.year, 1, 1)), scheduled.OUTPUT_VIEWS,
                     with_feed=False)
    return {name: sorted(row["id_key"] for row in pq.read_table(root / "jobs" / f"{name}.parquet").to_pylist())
            for name in ("reminders_due", "suspensions_due")}


def test_reminders_and_suspensions_go_to_the_recipients_who_owe_a_certification(tmp_path):
    new = person("new") | {"first_imported": date(TODAY.year, 3, 1)}
    people = [person("done"), person("owes_both"), person("dead", status="deceased"), new]
    found = who(tmp_path, people, {TODAY.year: ["done"], TODAY.year - 1: ["done"]})
    assert found == {"reminders_due": ["new", "owes_both"], "suspensions_due": ["owes_both"]}
