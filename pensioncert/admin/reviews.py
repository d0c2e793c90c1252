"""The review queue (人工复核): staff see the stored evidence beside the trusted reference, the
scores and the reasons, and decide with a reason.

Who decides: an appeal from the app (``kind`` app) any staff of the person's region, and a pass
is confirmed by a second staff member before it certifies (rules/four_eyes.py); a manual
certification whose visit photo did not match (``home_visit``, ``overseas``) only a provincial
administrator who is neither the visiting nor the recording staff (the issue's "a provincial
reviewer must confirm"). Passed: the year's certification (``agency`` for an appeal, the visit's
own method for a manual one) with the reviewer as its operator, by the once-a-year rule.
Refused: a home visit is proposed: a home-visit case is opened (or the subject's open one kept).
"""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, labels
from pensioncert.admin.principal import require_province_admin, require_region, require_staff
from pensioncert.clock import BEIJING, iso_beijing
from pensioncert.dal import evidence, registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic.certification import record_unless_certified
from pensioncert.repositories.home_visits import CaseOpen, HomeVisitCase, new_case_id
from pensioncert.repositories.reviews import PENDING, ReviewCase, ReviewDecided

if TYPE_CHECKING:
    from pensioncert.services import Services

KINDS = labels.REVIEW_KINDS
STATES = labels.REVIEW_STATES
OUTCOMES = labels.REVIEW_OUTCOMES
REFERENCES = labels.REVIEW_REFERENCES
METHOD_OF_KIND = {"app": "agency", "home_visit": "home_visit", "overseas": "overseas"}
FRAMES_PER_STEP = 3
REVIEW_NOT_FOUND = labels.REVIEW_NOT_FOUND
REVIEW_CHANGED = labels.REVIEW_CHANGED
OWN_VISIT = labels.REVIEW_OWN_VISIT
REASON_REQUIRED = labels.REVIEW_REASON_REQUIRED
MAX_TEXT = 200


def queue(svc: Services, principal, state: str = PENDING) -> list[dict]:
    """The principal's regions' reviews in ``state``, oldest first, overdue ones marked."""
    principal = require_staff(principal)
    found = [review for region in principal.query_regions for review in svc.reviews.with_state(state, region)]
    now = iso_beijing(svc.clock.now())
    return [_row(svc, review, now) for review in sorted(found, key=lambda r: r.created_at)]


def overdue_count(svc: Services, principal) -> int:
    """Pending reviews past their deadline in the principal's regions (the overview)."""
    return sum(1 for row in queue(svc, principal) if row["overdue"])


def detail(svc: Services, principal, review_id: str) -> dict:
    """A case as the reviewer sees it: evidence frames (or the visit photo), the reference photo,
    scores and reasons. Viewing is audited (it shows a face)."""
    review = _review(svc, principal, review_id)
    person = registry.get_person(review.subject_key)
    row = _row(svc, review, iso_beijing(svc.clock.now()))
    row.update({
        "evidence_images": _evidence_images(svc, review),
        "reference_image": _reference_image(svc, person, review.reference),
        "reference_label": REFERENCES.get(review.reference, review.reference or ""),
        "failure_detail": review.failure_detail or "",
        # vision marks a mismatch just below its match threshold: the likeliest genuine.
        "review_band": bool(review.review_band),
        "visit_address": svc.vault.open(review.visit_address_sealed) if review.visit_address_sealed else "",
        "decision_reason": review.decision_reason or "", "decided_by": review.decided_by_name or "",
    })
    audit.record(svc, principal, "review_view", target=_target(svc, review), region=review.region)
    return row


def decide(svc: Services, principal, review_id: str, *, passed: bool, reason: str) -> dict:
    review = _review(svc, principal, review_id)
    if review.kind != "app":
        require_province_admin(principal)
        if principal.username in (review.visited_by, (review.requested_by or "").removeprefix("staff:")):
            raise AppError(ErrorCode.FORBIDDEN, OWN_VISIT)
    text = normalize.nfkc(reason or "")
    if not text or len(text) > MAX_TEXT:
        raise AppError(ErrorCode.BAD_REQUEST, REASON_REQUIRED)
    if review.state != PENDING:
        raise AppError(ErrorCode.BAD_REQUEST, REVIEW_CHANGED)
    if passed and review.kind == "app":
        return _propose_pass(svc, principal, review, text)
    return _decide_now(svc, principal, review, passed=passed, reason=text, operator=principal.display_name)


def _propose_pass(svc: Services, principal, review: ReviewCase, reason: str) -> dict:
    """An appeal's pass certifies: a second staff member confirms it (rules/four_eyes.py); the review
    stays pending until then. One proposal per review."""
    from pensioncert.logic import confirmations
    from pensioncert.repositories import confirmations as confirmation_states
    from pensioncert.rules import four_eyes

    if any(item.kind == four_eyes.REVIEW and json.loads(item.detail)["review_id"] == review.review_id
           for item in svc.confirmations.with_state(confirmation_states.PENDING, review.region)):
        raise AppError(ErrorCode.BAD_REQUEST, PROPOSED)
    item = confirmations.request(
        svc, kind=four_eyes.REVIEW, region=review.region, requested_by=principal.username,
        requested_by_name=principal.display_name, person=registry.get_person(review.subject_key),
        detail={"review_id": review.review_id, "reason": reason},
        audit=audit.fields(principal, "confirm_requested", target=_target(svc, review), region=review.region,
                           after={labels.AUDIT_ITEM: OUTCOMES["passed"], labels.AUDIT_OPINION: reason}))
    assert item is not None  # a fresh random id
    return {"outcome": "confirming", "confirmation_id": item.confirmation_id}


PROPOSED = labels.REVIEW_PROPOSED


def decide_confirmed(svc: Services, principal, confirmation, detail: dict) -> dict:
    """A second staff member confirmed an appeal's pass: decided now, with both names."""
    review = svc.reviews.get(detail["review_id"])
    if review is None:
        raise AppError(ErrorCode.NOT_FOUND, REVIEW_NOT_FOUND)
    if review.state != PENDING:
        raise AppError(ErrorCode.BAD_REQUEST, REVIEW_CHANGED)
    return _decide_now(svc, principal, review, passed=True,
                       reason=labels.REVIEW_CONFIRMED_REASON.format(
                           reason=detail["reason"], proposer=confirmation.requested_by_name,
                           confirmer=principal.display_name),
                       operator=labels.REVIEW_CONFIRMED_OPERATOR.format(proposer=confirmation.requested_by_name,
                                                                        confirmer=principal.display_name))


def _decide_now(svc: Services, principal, review: ReviewCase, *, passed: bool, reason: str, operator: str) -> dict:
    now = svc.clock.now()
    outcome = "passed" if passed else "refused"
    # The decision is taken once (conditional on still pending, audited in its transaction);
    # only the winner goes on to certify or to open the home visit.
    try:
        svc.reviews.decide(
            review.review_id, outcome=outcome, by=principal.username, by_name=principal.display_name,
            reason=reason, now=now, audit=audit.fields(
                principal, "review_decide", target=_target(svc, review), region=review.region,
                before={labels.AUDIT_STATE: STATES[review.state]}, after={labels.AUDIT_RESULT: OUTCOMES[outcome]},
                reason=reason))
    except ReviewDecided:
        raise AppError(ErrorCode.BAD_REQUEST, REVIEW_CHANGED) from None
    if passed:
        return {"outcome": outcome, **_certify(svc, principal, review, operator)}
    return {"outcome": outcome, "case_id": _propose_home_visit(svc, principal, review)}


def _certify(svc: Services, principal, review: ReviewCase, operator: str) -> dict:
    person = registry.get_person(review.subject_key)
    region, unit = (person.region, person.unit) if person is not None else (review.region, review.unit)
    certification = record_unless_certified(
        svc, review.subject_key, int(review.year), METHOD_OF_KIND[review.kind],
        operator=labels.REVIEW_OPERATOR.format(operator=operator), region=region, unit=unit,
        operator_user_id=f"staff:{principal.username}", similarity=review.similarity,
        evidence_key=review.evidence_key, reference=review.reference)
    if certification is None:  # the year certified meanwhile (any method): the review passed all the same
        return {"certification_id": None, "already_certified": True}
    svc.reviews.link(review.review_id, certification_id=certification.certification_id)
    return {"certification_id": certification.certification_id}


def _propose_home_visit(svc: Services, principal, review: ReviewCase) -> str:
    now = svc.clock.now()
    case = HomeVisitCase(
        new_case_id(), subject_key=review.subject_key, subject_id_sealed=review.subject_id_sealed,
        name=review.name, region=review.region, unit=review.unit, status="open", source="review",
        reason=labels.REVIEW_REFUSED_VISIT_REASON.format(review_id=review.review_id),
        address_sealed=review.visit_address_sealed, requested_by=f"staff:{principal.username}", created_at=now,
    )
    try:
        svc.home_visits.create_unless_open(case)
        case_id, opened = case.case_id, True
    except CaseOpen as open_case:  # the subject's open one is kept
        case_id, opened = open_case.case.case_id, False
    svc.reviews.link(review.review_id, home_visit_case_id=case_id)
    if opened:
        audit.record(svc, principal, "hv_create", target=f"{case.case_id} {case.name}", region=case.region,
                     after={labels.FIELD_SOURCE: labels.REVIEW_REFUSED_SOURCE, labels.AUDIT_REVIEW: review.review_id})
    return case_id


def _review(svc: Services, principal, review_id: str) -> ReviewCase:
    require_staff(principal)
    review = svc.reviews.get(review_id) if review_id and len(review_id) <= 64 else None
    if review is None:
        raise AppError(ErrorCode.NOT_FOUND, REVIEW_NOT_FOUND)
    require_region(principal, review.region)  # before anything of the person is shown
    return review


def _row(svc: Services, review: ReviewCase, now_iso: str) -> dict:
    return {
        "review_id": review.review_id, "kind": review.kind, "kind_label": KINDS.get(review.kind, review.kind),
        "name": review.name, "id_masked": normalize.mask_id_number(svc.vault.open(review.subject_id_sealed)),
        "region": review.region, "unit": review.unit,
        "state": review.state, "state_label": STATES.get(review.state, review.state),
        "failure": labels.FAILURE_REASONS.get(review.failure_code or "", review.failure_code or ""),
        "similarity": "" if review.similarity is None else f"{float(review.similarity):.2f}",
        "created": review.created_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        "due_by": review.due_by[:16].replace("T", " "),
        "overdue": review.state == PENDING and review.due_by < now_iso,
        "visited_on": review.visited_on or "", "visited_by": review.visited_by or "",
        "outcome": OUTCOMES.get(review.outcome, "") if review.outcome else "",
    }


def _evidence_images(svc: Services, review: ReviewCase) -> list[dict]:
    """A few frames of each step (first, middle, last), or the visit photo, as data URIs."""
    if not review.evidence_key:
        return []
    try:
        bundle = json.loads(evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket,
                                                review.evidence_key))
    except Exception:  # noqa: BLE001 - expired by the bucket's lifecycle rule
        return []
    if bundle.get("photo"):
        return [{"label": labels.REVIEW_VISIT_PHOTO.format(visited_on=bundle.get("visited_on", "")),
                 "src": _data_uri(bundle["photo"])}]
    images = []
    for step in bundle.get("steps", []):
        frames = step.get("frames") or []
        picks = sorted({0, len(frames) // 2, len(frames) - 1})[:FRAMES_PER_STEP] if frames else []
        images += [{"label": labels.REVIEW_FRAME.format(challenge=step.get("challenge", ""), number=i + 1),
                    "src": _data_uri(frames[i])} for i in picks]
    return images


def _reference_image(svc: Services, person, source: str | None) -> str | None:
    """The photo the face was compared with (the identity authority's is not held here)."""
    key = None
    if person is not None and source is not None:
        key = {"staff_photo": person.staff_photo_key, "registry_photo": person.photo_key}.get(source)
    if not key:
        return None
    try:
        image = evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket, key)
    except Exception:  # noqa: BLE001 - a missing object shows as no photo
        return None
    return _data_uri(base64.b64encode(image).decode())


def _data_uri(b64: str) -> str:
    if b64.startswith("data:"):
        return b64
    kind = "png" if b64.startswith("iVBOR") else "jpeg"
    return f"data:image/{kind};base64,{b64}"


def _target(svc: Services, review: ReviewCase) -> str:
    return f"{review.review_id} {review.name} {normalize.mask_id_number(svc.vault.open(review.subject_id_sealed))}"
