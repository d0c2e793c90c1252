"""The liveness session use cases without AWS (pensioncert/logic/liveness.py): opening a session
under its daily caps and the yearly attempts, and its one-time completion with the answer kept, the
sessions in the in-memory repository (held to the same contract as DynamoDB's by
tests/integration/test_session_repository.py). The real-name window (dal/limits) is a stand-in set
on its module for each test."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from pensioncert.clock import BEIJING, FakeClock, iso_beijing
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import liveness
from pensioncert.pii import PiiVault
from pensioncert.repositories.liveness_sessions import InMemorySessions, LivenessSession, tally_scope
from pensioncert.rules import session_caps
from pensioncert.rules.certification import certification_year
from pensioncert.services import Services
from pensioncert.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)  # 17:00 in Beijing
REGION = "西安市"


@pytest.fixture
def svc(monkeypatch) -> Services:
    svc = Services(settings=Settings(pii_key="k" * 32, token_secret="t" * 64), vault=PiiVault("k" * 32),
                   clock=FakeClock(NOW), sessions=InMemorySessions())
    monkeypatch.setattr(liveness.limits, "left", lambda window, user_id, now: 1)
    return svc


def open_certify(svc, user_id="u_1", subject_key="key-1", **kwargs) -> dict:
    return liveness.open_session(svc, purpose="certify", user_id=user_id, subject="self",
                                 subject_key=subject_key, **kwargs)


def stored(svc, session_id) -> LivenessSession:
    session = svc.sessions.get(session_id)
    assert session is not None
    return session


def raised(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def caps_of(svc, purpose="certify", subject_key="key-1", user_id="u_1") -> list[int]:
    return [svc.sessions.counted(cap.key) for cap in session_caps.caps(
        purpose, subject_key=subject_key, user_id=user_id, now=NOW, per_subject=1, per_account=1)]


def steps(session) -> list[dict]:
    return [{"challenge": challenge, "frames": []} for challenge in session.challenges]


# Opening

def test_an_opened_session_is_stored_with_its_challenges_and_takes_a_unit_of_each_cap(svc):
    answer = open_certify(svc, region=REGION)
    session = stored(svc, answer["session_id"])
    expires = NOW + timedelta(seconds=svc.settings.liveness_session_ttl_seconds)
    assert answer == {"session_id": session.session_id, "challenges": list(session.challenges),
                      "expires_at": iso_beijing(expires)}
    assert (session.purpose, session.user_id, session.subject, session.subject_key) == (
        "certify", "u_1", "self", "key-1")
    assert len(session.challenges) >= svc.settings.liveness_min_challenges and len(session.nonce) == 32
    assert (session.expires_at, session.used_at, session.outcome_status) == (int(expires.timestamp()), None, None)
    assert session.tally_scope == tally_scope(REGION, "20260301")
    assert caps_of(svc) == [1, 1]
    tally, = svc.sessions.day_tallies([REGION], ["20260301"])
    assert (tally.user_id, tally.opened, tally.completed) == ("u_1", 1, 0)


def test_a_person_without_a_region_is_not_tallied(svc):
    session = stored(svc, open_certify(svc)["session_id"])
    assert (session.tally_scope, session.tally_expires_at) == (None, None)
    assert svc.sessions.day_tallies(None, ["20260301"]) == []


def test_the_tally_of_an_opening_expires_after_the_signals_window(svc):
    from pensioncert.rules import fraud_signals

    session = stored(svc, open_certify(svc, region=REGION)["session_id"])
    day_start = datetime(2026, 3, 1, tzinfo=BEIJING)
    assert session.tally_expires_at == int((day_start + timedelta(days=fraud_signals.WINDOW_DAYS + 1)).timestamp())


def test_the_subjects_daily_cap_refuses_a_session_until_beijing_midnight(svc):
    per_subject = svc.settings.liveness_sessions_per_subject_per_day
    for n in range(per_subject):
        open_certify(svc, user_id=f"u_{n}")
    error = raised(lambda: open_certify(svc, user_id="u_another"))
    assert (error.code, error.extra["retry_at"]) == (ErrorCode.SESSION_LIMIT, "2026-03-02T00:00:00+08:00")
    assert svc.sessions.counted(session_caps.caps("certify", subject_key="key-1", user_id="u_another", now=NOW,
                                                  per_subject=1, per_account=1)[1].key) == 0


def test_the_accounts_daily_cap_refuses_a_session(svc):
    per_account = svc.settings.liveness_sessions_per_account_per_day
    for n in range(per_account):
        open_certify(svc, subject_key=f"key-{n}")
    assert raised(lambda: open_certify(svc, subject_key="key-another")).code is ErrorCode.SESSION_LIMIT


def test_a_purpose_has_caps_of_its_own(svc, monkeypatch):
    monkeypatch.setattr(svc.settings, "liveness_sessions_per_subject_per_day", 1)
    open_certify(svc)
    liveness.open_session(svc, purpose="real_name", user_id="u_1", subject="self", subject_key="key-1")
    assert caps_of(svc, "real_name") == [1, 1]


def test_certification_with_its_yearly_attempts_used_up_opens_no_session(svc):
    limit = svc.settings.yearly_failed_attempts_limit
    svc.sessions.failed_attempts[("key-1", certification_year(NOW))] = limit
    assert raised(lambda: open_certify(svc)).code is ErrorCode.ATTEMPTS_EXHAUSTED
    assert caps_of(svc) == [0, 0]


def test_a_proxys_budget_is_its_own(svc):
    limit = svc.settings.yearly_failed_attempts_limit
    svc.sessions.failed_attempts[("key-1", certification_year(NOW))] = limit
    open_certify(svc, budget="key-1#proxy")
    svc.sessions.failed_attempts[("key-1#proxy", certification_year(NOW))] = limit
    assert raised(lambda: open_certify(svc, budget="key-1#proxy")).code is ErrorCode.ATTEMPTS_EXHAUSTED


def test_real_name_with_its_window_used_up_opens_no_session(svc, monkeypatch):
    svc.sessions.failed_attempts[("key-1", certification_year(NOW))] = 99  # not real-name's budget
    liveness.open_session(svc, purpose="real_name", user_id="u_1", subject="self", subject_key="key-1")
    monkeypatch.setattr(liveness.limits, "left", lambda window, user_id, now: 0)
    error = raised(lambda: liveness.open_session(svc, purpose="real_name", user_id="u_1", subject="self",
                                                 subject_key="key-1"))
    assert error.code is ErrorCode.ATTEMPTS_EXHAUSTED
    assert caps_of(svc, "real_name") == [1, 1]


def test_a_tally_that_cannot_be_written_does_not_refuse_the_opening(svc, monkeypatch):
    def failing(session):
        raise RuntimeError("the tally's table is unavailable")

    monkeypatch.setattr(svc.sessions, "count_opened", failing)
    answer = open_certify(svc, region=REGION)
    assert stored(svc, answer["session_id"]).tally_scope is not None


# Completing

def complete(svc, session, decide, *, sent=None, user_id="u_1", purpose="certify") -> dict:
    return liveness.complete_once(svc, session_id=session.session_id, user_id=user_id, purpose=purpose,
                                  steps=steps(session) if sent is None else sent, decide=decide)


def test_a_completion_takes_the_session_once_and_a_retry_gets_the_same_answer(svc):
    session = stored(svc, open_certify(svc, region=REGION)["session_id"])
    decided = []
    result = complete(svc, session, lambda taken: decided.append(taken) or {"result": "passed"})
    assert result == {"result": "passed"}
    assert decided[0].used_at == NOW and decided[0].nonce == session.nonce
    assert complete(svc, session, lambda taken: pytest.fail("decided twice")) == {"result": "passed"}
    kept = stored(svc, session.session_id)
    assert (kept.outcome_status, json.loads(kept.outcome_body or "")) == (200, {"result": "passed"})
    tally, = svc.sessions.day_tallies([REGION], ["20260301"])
    assert (tally.opened, tally.completed) == (1, 1)


def test_a_final_refusal_is_kept_and_answered_again(svc):
    session = stored(svc, open_certify(svc)["session_id"])

    def refuse(taken):
        raise AppError(ErrorCode.FACE_MISMATCH, attempts_left=2)

    first = raised(lambda: complete(svc, session, refuse))
    again = raised(lambda: complete(svc, session, lambda taken: pytest.fail("decided twice")))
    assert (again.code, again.extra) == (first.code, first.extra) == (ErrorCode.FACE_MISMATCH, {"attempts_left": 2})


def test_a_retryable_failure_is_not_kept_and_the_session_stays_used(svc):
    session = stored(svc, open_certify(svc)["session_id"])

    def unavailable(taken):
        raise AppError(ErrorCode.SERVICE_UNAVAILABLE)

    assert raised(lambda: complete(svc, session, unavailable)).code is ErrorCode.SERVICE_UNAVAILABLE
    assert stored(svc, session.session_id).outcome_status is None
    assert raised(lambda: complete(svc, session, lambda taken: {})).code is ErrorCode.SESSION_EXPIRED


def test_steps_out_of_order_are_refused_and_leave_the_session_unused(svc):
    session = stored(svc, open_certify(svc)["session_id"])
    error = raised(lambda: complete(svc, session, lambda taken: {}, sent=list(reversed(steps(session)))))
    assert (error.code, error.extra["field"]) == (ErrorCode.BAD_REQUEST, "steps")
    assert "、".join(session.challenges) in error.message
    assert stored(svc, session.session_id).used_at is None
    assert complete(svc, session, lambda taken: {"result": "passed"}) == {"result": "passed"}


@pytest.mark.parametrize("why", ["another account", "another purpose", "expired", "unknown"])
def test_a_session_not_this_completions_is_expired(svc, why):
    session = stored(svc, open_certify(svc)["session_id"])
    ask = {"user_id": "u_1", "purpose": "certify"}
    if why == "another account":
        ask["user_id"] = "u_2"
    elif why == "another purpose":
        ask["purpose"] = "real_name"
    elif why == "expired":
        svc.clock.advance(seconds=svc.settings.liveness_session_ttl_seconds)
    else:
        session = replace(session, session_id="not-a-session")
    error = raised(lambda: complete(svc, session, lambda taken: pytest.fail("decided"), **ask))
    assert error.code is ErrorCode.SESSION_EXPIRED


def test_a_malformed_session_id_is_a_bad_request(svc):
    for session_id in ("", "x" * 65):
        error = raised(lambda: liveness.take_session(svc, session_id=session_id,  # noqa: B023 - called here
                                                     user_id="u_1", purpose="certify", steps=[]))
        assert (error.code, error.extra["field"]) == (ErrorCode.BAD_REQUEST, "session_id")
