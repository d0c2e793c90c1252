"""The reviews' repository contract (pensioncert/repositories/reviews.py), run against both stores:
the in-memory one and the PynamoDB one on the emulator. Each test states one promise of
``ReviewRepository``; the use cases' unit tests (tests/unit/test_review_use_cases.py) rely on the
in-memory store keeping exactly these. The audit events a write carries are read back from each
store's own place: the in-memory store's list, the audit table (by the test's own actor)."""
from __future__ import annotations

import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from support import unique_id_number

from pensioncert.clock import iso_beijing
from pensioncert.repositories.reviews import (
    DECIDED,
    PENDING,
    InMemoryReviews,
    ReviewCase,
    ReviewDecided,
    ReviewExists,
    ReviewOpen,
    ReviewRepository,
    new_review_id,
)

OPENED_AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
DECIDED_AT = OPENED_AT + timedelta(hours=3)
PARALLEL = 8


def seal(value: str) -> str:
    return "sealed:" + value


@pytest.fixture(params=["in_memory", "pynamodb"])
def repository(request, monkeypatch) -> ReviewRepository:
    if request.param == "in_memory":
        return InMemoryReviews()
    svc = request.getfixturevalue("svc")  # the emulator, and the tables bound to it
    # The session's tables are shared: a province-wide queue (tests/admin) opens every review's
    # sealed ID number, so these are sealed as the stage seals them.
    monkeypatch.setattr(sys.modules[__name__], "seal", svc.vault.seal)
    from pensioncert.dal.reviews import PynamoDbReviews

    return PynamoDbReviews()


def new_key() -> str:
    return uuid.uuid4().hex  # the emulator's tables are shared by the session: every key is new


def review(subject_key: str | None = None, *, region: str | None = None, **fields) -> ReviewCase:
    subject_key = subject_key or new_key()
    return ReviewCase(**{
        "review_id": new_review_id(), "kind": "app", "subject_key": subject_key,
        "subject_id_sealed": seal(unique_id_number(1940)), "name": "王秀英", "region": region or "region-" + new_key()[:12],
        "unit": "碑林区社保所", "year": 2026, "requested_by": "u_1", "created_at": OPENED_AT,
        "due_by": "2026-03-06T17:30:15+08:00", **fields})


def event(actor: str, action: str = "review_request") -> dict:
    return {"actor": actor, "actor_name": "本人", "action": action, "target": "rv 王**", "region": "西安市",
            "before": None, "after": {"原因": "FACE_MISMATCH"}, "reason": None}


def audited(repository, actor: str, *moments: datetime) -> list[tuple[str, str]]:
    """(action, time to the second in Beijing) of the events ``actor`` has in the store, oldest
    first; ``moments`` are the times to look around (the audit table is read by day)."""
    if isinstance(repository, InMemoryReviews):
        return [(e["action"], iso_beijing(e["now"])) for e in repository.audit if e["actor"] == actor]
    from pensioncert.dal import audit as audit_dal

    dates = [date.fromisoformat(iso_beijing(moment)[:10]) for moment in moments]
    found, _ = audit_dal.page(first=min(dates), last=max(dates), size=50, actor=actor)
    return [(e.action, e.at_id.split("#")[0]) for e in reversed(found)]


def decide(repository, review_id: str, outcome: str = "refused", by: str = "reviewer", **fields) -> None:
    repository.decide(review_id, **{"outcome": outcome, "by": by, "by_name": f"{by}的名字", "reason": "照片不是本人",
                                    "now": DECIDED_AT, **fields})


# Opening

def test_an_opened_review_reads_back_whole(repository):
    full = review(kind="home_visit", requested_by="staff:op", case_id="hv_1", evidence_key="evidence/home_visit/x.json",
                  failure_code="FACE_MISMATCH", failure_detail="FACE_MISMATCH:0.31", similarity=0.3125,
                  review_band=True, reference="registry_photo", visited_on="2026-02-28",
                  visit_address_sealed=seal("西安市新城区测试路1号"), visited_by="op")
    repository.create_unless_open(full)
    assert repository.get(full.review_id) == full
    bare = review(session_id="ses_1")
    repository.create_unless_open(bare)
    found = repository.get(bare.review_id)
    assert found == bare and found.state == PENDING
    assert (found.similarity, found.review_band, found.outcome, found.decided_at, found.certification_id) == (None,) * 5


def test_a_missing_review_is_none(repository):
    assert repository.get(new_review_id()) is None
    assert repository.latest_for(new_key()) is None


def test_an_opened_review_is_its_subjects_latest(repository):
    opened = review()
    repository.create_unless_open(opened)
    assert repository.latest_for(opened.subject_key) == opened


def test_an_opening_writes_its_audit_event_at_its_time(repository):
    actor, unaudited = new_key(), new_key()
    repository.create_unless_open(review(), event(actor))
    repository.create_unless_open(review())  # none given, none written
    assert audited(repository, actor, OPENED_AT) == [("review_request", iso_beijing(OPENED_AT))]
    assert audited(repository, unaudited, OPENED_AT) == []


def test_a_second_review_while_the_first_is_pending_is_refused_naming_it(repository):
    subject, actor = new_key(), new_key()
    first = review(subject)
    repository.create_unless_open(first)
    second = review(subject, kind="overseas")
    with pytest.raises(ReviewOpen) as refused:
        repository.create_unless_open(second, event(actor))
    assert refused.value.review == first
    assert repository.get(second.review_id) is None and repository.latest_for(subject) == first
    assert audited(repository, actor, OPENED_AT) == []  # nothing written


def test_once_the_review_is_decided_a_new_one_opens(repository):
    subject = new_key()
    first = review(subject)
    repository.create_unless_open(first)
    decide(repository, first.review_id)
    second = review(subject, year=2027)
    repository.create_unless_open(second)
    assert repository.get(second.review_id) == second and repository.latest_for(subject) == second
    with pytest.raises(ReviewOpen) as refused:  # the new one is now the subject's latest
        repository.create_unless_open(review(subject))
    assert refused.value.review == second


def test_a_review_id_taken_is_refused_and_the_first_stays(repository):
    first = review()
    repository.create_unless_open(first)
    decide(repository, first.review_id)
    decided = repository.get(first.review_id)
    actor = new_key()
    again = replace(first, subject_key=new_key(), name="王建国")  # another subject, none open: only the id is taken
    with pytest.raises(ReviewExists):
        repository.create_unless_open(again, event(actor))
    assert repository.get(first.review_id) == decided
    assert repository.latest_for(again.subject_key) is None  # nothing written with it
    assert audited(repository, actor, OPENED_AT) == []


def test_concurrent_openings_for_one_subject_open_one_review(repository):
    subject = new_key()
    candidates = [review(subject) for _ in range(PARALLEL)]

    def open_one(candidate: ReviewCase) -> str:
        try:
            repository.create_unless_open(candidate)
        except ReviewOpen as refused:
            return refused.review.review_id
        return "opened"

    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(open_one, candidates))
    assert outcomes.count("opened") == 1
    winner = candidates[outcomes.index("opened")]
    assert set(outcomes) == {"opened", winner.review_id}  # every loser was told the winner's review
    assert [c.review_id for c in candidates if repository.get(c.review_id) is not None] == [winner.review_id]
    assert repository.latest_for(subject) == winner


# Deciding

@pytest.mark.parametrize("outcome", ["passed", "refused"])
def test_a_decision_is_stored_audited_and_moves_the_queue(repository, outcome):
    region, decider = "region-" + new_key()[:12], new_key()
    opened = review(region=region)
    repository.create_unless_open(opened)
    decide(repository, opened.review_id, outcome, by=decider, audit=event(decider, "review_decide"))
    expected = replace(opened, state=DECIDED, outcome=outcome, decided_by=decider, decided_by_name=f"{decider}的名字",
                       decided_at=DECIDED_AT, decision_reason="照片不是本人")
    assert repository.get(opened.review_id) == expected
    assert repository.latest_for(opened.subject_key) == expected
    assert audited(repository, decider, DECIDED_AT) == [("review_decide", iso_beijing(DECIDED_AT))]
    assert repository.with_state(PENDING, region) == []
    assert repository.with_state(DECIDED, region) == [expected]


def test_a_decided_review_is_not_decided_again_and_nothing_is_written(repository):
    opened = review()
    repository.create_unless_open(opened)
    first, second = new_key(), new_key()
    decide(repository, opened.review_id, "refused", by=first)
    with pytest.raises(ReviewDecided):
        decide(repository, opened.review_id, "passed", by=second, audit=event(second, "review_decide"))
    found = repository.get(opened.review_id)
    assert found is not None and (found.outcome, found.decided_by) == ("refused", first)
    assert audited(repository, second, DECIDED_AT) == []


def test_deciding_a_missing_review_is_refused_and_creates_nothing(repository):
    decider, missing = new_key(), new_review_id()
    with pytest.raises(ReviewDecided):
        decide(repository, missing, by=decider, audit=event(decider, "review_decide"))
    assert repository.get(missing) is None
    assert audited(repository, decider, DECIDED_AT) == []


def test_concurrent_decisions_one_wins(repository):
    opened = review()
    repository.create_unless_open(opened)
    deciders = [new_key() for _ in range(PARALLEL)]

    def attempt(n: int) -> str | None:
        try:
            decide(repository, opened.review_id, "passed" if n % 2 else "refused", by=deciders[n],
                   audit=event(deciders[n], "review_decide"))
        except ReviewDecided:
            return None
        return deciders[n]

    with ThreadPoolExecutor(PARALLEL) as pool:
        winners = [winner for winner in pool.map(attempt, range(PARALLEL)) if winner is not None]
    assert len(winners) == 1
    found = repository.get(opened.review_id)
    assert found is not None and found.state == DECIDED and found.decided_by == winners[0]
    assert [d for d in deciders if audited(repository, d, DECIDED_AT)] == winners


# What the decision led to

def test_a_decisions_certification_and_home_visit_are_linked(repository):
    opened = review()
    repository.create_unless_open(opened)
    decide(repository, opened.review_id, "passed")
    decided = repository.get(opened.review_id)
    assert decided is not None
    repository.link(opened.review_id, certification_id="cert_1")
    assert repository.get(opened.review_id) == replace(decided, certification_id="cert_1")
    repository.link(opened.review_id, home_visit_case_id="hv_1")  # the certification stays
    assert repository.get(opened.review_id) == replace(decided, certification_id="cert_1", home_visit_case_id="hv_1")
    repository.link(opened.review_id)  # nothing given, nothing changed
    assert repository.get(opened.review_id) == replace(decided, certification_id="cert_1", home_visit_case_id="hv_1")


# The queue

def test_the_queue_lists_a_state_of_a_region_oldest_first(repository):
    region, other = "region-" + new_key()[:12], "region-" + new_key()[:12]
    later = review(region=region, created_at=OPENED_AT + timedelta(minutes=5))
    earlier = review(region=region)
    decided = review(region=region)
    elsewhere = review(region=other)
    for each in (later, earlier, decided, elsewhere):
        repository.create_unless_open(each)
    decide(repository, decided.review_id)
    assert repository.with_state(PENDING, region) == [earlier, later]
    assert [r.review_id for r in repository.with_state(DECIDED, region)] == [decided.review_id]
    every_region = [r.review_id for r in repository.with_state(PENDING)]
    assert {earlier.review_id, later.review_id, elsewhere.review_id} <= set(every_region)
    assert every_region.index(earlier.review_id) < every_region.index(later.review_id)
