"""Only decisions go to DynamoDB (issue 22): a generated feed matched by DuckDB against a snapshot
dumped from the emulator, written back by two worker processes; a write-back killed half way and
run again stores each decision exactly once, and an app certification that landed first wins."""
from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import count

import pyarrow.parquet as pq
import pytest

from bench.feed_generator import generate
from pensioncert.dal import certifications, life_events
from pensioncert.logic.certification import record_certification
from pensioncert.logic.registry_import import import_registry
from pensioncert.matching import formats, snapshot, write_back
from pensioncert.matching.engines import JobInputs, run_duckdb
from pensioncert.matching.job import MatchParams

TODAY = date(2026, 11, 30)
_seeds = count(101)


@pytest.fixture
def matched(svc, tmp_path):
    """A registry of 80 generated people in the emulator, their feed matched against its dump."""
    generated = tmp_path / "generated"
    generate(generated, 80, 400, year=TODAY.year, today=TODAY, seed=next(_seeds), id_numbers=True,
             key_of=lambda number: svc.vault.lookup("id", number))
    assert import_registry(svc, (generated / "registry.csv").read_text(encoding="utf-8"), None, None).errors == []
    snapshot.dump(tmp_path / "snapshot", year=TODAY.year, today=TODAY)
    out = tmp_path / "decisions"
    run_duckdb(JobInputs(generated / "feed", tmp_path / "snapshot"), out, MatchParams(TODAY.year, TODAY))
    return out


def decided(out, kind: str) -> list[str]:
    return [row["subject_key"] for row in pq.read_table(out / formats.DECISIONS).to_pylist() if row["decision"] == kind]


def test_a_write_back_killed_half_way_and_run_again_stores_each_decision_once(matched):
    chunks = write_back.plan(matched, TODAY.year, chunk_decisions=3)
    with pytest.raises(Exception, match="terminated abruptly"):
        write_back.write_back(matched, workers=2, crash_after=4)
    ledgered = {entry.stem for entry in (matched / write_back.LEDGER).glob("*.json")}
    assert 0 < len(ledgered) < chunks
    unledgered_certify = [row["subject_key"] for chunk in sorted((matched / write_back.CHUNKS).glob("*[0-9].parquet"))
                          if chunk.stem not in ledgered
                          for row in pq.read_table(chunk).to_pylist() if row["decision"] == formats.CERTIFY]
    stored_without_ledger = [key for key in unledgered_certify if certifications.for_year(key, TODAY.year)]
    assert stored_without_ledger

    report = write_back.write_back(matched, workers=2)
    to_certify = decided(matched, formats.CERTIFY)
    assert report.skipped_chunks == len(ledgered)
    # Certifications the killed run stored before its ledger entry are found, not stored again.
    assert report.outcomes["certify:certified"] + report.outcomes["certify:already_certified"] == len(to_certify)
    assert report.outcomes["certify:already_certified"] == len(stored_without_ledger)
    assert all(certifications.for_year(key, TODAY.year).method == "data_match" for key in to_certify)


def test_suspension_list_entries_are_written_once_however_often_the_write_back_runs(matched):
    write_back.plan(matched, TODAY.year, chunk_decisions=5)
    write_back.write_back(matched, workers=1)
    for entry in (matched / write_back.LEDGER).glob("*.json"):
        entry.unlink()  # as if every chunk had been cut short before its ledger entry
    write_back.write_back(matched, workers=1)
    suspended = decided(matched, formats.SUSPENDED)
    assert suspended
    listed = Counter(item.subject_key for region in ("西安市", "宝鸡市", "咸阳市", "渭南市", "延安市", "汉中市", "榆林市",
                                                     "安康市", "商洛市")
                     for item in life_events.whole_list("imprisoned", region))
    assert {key: listed[key] for key in suspended} == dict.fromkeys(suspended, 1)


def test_an_app_certification_that_landed_first_wins(svc, matched):
    first = decided(matched, formats.CERTIFY)[0]
    app = record_certification(svc, first, TODAY.year, "agency", "窗口", "西安市", "某单位")
    write_back.plan(matched, TODAY.year)
    report = write_back.write_back(matched, workers=1)
    assert report.outcomes["certify:already_certified"] == 1
    assert certifications.for_year(first, TODAY.year).certification_id == app.certification_id
