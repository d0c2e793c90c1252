"""The liveness sessions' repository contract (pensioncert/repositories/liveness_sessions.py), run
against both stores: the in-memory one and the PynamoDB one on the emulator. Each test states one
promise of ``SessionRepository``; the use cases' unit tests (tests/unit/test_session_use_cases.py)
rely on the in-memory store keeping exactly these."""
from __future__ import annotations

import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pensioncert.repositories.liveness_sessions import (
    AttemptsExhausted,
    CapReached,
    DayTally,
    InMemorySessions,
    LivenessSession,
    SessionExists,
    SessionNotTaken,
    SessionRepository,
    YearlyAttempts,
    tally_scope,
)

OPENED_AT = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone.utc)
TAKEN_AT = OPENED_AT + timedelta(minutes=2)
EXPIRES_AT = int((OPENED_AT + timedelta(minutes=10)).timestamp())
CHALLENGES = ("blink", "turn_left", "open_mouth")
PARALLEL = 8


@pytest.fixture(params=["in_memory", "pynamodb"])
def repository(request) -> SessionRepository:
    if request.param == "in_memory":
        return InMemorySessions()
    request.getfixturevalue("svc")  # the emulator, and the tables bound to it
    from pensioncert.dal.liveness_sessions import PynamoDbSessions

    return PynamoDbSessions()


def new_key() -> str:
    return uuid.uuid4().hex  # the emulator's tables are shared by the session: every key is new


def session(**fields) -> LivenessSession:
    return LivenessSession(**{
        "session_id": secrets.token_urlsafe(18), "purpose": "certify", "user_id": "u_" + new_key()[:12],
        "subject": "self", "subject_key": new_key(), "challenges": CHALLENGES, "nonce": secrets.token_hex(16),
        "expires_at": EXPIRES_AT, **fields})


def caps(limit: int = 3) -> list[tuple[str, int]]:
    return [(f"certify-sessions-subject#{new_key()}#20260301", limit),
            (f"certify-sessions-account#{new_key()}#20260301", limit)]


def failures(repository, budget: YearlyAttempts, count: int) -> None:
    """``count`` failed attempts on the budget's item, as the certification records them."""
    if isinstance(repository, InMemorySessions):
        repository.failed_attempts[(budget.key, budget.year)] = (
            repository.failed_attempts.get((budget.key, budget.year), 0) + count)
        return
    from pensioncert.dal import certifications

    for _ in range(count):
        assert certifications.reserve_attempt(budget.key, budget.year, budget.limit)


def counts(repository, counters) -> list[int]:
    return [repository.counted(key) for key, _limit in counters]


def test_an_opened_session_reads_back_whole_and_takes_a_unit_of_each_cap(repository):
    opened = session(tally_scope=tally_scope("西安市", "20260301"), tally_expires_at=EXPIRES_AT + 86400)
    counters = caps()
    repository.open(opened, counters)
    assert repository.get(opened.session_id) == opened
    assert counts(repository, counters) == [1, 1]
    bare = session(purpose="real_name")
    repository.open(bare, [])
    assert repository.get(bare.session_id) == bare


def test_a_missing_session_is_none_and_an_unused_counter_zero(repository):
    assert repository.get(secrets.token_urlsafe(18)) is None
    assert repository.counted(caps()[0][0]) == 0


def test_a_cap_at_its_limit_refuses_naming_it_and_nothing_is_written(repository):
    counters = caps(limit=2)
    account_cap = [counters[1]]
    for _ in range(2):
        repository.open(session(), account_cap)
    refused = session()
    with pytest.raises(CapReached) as caught:
        repository.open(refused, counters)
    assert (caught.value.key, caught.value.position) == (counters[1][0], 1)
    assert repository.get(refused.session_id) is None
    assert counts(repository, counters) == [0, 2]  # the subject's cap took no unit either


def test_the_first_cap_at_its_limit_is_named(repository):
    counters = caps(limit=1)
    repository.open(session(), counters)
    with pytest.raises(CapReached) as caught:
        repository.open(session(), counters)
    assert (caught.value.key, caught.value.position) == (counters[0][0], 0)
    assert counts(repository, counters) == [1, 1]


def test_exhausted_yearly_attempts_refuse_the_open_and_nothing_is_written(repository):
    budget = YearlyAttempts(new_key(), 2026, 3)
    failures(repository, budget, 2)
    allowed = session(subject_key=budget.key)
    counters = caps()
    repository.open(allowed, counters, budget)  # two failures of three: one more may be tried
    failures(repository, budget, 1)
    refused = session(subject_key=budget.key)
    with pytest.raises(AttemptsExhausted):
        repository.open(refused, counters, budget)
    assert repository.get(refused.session_id) is None
    assert counts(repository, counters) == [1, 1]
    other_year = replace(budget, year=2027)
    repository.open(session(subject_key=budget.key), counters, other_year)  # a year of its own


def test_attempts_are_refused_before_a_cap(repository):
    budget = YearlyAttempts(new_key(), 2026, 1)
    failures(repository, budget, 1)
    counters = caps(limit=1)
    repository.open(session(), counters)
    with pytest.raises(AttemptsExhausted):
        repository.open(session(), counters, budget)


def test_an_open_sent_again_finds_its_own_session_and_counts_once(repository):
    """What botocore's resend after a lost answer does: the same session, its nonce and all."""
    opened, counters = session(), caps()
    repository.open(opened, counters)
    repository.open(opened, counters)
    assert repository.get(opened.session_id) == opened
    assert counts(repository, counters) == [1, 1]


def test_another_session_with_a_stored_id_is_refused_and_the_first_stays(repository):
    opened, counters = session(), caps()
    repository.open(opened, counters)
    with pytest.raises(SessionExists):
        repository.open(replace(opened, nonce=secrets.token_hex(16), user_id="u_other"), counters)
    assert repository.get(opened.session_id) == opened
    assert counts(repository, counters) == [1, 1]


def test_concurrent_opens_never_pass_a_cap(repository):
    counters = caps(limit=3)
    sessions = [session() for _ in range(PARALLEL)]

    def open_one(each: LivenessSession) -> bool:
        try:
            repository.open(each, counters)
        except CapReached:
            return False
        return True

    with ThreadPoolExecutor(PARALLEL) as pool:
        opened = list(pool.map(open_one, sessions))
    assert opened.count(True) == 3
    assert counts(repository, counters) == [3, 3]
    assert [repository.get(each.session_id) is not None for each in sessions] == opened


def test_a_take_marks_the_session_used_once(repository):
    opened = session()
    repository.open(opened, [])
    taken = repository.take(opened.session_id, user_id=opened.user_id, purpose="certify", now=TAKEN_AT,
                            challenges=list(CHALLENGES))
    assert taken == replace(opened, used_at=TAKEN_AT)
    assert repository.get(opened.session_id) == taken
    with pytest.raises(SessionNotTaken):
        repository.take(opened.session_id, user_id=opened.user_id, purpose="certify", now=TAKEN_AT,
                        challenges=list(CHALLENGES))


@pytest.mark.parametrize("wrong", ["user", "purpose", "expired", "order", "fewer", "missing"])
def test_a_take_that_does_not_match_is_refused_and_writes_nothing(repository, wrong):
    opened = session()
    repository.open(opened, [])
    ask = {"user_id": opened.user_id, "purpose": "certify", "now": TAKEN_AT, "challenges": list(CHALLENGES)}
    session_id = opened.session_id
    if wrong == "user":
        ask["user_id"] = "u_other"
    elif wrong == "purpose":
        ask["purpose"] = "real_name"
    elif wrong == "expired":
        ask["now"] = datetime.fromtimestamp(EXPIRES_AT, timezone.utc)
    elif wrong == "order":
        ask["challenges"] = list(reversed(CHALLENGES))
    elif wrong == "fewer":
        ask["challenges"] = list(CHALLENGES[:2])
    else:
        session_id = secrets.token_urlsafe(18)
    with pytest.raises(SessionNotTaken):
        repository.take(session_id, **ask)
    assert repository.get(opened.session_id) == opened
    if wrong == "missing":
        assert repository.get(session_id) is None


def test_a_session_is_taken_once_under_a_race(repository):
    opened = session()
    repository.open(opened, [])

    def take(n: int) -> int | None:
        try:
            repository.take(opened.session_id, user_id=opened.user_id, purpose="certify",
                            now=TAKEN_AT + timedelta(seconds=n), challenges=list(CHALLENGES))
        except SessionNotTaken:
            return None
        return n

    with ThreadPoolExecutor(PARALLEL) as pool:
        winners = [n for n in pool.map(take, range(PARALLEL)) if n is not None]
    assert len(winners) == 1
    stored = repository.get(opened.session_id)
    assert stored is not None and stored.used_at == TAKEN_AT + timedelta(seconds=winners[0])


def test_the_first_outcome_of_a_taken_session_is_kept(repository):
    opened = session()
    repository.open(opened, [])
    repository.store_outcome(opened.session_id, 200, '{"result": "passed"}')  # not taken: none kept
    assert repository.get(opened.session_id) == opened
    taken = repository.take(opened.session_id, user_id=opened.user_id, purpose="certify", now=TAKEN_AT,
                            challenges=list(CHALLENGES))
    repository.store_outcome(opened.session_id, 422, '{"error": {"code": "FACE_MISMATCH"}}')
    repository.store_outcome(opened.session_id, 200, '{"result": "passed"}')
    assert repository.get(opened.session_id) == replace(taken, outcome_status=422,
                                                        outcome_body='{"error": {"code": "FACE_MISMATCH"}}')


def test_the_day_tallies_count_openings_and_completions_per_region_and_account(repository):
    day, other_day = "20260301", "20260302"
    region, other_region = "region-" + new_key()[:12], "region-" + new_key()[:12]
    scope = {"tally_scope": tally_scope(region, day), "tally_expires_at": EXPIRES_AT + 86400}
    first, second = session(user_id="u_first", **scope), session(user_id="u_second", **scope)
    for opened in (first, first, second):
        repository.count_opened(opened)
    repository.count_completed(first)
    repository.count_opened(session(user_id="u_first", tally_scope=tally_scope(other_region, day),
                                    tally_expires_at=EXPIRES_AT))
    repository.count_opened(session(user_id="u_first", tally_scope=tally_scope(region, other_day),
                                    tally_expires_at=EXPIRES_AT))
    repository.count_opened(session(user_id="u_none"))  # no region: no tally
    assert repository.day_tallies([region], [day]) == [DayTally(day, region, "u_first", 2, 1),
                                                       DayTally(day, region, "u_second", 1, 0)]
    assert repository.day_tallies([region, other_region], [day, other_day]) == sorted([
        DayTally(day, other_region, "u_first", 1, 0), DayTally(day, region, "u_first", 2, 1),
        DayTally(day, region, "u_second", 1, 0), DayTally(other_day, region, "u_first", 1, 0)],
        key=lambda tally: (tally.day, tally.region, tally.user_id))  # by day, region and account
    everywhere = repository.day_tallies(None, [day])
    assert {DayTally(day, region, "u_first", 2, 1), DayTally(day, other_region, "u_first", 1, 0)} <= set(everywhere)
    assert all(tally.user_id != "u_none" for tally in everywhere)
