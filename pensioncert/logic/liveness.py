"""What certification and real-name binding share: sessions with random challenges, the steps
the app sends checked against them, the evidence kept in S3, and vision's refusals in Chinese."""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pensioncert.alongside import alongside
from pensioncert.clock import BEIJING, iso_beijing
from pensioncert.dal import evidence, limits
from pensioncert.errors import (
    LIVENESS_ACTION_MESSAGES,
    POOR_QUALITY_ADVICE,
    SESSION_ID_MALFORMED,
    STEPS_OUT_OF_ORDER,
    TRY_NOT_COUNTED,
    AppError,
    ErrorCode,
)
from pensioncert.observability import logger
from pensioncert.repositories.liveness_sessions import (
    AttemptsExhausted,
    CapReached,
    LivenessSession,
    SessionNotTaken,
    YearlyAttempts,
    tally_scope,
)
from pensioncert.rules import attempts, fraud_signals, session_caps
from pensioncert.rules.certification import certification_year, pick_challenges
from pensioncert.vision_client import CONTRACT_CODES, VisionRefusal

if TYPE_CHECKING:
    from pensioncert.services import Services

DAY_SECONDS = 24 * 3600



def open_session(svc: Services, *, purpose: str, user_id: str, subject: str, subject_key: str,
                 budget: str | None = None, region: str | None = None) -> dict:
    """Open a session, unless the attempts it would use are exhausted (no session then).

    Certification: the operator's yearly failed attempts for the subject (``budget``, an attempts
    item: the subject's own by default), checked in the session's own transaction.
    Real-name binding: the account's rolling window of failed completions.
    ``region``: the person's in the registry; the opening (and later the completion) is counted in
    that region's day tally for the fraud signal of sessions left unfinished (none without a region).
    """
    now = svc.clock.now()
    expires_at = now + timedelta(seconds=svc.settings.liveness_session_ttl_seconds)
    scope, tally_expires_at = _tally_of(region, now)
    session = LivenessSession(
        session_id=secrets.token_urlsafe(18),
        purpose=purpose,
        user_id=user_id,
        subject=subject,
        subject_key=subject_key,
        challenges=tuple(pick_challenges(svc.settings.liveness_min_challenges)),
        nonce=secrets.token_hex(16),
        expires_at=int(expires_at.timestamp()),
        tally_scope=scope,
        tally_expires_at=tally_expires_at,
    )
    caps = session_caps.caps(purpose, subject_key=subject_key, user_id=user_id, now=now,
                             per_subject=svc.settings.liveness_sessions_per_subject_per_day,
                             per_account=svc.settings.liveness_sessions_per_account_per_day)
    yearly = None
    if purpose == "certify":
        yearly = YearlyAttempts(budget or subject_key, certification_year(now),
                                svc.settings.yearly_failed_attempts_limit)
    elif limits.left(binding_window(svc), user_id, int(now.timestamp())) == 0:
        raise attempts_exhausted()
    # One transaction: the session, a unit of each daily cap and the yearly attempts' check; a
    # refused open takes nothing.
    try:
        svc.sessions.open(session, [(cap.key, cap.limit) for cap in caps], yearly)
    except AttemptsExhausted:
        raise attempts_exhausted() from None
    except CapReached:
        raise session_limit(now) from None
    _tally(session, svc.sessions.count_opened)
    return {"session_id": session.session_id, "challenges": list(session.challenges),
            "expires_at": iso_beijing(expires_at)}


def _tally_of(region: str | None, now: datetime) -> tuple[str | None, int | None]:
    """The day tally a session opened at ``now`` counts in, and when it expires: kept until the
    fraud signal's window no longer reaches its day."""
    if not region:
        return None, None
    local = now.astimezone(BEIJING)
    day_start = datetime(local.year, local.month, local.day, tzinfo=BEIJING)
    expires = day_start + timedelta(days=fraud_signals.WINDOW_DAYS + 1)
    return tally_scope(region, session_caps.day_of(now)), int(expires.timestamp())


def attempts_exhausted() -> AppError:
    return AppError(ErrorCode.ATTEMPTS_EXHAUSTED)


def session_limit(now) -> AppError:
    """429 SESSION_LIMIT (contract v1.2) with ``retry_at``: the next Beijing midnight."""
    return AppError(ErrorCode.SESSION_LIMIT, retry_at=iso_beijing(session_caps.retry_at(now)))


def binding_window(svc: Services) -> limits.Window:
    """Real-name binding: failed completions per account per rolling 24 hours."""
    return limits.Window("real-name-failures", svc.settings.real_name_failures_per_day, DAY_SECONDS)


@contextmanager
def counted_binding_attempt(svc: Services, account):
    """Around a real-name completion's checks: the attempt takes a slot of the account's window
    before any work (429 ATTEMPTS_EXHAUSTED when none is free), a 422 failure keeps it and carries
    ``attempts_left`` for the window, anything else gives it back. v1.2: a 422 refused before the
    person was judged (rules/attempts.py) gives it back too, with ``"attempt_counted": false``."""
    window = binding_window(svc)
    taken = limits.take(window, account.user_id, int(svc.clock.now().timestamp()))
    if taken is None:
        raise attempts_exhausted()
    try:
        yield taken
    except AppError as error:
        if error.status == 422 and error.extra.setdefault("attempt_counted", True):
            error.extra["attempts_left"] = taken.left
            raise
        if error.status == 422:  # refused before the person was judged: the slot is given back
            limits.give_back(window, account.user_id, taken)
            error.extra["attempts_left"] = taken.left + 1
            raise
        limits.give_back(window, account.user_id, taken)
        raise
    except BaseException:
        limits.give_back(window, account.user_id, taken)
        raise
    limits.give_back(window, account.user_id, taken)


def complete_once(svc: Services, *, session_id: str, user_id: str, purpose: str, steps: list[dict],
                  decide: Callable[[LivenessSession], dict]) -> dict:
    """Take the session and ``decide``; the answer (result or final error) is stored on the
    session, so a retry after a lost answer gets the same body instead of 410."""
    session = take_session(svc, session_id=session_id, user_id=user_id, purpose=purpose, steps=steps)
    if session is None:
        return _stored_outcome_or_refusal(svc, session_id, user_id, purpose)
    with alongside() as start:
        start(_tally, session, svc.sessions.count_completed)
        try:
            result = decide(session)
        except AppError as error:
            if error.status < 500 and not error.extra.get("retryable"):
                svc.sessions.store_outcome(session_id, error.status,
                                                json.dumps(error.body(), ensure_ascii=False))
            raise
        svc.sessions.store_outcome(session_id, 200, json.dumps(result, ensure_ascii=False))
        return result


def _tally(session: LivenessSession, count: Callable[[LivenessSession], None]) -> None:
    """The session's opening or completion in its day tally. A tally decides nothing: one that
    cannot be written only makes the fraud signal of unfinished sessions read a little off (a
    reason to look), so the opening or completion goes on."""
    try:
        count(session)
    except Exception:  # noqa: BLE001 - any failure of the tally's write: the request must go on
        logger.exception("session not tallied", extra={"session_id": session.session_id, "count": count.__name__})


def _stored_outcome(session: LivenessSession | None, user_id: str, purpose: str) -> dict | None:
    if (session is None or session.outcome_status is None or session.user_id != user_id
            or session.purpose != purpose):
        return None
    body = json.loads(session.outcome_body or "")
    if int(session.outcome_status) == 200:
        return body
    error = dict(body["error"])
    code, message = error.pop("code"), error.pop("message")
    raise AppError(ErrorCode[code], message, **error)


def take_session(svc: Services, *, session_id: str, user_id: str, purpose: str,
                 steps: list[dict]) -> LivenessSession | None:
    """Use the session up (once: the take is conditional) when the steps answer its challenges in
    order; None when it is refused. The take comes first and the session is read only when it is
    refused (``_stored_outcome_or_refusal``): a completion costs one call, not two."""
    if not 0 < len(session_id) <= 64:  # not an id this API ever issued: a malformed request
        raise AppError(ErrorCode.BAD_REQUEST, SESSION_ID_MALFORMED, field="session_id")
    sent = [step["challenge"] for step in steps]
    try:
        return svc.sessions.take(session_id, user_id=user_id, purpose=purpose, now=svc.clock.now(), challenges=sent)
    except SessionNotTaken:
        return None


def _stored_outcome_or_refusal(svc: Services, session_id: str, user_id: str, purpose: str) -> dict:
    """After a refused take: the stored answer of a session already completed, or why not."""
    current = svc.sessions.get(session_id)
    stored = _stored_outcome(current, user_id, purpose)
    if stored is not None:
        return stored
    if (current is None or current.user_id != user_id or current.purpose != purpose
            or current.used_at is not None or current.expires_at <= int(svc.clock.now().timestamp())):
        raise AppError(ErrorCode.SESSION_EXPIRED)
    raise AppError(
        ErrorCode.BAD_REQUEST,
        STEPS_OUT_OF_ORDER.format(challenges="、".join(current.challenges)),
        field="steps",
    )


def store_evidence(svc: Services, session: LivenessSession, steps: list[dict], extra: dict | None = None) -> str:
    """One encrypted object per session under the expiring prefix; DynamoDB keeps only its key.
    Vision reads the frames from it by key (the invoke carries the key, not the frames)."""
    year = svc.clock.now().year
    key = f"{evidence.EVIDENCE_PREFIX}{session.purpose}/{year}/{session.session_id}.json"
    bundle = {"session_id": session.session_id, "nonce": session.nonce,
              "challenges": list(session.challenges), "steps": steps, **(extra or {})}
    evidence.put_json(svc.client("s3"), svc.settings.evidence_bucket, key, bundle)
    return key


def refusal_error(refusal: VisionRefusal, **extra) -> AppError:
    """Vision's refusal as the contract's error. v1.2: ``attempt_counted`` (false for a refusal
    before the person was judged, whose message then says so) and, for LIVENESS_FAILED, the
    ``challenge`` not seen (null when the session as a whole was refused) named in the message."""
    if refusal.code == "IMAGE_INVALID":  # what the edge's header check could not see (undecodable)
        return AppError(ErrorCode.IMAGE_INVALID, field="steps", **extra)
    code = ErrorCode[refusal.code] if refusal.code in CONTRACT_CODES else ErrorCode.LIVENESS_FAILED
    message = None
    if not attempts.counts(refusal.code):
        advice = POOR_QUALITY_ADVICE.get(refusal.detail) if code is ErrorCode.POOR_QUALITY else None
        message = f"{advice}。{TRY_NOT_COUNTED}" if advice else None
        extra["attempt_counted"] = False
    else:
        extra["attempt_counted"] = True
    if code is ErrorCode.LIVENESS_FAILED:
        extra["challenge"] = attempts.failed_challenge(refusal.detail)
        message = LIVENESS_ACTION_MESSAGES.get(extra["challenge"] or "")
    return AppError(code, message, **extra)
