"""The confirmations' repository contract (pensioncert/repositories/confirmations.py), run against
both stores: the in-memory one and the PynamoDB one on the emulator. Each test states one promise of
``ConfirmationRepository``; the use cases' unit tests (tests/unit/test_confirmation_use_cases.py)
rely on the in-memory store keeping exactly these. The audit events a write carries are read back
from each store's own place: the in-memory store's list, the audit table (by the test's own actor)."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pensioncert.clock import iso_beijing
from pensioncert.repositories.confirmations import (
    APPROVED,
    PENDING,
    REFUSED,
    Confirmation,
    ConfirmationDecided,
    ConfirmationExists,
    ConfirmationRepository,
    InMemoryConfirmations,
)

CREATED_AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
DECIDED_AT = CREATED_AT + timedelta(hours=2)
PARALLEL = 8


@pytest.fixture(params=["in_memory", "pynamodb"])
def repository(request) -> ConfirmationRepository:
    if request.param == "in_memory":
        return InMemoryConfirmations()
    request.getfixturevalue("svc")  # the emulator, and the tables bound to it
    from pensioncert.dal.confirmations import PynamoDbConfirmations

    return PynamoDbConfirmations()


def new_key() -> str:
    return uuid.uuid4().hex  # the emulator's tables are shared by the session: every key is new


def confirmation(region: str, at: datetime = CREATED_AT, **fields) -> Confirmation:
    return Confirmation(**{"confirmation_id": "cf_" + new_key()[:16], "kind": "home_visit", "state": PENDING,
                           "region": region, "requested_by": "visitor_a", "requested_by_name": "上门经办员",
                           "detail": '{"year": 2026, "visited_on": "2026-02-28"}', "created_at": at, **fields})


def event(actor: str, action: str = "confirm_requested") -> dict:
    return {"actor": actor, "actor_name": "经办员", "action": action, "target": "cf 王**",
            "region": "西安市", "before": None, "after": {"结果": "待确认"}, "reason": None}


def audited(repository, actor: str, *days: datetime) -> list[tuple[str, str]]:
    """(action, time to the second in Beijing) of the events ``actor`` has in the store, oldest
    first; ``days`` are the times to look around (the audit table is read by day)."""
    if isinstance(repository, InMemoryConfirmations):
        return [(e["action"], iso_beijing(e["now"])) for e in repository.audit if e["actor"] == actor]
    from datetime import date

    from pensioncert.dal import audit as audit_dal

    dates = [date.fromisoformat(iso_beijing(day)[:10]) for day in days]
    found, _ = audit_dal.page(first=min(dates), last=max(dates), size=50, actor=actor)
    return [(e.action, e.at_id.split("#")[0]) for e in reversed(found)]


def decide(repository, confirmation_id: str, state: str = APPROVED, by: str = "second", **fields) -> None:
    repository.decide(confirmation_id, **{"state": state, "by": by, "by_name": f"{by}的名字", "reason": "同意",
                                          "now": DECIDED_AT, "audit": event(by, f"confirm_{state}"), **fields})


# Creating

def test_a_created_confirmation_reads_back_whole(repository):
    created = confirmation(new_key(), subject_key=new_key(), subject_id_sealed="sealed:x", name="王秀英",
                           visited_by="visitor_b")
    repository.create(created)
    assert repository.get(created.confirmation_id) == created


def test_one_without_a_person_or_a_decision_reads_back_as_none(repository):
    created = confirmation(new_key(), kind="event_feed")
    repository.create(created)
    found = repository.get(created.confirmation_id)
    assert found is not None
    assert (found.subject_key, found.subject_id_sealed, found.name, found.visited_by, found.decided_by,
            found.decided_by_name, found.decided_at, found.decision_reason) == (None,) * 8


def test_a_missing_confirmation_is_none(repository):
    assert repository.get("cf_" + new_key()) is None


def test_a_creation_writes_its_audit_event_at_its_time(repository):
    actor = new_key()
    repository.create(confirmation(new_key()), event(actor))
    assert audited(repository, actor, CREATED_AT) == [("confirm_requested", iso_beijing(CREATED_AT))]


def test_a_creation_without_an_audit_event_writes_none(repository):
    created = confirmation(new_key())
    repository.create(created, None)
    assert repository.get(created.confirmation_id) == created


def test_a_taken_id_is_refused_and_the_first_stays_unaudited_again(repository):
    first_actor, second_actor = new_key(), new_key()
    first = confirmation(new_key())
    repository.create(first, event(first_actor))
    with pytest.raises(ConfirmationExists):
        repository.create(replace(first, kind="death_record", detail="{}"), event(second_actor))
    assert repository.get(first.confirmation_id) == first
    assert audited(repository, second_actor, CREATED_AT) == []


def test_parallel_creations_of_one_id_store_one(repository):
    region = new_key()
    candidates = [confirmation(region, detail=f'{{"n": {n}}}') for n in range(PARALLEL)]
    candidates = [replace(c, confirmation_id=candidates[0].confirmation_id) for c in candidates]

    def create(candidate: Confirmation) -> bool:
        try:
            repository.create(candidate)
        except ConfirmationExists:
            return False
        return True

    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(create, candidates))
    assert outcomes.count(True) == 1
    assert repository.with_state(PENDING, region) == [candidates[outcomes.index(True)]]


# The queues

def test_a_state_lists_its_region_oldest_first(repository):
    region, other = new_key(), new_key()
    mine = [confirmation(region, CREATED_AT + timedelta(minutes=n)) for n in (5, 0, 9)]
    for each in [*mine, confirmation(other)]:
        repository.create(each)
    assert repository.with_state(PENDING, region) == sorted(mine, key=lambda c: c.created_at)
    assert repository.with_state(APPROVED, region) == []
    assert repository.with_state(PENDING, new_key()) == []


def test_without_a_region_a_state_lists_every_region_by_region_then_age(repository):
    regions = sorted([new_key(), new_key()])
    mine = [confirmation(region, CREATED_AT + timedelta(minutes=n)) for region in reversed(regions) for n in (3, 1)]
    for each in mine:
        repository.create(each)
    ids = {c.confirmation_id for c in mine}
    listed = [c for c in repository.with_state(PENDING) if c.confirmation_id in ids]
    assert listed == sorted(mine, key=lambda c: (c.region, c.created_at))


# Deciding

@pytest.mark.parametrize("state", [APPROVED, REFUSED])
def test_a_decision_is_stored_audited_and_moves_the_queue(repository, state):
    region, decider = new_key(), new_key()
    created = confirmation(region)
    repository.create(created)
    decide(repository, created.confirmation_id, state, by=decider, reason="照片背景不是登记地址")
    decided = replace(created, state=state, decided_by=decider, decided_by_name=f"{decider}的名字",
                      decided_at=DECIDED_AT, decision_reason="照片背景不是登记地址")
    assert repository.get(created.confirmation_id) == decided
    assert repository.with_state(PENDING, region) == []
    assert repository.with_state(state, region) == [decided]
    assert audited(repository, decider, DECIDED_AT) == [(f"confirm_{state}", iso_beijing(DECIDED_AT))]


def test_a_decided_confirmation_is_refused_a_second_decision_and_the_first_stands(repository):
    first, second = new_key(), new_key()
    created = confirmation(new_key())
    repository.create(created)
    decide(repository, created.confirmation_id, APPROVED, by=first)
    with pytest.raises(ConfirmationDecided):
        decide(repository, created.confirmation_id, REFUSED, by=second)
    found = repository.get(created.confirmation_id)
    assert found is not None and (found.state, found.decided_by) == (APPROVED, first)
    assert audited(repository, second, DECIDED_AT) == []


def test_deciding_a_missing_confirmation_is_refused_and_creates_nothing(repository):
    decider, missing = new_key(), "cf_" + new_key()
    with pytest.raises(ConfirmationDecided):
        decide(repository, missing, by=decider)
    assert repository.get(missing) is None
    assert audited(repository, decider, DECIDED_AT) == []


def test_parallel_decisions_one_wins(repository):
    region = new_key()
    created = confirmation(region)
    repository.create(created)
    deciders = [new_key() for _ in range(PARALLEL)]

    def attempt(n: int) -> str | None:
        try:
            decide(repository, created.confirmation_id, APPROVED if n % 2 else REFUSED, by=deciders[n])
        except ConfirmationDecided:
            return None
        return deciders[n]

    with ThreadPoolExecutor(PARALLEL) as pool:
        winners = [winner for winner in pool.map(attempt, range(PARALLEL)) if winner is not None]
    assert len(winners) == 1
    found = repository.get(created.confirmation_id)
    assert found is not None and found.decided_by == winners[0]
    assert [d for d in deciders if audited(repository, d, DECIDED_AT)] == winners
