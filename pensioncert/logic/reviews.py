"""Human review (人工复核) of a failed face check.

An app certification that failed (``FACE_MISMATCH``, or any failure once the yearly attempts are
used up) can be appealed by the retiree or their proxy (``POST /certify/reviews``); a manual
certification whose visit photo scored below the match threshold becomes a review instead of a
certification (``admin.manual_evidence``). Staff answer within ``review_working_days`` working
days; the decision is taken in the admin (``admin.reviews``). One open review per subject.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pensioncert import labels
from pensioncert.clock import BEIJING, iso_beijing
from pensioncert.dal import certifications, evidence, registry
from pensioncert.errors import (
    NO_SUCH_SESSION,
    NOT_YET_APPEALABLE,
    REVIEW_ALREADY_OPEN,
    REVIEW_NOT_NEEDED,
    AppError,
    ErrorCode,
)
from pensioncert.logic import eligibility
from pensioncert.logic import references as trusted_references
from pensioncert.logic.subjects import require_consent, resolve
from pensioncert.repositories.reviews import ReviewCase, ReviewOpen, new_review_id
from pensioncert.rules.certification import ALREADY_CERTIFIED, APPEAL, certification_year
from pensioncert.vision_client import VisionRefusal

if TYPE_CHECKING:
    from pensioncert.services import Services

# Failures a retiree may appeal at any time: the face was seen live but did not match the
# reference (an old or poor reference photo is the usual cause). Any other failure only once the
# year's attempts are used up, when the app has nothing else to offer but a home visit.
APPEALABLE = ("FACE_MISMATCH",)
WEEKEND = (5, 6)  # Saturday, Sunday (datetime.weekday)


def due_by(start: datetime, working_days: int) -> datetime:
    """``start`` plus ``working_days`` working days (Saturdays and Sundays skipped, Beijing time),
    at the same time of day."""
    moment = start.astimezone(BEIJING)
    left = working_days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() not in WEEKEND:
            left -= 1
    return moment


def request(svc: Services, account, *, subject: str, session_id: str) -> dict:
    """The retiree's (or the proxy's) appeal of a failed certification session of this year."""
    target = require_consent(resolve(svc.contacts, account, subject))
    now = svc.clock.now()
    year = certification_year(now)
    person = registry.get_person(target.id_key)
    if not 0 < len(session_id or "") <= 64 or person is None:
        raise AppError(ErrorCode.NOT_FOUND, NO_SUCH_SESSION, field="session_id")
    failure_code, evidence_key, scores = _failed_session(svc, account, target, person, session_id, year, now)
    # The caller's own budget for this subject (a contact's tries are their own, v1.2).
    budget = certifications.budget_key(target.id_key, None if target.is_self else account.user_id)
    exhausted = certifications.failures(budget, year) >= svc.settings.yearly_failed_attempts_limit
    if failure_code not in APPEALABLE and not exhausted:
        raise AppError(ErrorCode.NOT_FOUND, NOT_YET_APPEALABLE, field="session_id")
    if eligibility.may_certify_person(svc, target.id_key, person, APPEAL).reason == ALREADY_CERTIFIED:
        raise AppError(ErrorCode.NOT_ELIGIBLE, REVIEW_NOT_NEEDED, reason=ALREADY_CERTIFIED)
    if scores is None:
        scores = _scores(svc, person, target.name, evidence_key) if evidence_key else {}
    review = ReviewCase(
        new_review_id(), kind="app", subject_key=target.id_key,
        subject_id_sealed=person.id_sealed, name=person.name, region=person.region, unit=person.unit,
        year=year, requested_by=account.user_id, created_at=now,
        due_by=iso_beijing(due_by(now, svc.settings.review_working_days)),
        session_id=session_id, evidence_key=evidence_key, failure_code=failure_code,
        failure_detail=scores.get("detail"), similarity=scores.get("similarity"),
        review_band=scores.get("review_band"), reference=scores.get("reference"),
    )
    audit = {"actor": f"app:{account.user_id}", "actor_name": labels.BY_SELF if target.is_self else labels.BY_PROXY,
             "action": "review_request", "target": review.review_id, "region": person.region,
             "after": {labels.FIELD_REASON: failure_code, labels.AUDIT_REVIEW_DUE: review.due_by}}
    try:
        svc.reviews.create_unless_open(review, audit)
    except ReviewOpen:
        raise AppError(ErrorCode.REVIEW_PENDING) from None
    return {"review_id": review.review_id, "due_by": review.due_by}


def _failed_session(svc: Services, account, target, person, session_id: str, year: int, now):
    """(failure code, evidence key, scores or None) of the caller's failed session of this year for
    the subject, or 404. From the session item while it exists; once DynamoDB's TTL has deleted it
    (soon after it expires), from its evidence object, which names the account and the subject
    (logic/certification) and is decided again for its code."""
    session = svc.sessions.get(session_id)
    if session is not None:
        if (session.purpose != "certify" or session.user_id != account.user_id
                or session.subject_key != target.id_key or session.used_at is None
                or session.outcome_status is None or int(session.outcome_status) == 200
                or certification_year(session.used_at) != year):
            raise AppError(ErrorCode.NOT_FOUND, NO_SUCH_SESSION, field="session_id")
        code = json.loads(session.outcome_body or "")["error"]["code"]
        return code, _session_evidence(svc, session_id, session.used_at.year), None
    # The evidence of a session completed this year (its key carries the UTC year of completion).
    key = _session_evidence(svc, session_id, now.year)
    bundle = _bundle(svc, key) if key else None
    if (not key or bundle is None or bundle.get("session_id") != session_id or bundle.get("user_id") != account.user_id
            or bundle.get("subject_key") != target.id_key):
        raise AppError(ErrorCode.NOT_FOUND, NO_SUCH_SESSION, field="session_id")
    scores = _scores(svc, person, target.name, key)
    if not scores.get("code"):  # it passes: not a failed session
        raise AppError(ErrorCode.NOT_FOUND, NO_SUCH_SESSION, field="session_id")
    return scores["code"], key, scores


def open_manual(svc: Services, *, kind: str, person, requested_by: str, evidence_key: str, similarity: float | None,
                reference: str | None, detail: str | None, visited_on: str, address: str, visited_by: str,
                case_id: str | None = None, audit: dict | None = None) -> ReviewCase:
    """A manual certification's photo below the match threshold: a review for a provincial
    reviewer instead of a certification. 409 REVIEW_PENDING while the subject has one open."""
    now = svc.clock.now()
    review = ReviewCase(
        new_review_id(), kind=kind, subject_key=person.id_key,
        subject_id_sealed=person.id_sealed, name=person.name, region=person.region, unit=person.unit,
        year=certification_year(now), requested_by=requested_by, created_at=now,
        due_by=iso_beijing(due_by(now, svc.settings.review_working_days)), case_id=case_id,
        evidence_key=evidence_key, failure_code="FACE_MISMATCH", failure_detail=detail,
        similarity=similarity, reference=reference, visited_on=visited_on,
        visit_address_sealed=svc.vault.seal(address), visited_by=visited_by,
    )
    try:
        svc.reviews.create_unless_open(review, audit)
    except ReviewOpen:
        raise AppError(ErrorCode.REVIEW_PENDING, REVIEW_ALREADY_OPEN) from None
    return review


def status_field(svc: Services, subject_key: str, year: int) -> dict | None:
    """``GET /query/status``'s ``review``: the subject's latest review of this year, if any."""
    review = svc.reviews.latest_for(subject_key)
    if review is None or int(review.year) != year:
        return None
    return {"review_id": review.review_id, "state": review.state, "due_by": review.due_by,
            "outcome": review.outcome}


def _session_evidence(svc: Services, session_id: str, utc_year: int) -> str | None:
    """The session's evidence object (``liveness.store_evidence`` names it by the UTC year of its
    completion and the session id), if it is still there."""
    key = f"{evidence.EVIDENCE_PREFIX}certify/{utc_year}/{session_id}.json"
    try:
        svc.client("s3").head_object(Bucket=svc.settings.evidence_bucket, Key=key)
    except Exception:  # noqa: BLE001 - expired or never stored (a refusal before vision): no frames
        return None
    return key


def _bundle(svc: Services, key: str) -> dict | None:
    try:
        bundle = json.loads(evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket, key))
    except Exception:  # noqa: BLE001 - expired meanwhile
        return None
    return bundle if isinstance(bundle, dict) else None


def _scores(svc: Services, person, name: str, evidence_key: str) -> dict:
    """What the face check says about the stored frames, for the reviewer: the session is decided
    again from its evidence object against the same trusted reference (the answer to the app kept
    only the code). Templates only; the identity authority's score is not asked again (billed)."""
    references = trusted_references.trusted(svc, person, name, ask_authority=False)
    found: dict[str, str | float | None] = {"reference": references.source}
    if not references.templates:
        return found
    try:
        decision = svc.vision.decide_session_evidence(svc.settings.evidence_bucket, evidence_key,
                                                      references.template_lists)
    except VisionRefusal as refusal:
        found["code"] = refusal.code
        found["detail"] = f"{refusal.code}:{refusal.detail}"
        if refusal.similarity is not None:
            found["similarity"], found["review_band"] = round(refusal.similarity, 4), refusal.review_band
        return found
    found["similarity"] = round(decision["similarity"], 4)
    found["detail"] = "passed_on_review_check"
    return found
