"""The matching job's rules (pensioncert/matching/job.py) on DuckDB, one rule per test, on feeds
small enough to read: the same rules as rules/life_events.py applies row by row."""
from __future__ import annotations

import pyarrow.parquet as pq
from matching_support import TODAY, event, person, write_inputs

from pensioncert.matching.engines import JobInputs, run_duckdb
from pensioncert.matching.job import MatchParams

PARAMS = MatchParams(TODAY.year, TODAY)


def decide(tmp_path, people, events, certified=(), params=PARAMS):
    root = write_inputs(tmp_path, people, events, certified)
    run_duckdb(JobInputs(root / "feed", root), root / "out", params)
    return {name: pq.read_table(root / "out" / f"{name}.parquet").to_pylist()
            for name in ("decisions", "evidence", "rejects")}


def kinds(decisions) -> list[tuple[str, str]]:
    return sorted((d["subject_key"], d["decision"]) for d in decisions)


def test_rides_certify_only_in_two_different_months(tmp_path):
    out = decide(tmp_path, [person("a"), person("b")], [
        event("a", "transit_ride", "2026-03-01", "r1"), event("a", "transit_ride", "2026-03-20", "r2"),
        event("b", "transit_ride", "2026-03-01", "r3"), event("b", "transit_ride", "2026-04-02", "r4")])
    assert kinds(out["decisions"]) == [("b", "certify")]


def test_a_certification_lists_every_counting_event_and_a_delivered_twice_row_once(tmp_path):
    out = decide(tmp_path, [person("a")], [
        event("a", "medical_settlement", "2026-02-14", "m1"), event("a", "medical_settlement", "2026-02-14", "m1"),
        event("a", "transit_ride", "2026-05-01", "t1"), event("a", "bank_counter", "2025-12-30", "b0")])
    assert [(e["event_type"], e["source_ref"]) for e in out["evidence"]] == [
        ("medical_settlement", "m1"), ("transit_ride", "t1")]


def test_nobody_already_certified_deceased_or_not_a_recipient_is_certified(tmp_path):
    people = [person("done"), person("alive"), person("gone", status="not_recipient"), person("late")]
    events = [event(key, "bank_counter", "2026-06-01", f"b-{key}") for key in ("done", "alive", "gone", "late")]
    events.append(event("late", "death_record", "2026-05-01", "d-late"))
    out = decide(tmp_path, people, events, certified=("done",))
    assert kinds(out["decisions"]) == [("alive", "certify"), ("late", "deceased")]


def test_stops_and_flags(tmp_path):
    people = [person("p"), person("x"), person("y")]
    out = decide(tmp_path, people, [
        event("p", "imprisonment", "2026-04-01", "i1"),
        event("x", "exit_abroad", "2026-03-01", "e1"),
        event("y", "exit_abroad", "2026-03-01", "e2"), event("y", "return_home", "2026-03-09", "h2")])
    assert kinds(out["decisions"]) == [("p", "suspended"), ("x", "overseas_review"), ("y", "certify"),
                                       ("y", "returned")]


def test_bad_rows_are_refused_with_their_reason(tmp_path):
    out = decide(tmp_path, [person("a")], [
        event("a", "picnic", "2026-03-01", "1"), event("a", "bank_counter", "2026-12-24", "2"),
        event("nobody", "bank_counter", "2026-03-01", "3"), event("a", "bank_counter", "2026-03-01", "4", name="李秀芳"),
        event("a", "bank_counter", "2026-03-01", "")])
    assert sorted((r["source_ref"], r["reason"]) for r in out["rejects"]) == [
        ("", "no_reference"), ("1", "unknown_type"), ("2", "bad_date"), ("3", "not_in_registry"), ("4", "name_mismatch")]


def test_an_operator_decides_only_for_their_region(tmp_path):
    out = decide(tmp_path, [person("a"), person("b", region="宝鸡市")],
                 [event("a", "bank_counter", "2026-03-01", "1"), event("b", "bank_counter", "2026-03-01", "2")],
                 params=MatchParams(TODAY.year, TODAY, regions=("西安市",)))
    assert (kinds(out["decisions"]), [r["reason"] for r in out["rejects"]]) == ([("a", "certify")], ["out_of_scope"])
