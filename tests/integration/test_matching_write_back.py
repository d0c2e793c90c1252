"""Only decisions go to DynamoDB (issue 22): a generated feed matched by DuckDB against a snapshot
dumped from the emulator, written back by two worker processes; a write-back killed half way and
run again stores each decision exactly once, and an app certification that landed first wins.
The dashboards' counters, moved once per chunk, count each certification once across kills, reruns
and runs."""
from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import count

import pyarrow.parquet as pq
import pytest

from bench.feed_generator import generate
from pensioncert.dal import certifications, life_events, stats
from pensioncert.logic.certification import record_certification
from pensioncert.logic.registry_import import import_registry
from pensioncert.matching import formats, snapshot, write_back
from pensioncert.matching.engines import JobInputs, run_duckdb
from pensioncert.matching.job import MatchParams

TODAY = date(2026, 11, 30)
_seeds = count(101)
# The snapshot dumps whole tables: on the session's emulator it read every person the suite made.
pytestmark = pytest.mark.usefixtures("own_emulator")


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


def year_counters() -> Counter:
    return Counter(stats.read_scope(stats.year_scope(TODAY.year)))


def still_pending(keys) -> list[str]:
    return [key for key in keys if certifications.for_year(key, TODAY.year).counters_pending]


def test_the_dashboards_count_each_certification_of_a_killed_and_rerun_write_back_once(matched):
    before = year_counters()
    write_back.plan(matched, TODAY.year, chunk_decisions=3)
    with pytest.raises(Exception, match="terminated abruptly"):
        write_back.write_back(matched, workers=2, crash_after=4)
    to_certify = decided(matched, formats.CERTIFY)
    stored = [key for key in to_certify if certifications.for_year(key, TODAY.year)]
    assert still_pending(stored), "the kill left no certification uncounted: the test tests nothing"
    write_back.write_back(matched, workers=2)
    moved = year_counters() - before
    assert moved["certified"] == moved["certified#method#data_match"] == len(to_certify)
    assert still_pending(to_certify) == []
    regions = Counter(certifications.for_year(key, TODAY.year).region for key in to_certify)
    assert {region: moved[f"certified#region#{region}"] for region in regions} == dict(regions)


def test_a_new_run_counts_what_a_failed_run_left_uncounted_once(matched, tmp_path):
    """The state machine run again after a failure plans the decisions afresh in another folder:
    the certifications the failed run stored but had not counted are counted by the new run, once."""
    before = year_counters()
    again = tmp_path / "run-again"
    again.mkdir()
    for name in (formats.DECISIONS, formats.EVIDENCE):
        (again / name).write_bytes((matched / name).read_bytes())
    write_back.plan(matched, TODAY.year, chunk_decisions=4)
    with pytest.raises(Exception, match="terminated abruptly"):
        write_back.write_back(matched, workers=2, crash_after=3)  # in worker processes: the kill is theirs
    to_certify = decided(matched, formats.CERTIFY)
    assert still_pending([key for key in to_certify if certifications.for_year(key, TODAY.year)])
    write_back.plan(again, TODAY.year, chunk_decisions=7)  # other chunks than the failed run's
    report = write_back.write_back(again, workers=1)
    assert report.skipped_chunks == 0
    moved = year_counters() - before
    assert moved["certified#method#data_match"] == moved["certified"] == len(to_certify)
    assert still_pending(to_certify) == []


def test_the_next_months_run_counts_what_a_failed_run_never_run_again_left_uncounted(matched, tmp_path):
    """A run killed half way and abandoned: its stored certifications are in the next run's snapshot
    still marked, and that run (a new snapshot, the job again, its own write-back) counts each once,
    though its feed certifies none of them again."""
    before = year_counters()
    write_back.plan(matched, TODAY.year, chunk_decisions=3)
    with pytest.raises(Exception, match="terminated abruptly"):
        write_back.write_back(matched, workers=2, crash_after=4)
    left = still_pending([key for key in decided(matched, formats.CERTIFY)
                          if certifications.for_year(key, TODAY.year)])
    assert left, "the kill left no certification uncounted: the test tests nothing"

    snapshot.dump(tmp_path / "next-snapshot", year=TODAY.year, today=TODAY)
    following = tmp_path / "next-decisions"
    run_duckdb(JobInputs(tmp_path / "generated" / "feed", tmp_path / "next-snapshot"), following,
               MatchParams(TODAY.year, TODAY))
    assert not set(left) & set(decided(following, formats.CERTIFY))
    assert sorted(decided(following, formats.COUNT_PENDING)) == sorted(left)
    write_back.plan(following, TODAY.year, chunk_decisions=4)
    report = write_back.write_back(following, workers=1)
    assert report.outcomes["count_pending:pending"] == len(left)
    assert still_pending(left) == []
    moved = year_counters() - before
    stored = [key for key in decided(matched, formats.CERTIFY) if certifications.for_year(key, TODAY.year)]
    assert moved["certified"] == moved["certified#method#data_match"] == len(stored)


def test_pending_certifications_counted_twice_at_once_move_the_counters_once(svc):
    """Two counters of the same pending certifications (a chunk redone while its first try still
    runs): the one that comes second counts only what the first did not clear."""
    from support import unique_id_number

    keys = [svc.vault.lookup("id", unique_id_number(1949)) for _ in range(3)]
    stored = [certifications.store_uncounted(
        key, TODAY.year, method="data_match", certified_at="2026-11-30T10:00:00+08:00", operator="数据比对",
        region="延安市", unit="计数测试单位", evidence="[]", certification_id=f"cert_count_{index}")
        for index, key in enumerate(keys)]
    assert all(found.stored for found in stored)
    before = year_counters()
    assert certifications.count_pending([stored[0].pending]) == 1
    assert certifications.count_pending([found.pending for found in stored]) == 2
    assert certifications.count_pending([found.pending for found in stored]) == 0
    moved = year_counters() - before
    assert moved["certified#unit#延安市#计数测试单位"] == moved["certified#method#data_match"] == 3
    # Found stored again (a chunk redone after counting): not stored, nothing left to count.
    again = certifications.store_uncounted(
        keys[0], TODAY.year, method="data_match", certified_at="2026-11-30T11:00:00+08:00", operator="数据比对",
        region="延安市", unit="计数测试单位", evidence="[]", certification_id="cert_count_again")
    assert (again.stored, again.pending) == (False, None)


def test_a_chunk_too_large_for_one_transaction_is_counted_in_several(svc):
    """Certifications of many units: their counters exceed DynamoDB's 100 items a transaction."""
    from support import unique_id_number

    before = year_counters()
    pending = [certifications.store_uncounted(
        svc.vault.lookup("id", unique_id_number(1947)), TODAY.year, method="data_match",
        certified_at="2026-11-30T10:00:00+08:00", operator="数据比对", region="榆林市", unit=f"分组测试单位{index}",
        evidence="[]", certification_id=f"cert_group_{index}").pending for index in range(60)]
    assert certifications.count_pending(pending) == 60
    moved = year_counters() - before
    assert moved["certified#region#榆林市"] == 60
    assert all(moved[f"certified#unit#榆林市#分组测试单位{index}"] == 1 for index in range(60))
