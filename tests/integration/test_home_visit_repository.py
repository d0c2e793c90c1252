"""The home-visit cases' repository contract (pensioncert/repositories/home_visits.py), run against
both stores: the in-memory one and the PynamoDB one on the emulator. Each test states one promise of
``HomeVisitRepository``; the use cases' unit tests (tests/unit/test_home_visit_use_cases.py) rely on
the in-memory store keeping exactly these."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pensioncert.repositories.home_visits import (
    QUEUE_STATUSES,
    CaseChanged,
    CaseExists,
    CaseOpen,
    HomeVisitCase,
    HomeVisitRepository,
    InMemoryHomeVisits,
    new_case_id,
)

OPENED_AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
MOVED_AT = OPENED_AT + timedelta(hours=3)
PARALLEL = 8


@pytest.fixture(params=["in_memory", "pynamodb"])
def repository(request) -> HomeVisitRepository:
    if request.param == "in_memory":
        return InMemoryHomeVisits()
    request.getfixturevalue("svc")  # the emulator, and the tables bound to it
    from pensioncert.dal.home_visits import PynamoDbHomeVisits

    return PynamoDbHomeVisits()


def new_key() -> str:
    return uuid.uuid4().hex  # the emulator's tables are shared by the session: every key is new


def case(subject_key: str | None = None, *, region: str | None = None, **fields) -> HomeVisitCase:
    subject_key = subject_key or new_key()
    return HomeVisitCase(**{
        "case_id": new_case_id(), "subject_key": subject_key, "subject_id_sealed": "sealed:" + subject_key,
        "name": "王秀英", "region": region or "region-" + new_key()[:12], "unit": "碑林区社保所",
        "source": "app", "reason": "长期卧床", "created_at": OPENED_AT, **fields})


def test_a_created_case_reads_back_whole(repository):
    full = case(address_sealed="sealed:addr", contact_phone_sealed="sealed:phone", requested_by="u_1")
    repository.create(full)
    assert repository.get(full.case_id) == full
    bare = case(source="unit_report")
    repository.create(bare)
    found = repository.get(bare.case_id)
    assert found == bare and (found.address_sealed, found.assigned_to, found.updated_at) == (None, None, None)


def test_a_missing_case_is_none(repository):
    assert repository.get(new_case_id()) is None


def test_a_case_id_taken_is_refused_and_the_first_stays(repository):
    first = case()
    repository.create(first)
    with pytest.raises(CaseExists):
        repository.create(replace(first, reason="另一个原因", name="王建国"))
    with pytest.raises(CaseExists):
        repository.create_unless_open(replace(first, reason="另一个原因"))
    assert repository.get(first.case_id) == first


def test_a_second_case_while_the_first_is_on_the_queue_is_refused_naming_it(repository):
    subject = new_key()
    first = case(subject)
    repository.create_unless_open(first)
    second = case(subject, source="review")
    with pytest.raises(CaseOpen) as refused:
        repository.create_unless_open(second)
    assert refused.value.case == first
    assert repository.get(second.case_id) is None


@pytest.mark.parametrize("status", QUEUE_STATUSES)
def test_every_queue_status_keeps_the_case_open(repository, status):
    subject = new_key()
    first = case(subject, status=status)
    repository.create_unless_open(first)
    with pytest.raises(CaseOpen):
        repository.create_unless_open(case(subject))


def test_once_the_case_is_off_the_queue_a_new_one_opens(repository):
    subject = new_key()
    first = case(subject)
    repository.create_unless_open(first)
    repository.move(first.case_id, from_statuses=("open",), to_status="done", now=MOVED_AT, outcome="confirming")
    second = case(subject)
    repository.create_unless_open(second)
    assert repository.get(second.case_id) == second
    with pytest.raises(CaseOpen) as refused:  # the new one is now the subject's latest
        repository.create_unless_open(case(subject))
    assert refused.value.case == second


def test_a_units_report_neither_blocks_nor_is_blocked(repository):
    subject = new_key()
    reported = case(subject, source="unit_report")
    repository.create(reported)
    asked = case(subject)
    repository.create_unless_open(asked)  # the unit's case is on the queue: not the subject's latest
    reported_again = case(subject, source="unit_report")
    repository.create(reported_again)
    assert [repository.get(c.case_id) for c in (reported, asked, reported_again)] == [reported, asked, reported_again]


def test_concurrent_requests_for_one_subject_open_one_case(repository):
    subject = new_key()
    candidates = [case(subject) for _ in range(PARALLEL)]

    def open_one(candidate: HomeVisitCase) -> str:
        try:
            repository.create_unless_open(candidate)
        except CaseOpen as refused:
            return refused.case.case_id
        return "opened"

    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(open_one, candidates))
    assert outcomes.count("opened") == 1
    winner = candidates[outcomes.index("opened")]
    assert set(outcomes) == {"opened", winner.case_id}  # every loser was told the winner's case
    assert [c.case_id for c in candidates if repository.get(c.case_id) is not None] == [winner.case_id]


def test_a_move_sets_the_status_the_time_and_the_changes(repository):
    opened = case()
    repository.create(opened)
    moved = repository.move(opened.case_id, from_statuses=("open", "assigned"), to_status="assigned",
                            now=MOVED_AT, assigned_to="visitor", scheduled_for=None)
    expected = replace(opened, status="assigned", updated_at=MOVED_AT, assigned_to="visitor")
    assert moved == expected and repository.get(opened.case_id) == expected


def test_a_change_to_none_clears_it(repository):
    opened = case(status="scheduled", assigned_to="visitor", scheduled_for="2026-03-05")
    repository.create(opened)
    moved = repository.move(opened.case_id, from_statuses=("scheduled",), to_status="assigned", now=MOVED_AT,
                            outcome="failed", failure_reason="家中无人", scheduled_for=None)
    assert moved == replace(opened, status="assigned", updated_at=MOVED_AT, outcome="failed",
                            failure_reason="家中无人", scheduled_for=None)
    assert repository.get(opened.case_id) == moved


def test_the_evidence_of_a_visit_reads_back(repository):
    opened = case(status="assigned", assigned_to="visitor")
    repository.create(opened)
    repository.move(opened.case_id, from_statuses=("assigned",), to_status="done", now=MOVED_AT, outcome="review",
                    failure_reason=None, evidence_key="evidence/home_visit/x.json", similarity=0.4375,
                    visited_on="2026-03-01", visited_by="visitor", visit_address_sealed="sealed:there",
                    review_id="rv_1")
    assert repository.get(opened.case_id) == replace(
        opened, status="done", updated_at=MOVED_AT, outcome="review", evidence_key="evidence/home_visit/x.json",
        similarity=0.4375, visited_on="2026-03-01", visited_by="visitor", visit_address_sealed="sealed:there",
        review_id="rv_1")


def test_a_move_from_another_status_is_refused_and_writes_nothing(repository):
    opened = case()
    repository.create(opened)
    with pytest.raises(CaseChanged):
        repository.move(opened.case_id, from_statuses=("assigned", "scheduled"), to_status="done", now=MOVED_AT,
                        outcome="confirming")
    assert repository.get(opened.case_id) == opened


def test_a_move_of_a_missing_case_is_refused_and_creates_nothing(repository):
    missing = new_case_id()
    with pytest.raises(CaseChanged):
        repository.move(missing, from_statuses=("done",), to_status="done", now=MOVED_AT, outcome="passed")
    assert repository.get(missing) is None


def test_a_move_changes_only_the_handling(repository):
    opened = case()
    repository.create(opened)
    with pytest.raises(ValueError, match="region"):
        repository.move(opened.case_id, from_statuses=("open",), to_status="assigned", now=MOVED_AT, region="x")
    assert repository.get(opened.case_id) == opened


def test_concurrent_moves_from_one_status_move_it_once(repository):
    opened = case()
    repository.create(opened)
    visitors = [f"visitor-{n}" for n in range(PARALLEL)]

    def assign(visitor: str) -> str | None:
        try:
            repository.move(opened.case_id, from_statuses=("open",), to_status="assigned", now=MOVED_AT,
                            assigned_to=visitor)
        except CaseChanged:
            return None
        return visitor

    with ThreadPoolExecutor(PARALLEL) as pool:
        winners = [visitor for visitor in pool.map(assign, visitors) if visitor is not None]
    assert len(winners) == 1
    stored = repository.get(opened.case_id)
    assert stored is not None and (stored.status, stored.assigned_to) == ("assigned", winners[0])


def test_the_queue_lists_a_status_of_a_region_oldest_first(repository):
    region, other = "region-" + new_key()[:12], "region-" + new_key()[:12]
    later = case(region=region, created_at=OPENED_AT + timedelta(minutes=5))
    earlier = case(region=region)
    assigned = case(region=region, status="assigned")
    elsewhere = case(region=other)
    for each in (later, earlier, assigned, elsewhere):
        repository.create(each)
    assert repository.with_status("open", region) == [earlier, later]
    assert repository.with_status("assigned", region) == [assigned]
    assert repository.with_status("done", region) == []
    every_region = [c.case_id for c in repository.with_status("open")]
    assert {earlier.case_id, later.case_id, elsewhere.case_id} <= set(every_region)
    assert every_region.index(earlier.case_id) < every_region.index(later.case_id)


def test_a_moved_case_leaves_its_status_in_the_queue(repository):
    region = "region-" + new_key()[:12]
    opened = case(region=region)
    repository.create(opened)
    repository.move(opened.case_id, from_statuses=("open",), to_status="assigned", now=MOVED_AT, assigned_to="v")
    assert repository.with_status("open", region) == []
    assert [c.case_id for c in repository.with_status("assigned", region)] == [opened.case_id]
