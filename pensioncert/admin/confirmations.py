"""The confirmations list (待确认): what one staff member asked for and a second must approve
(rules/four_eyes.py: who may approve what). Approving applies it, refusing drops it; either is
taken once and audited with both names in the transaction of the decision."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, labels
from pensioncert.admin.principal import require_region, require_staff
from pensioncert.clock import BEIJING
from pensioncert.errors import AppError, ErrorCode
from pensioncert.repositories.confirmations import (
    APPROVED,
    PENDING,
    REFUSED,
    Confirmation,
    ConfirmationDecided,
)
from pensioncert.rules import four_eyes

if TYPE_CHECKING:
    from pensioncert.services import Services

NOT_FOUND = labels.CONFIRMATION_NOT_FOUND
CHANGED = labels.CONFIRMATION_CHANGED
REASON_REQUIRED = labels.CONFIRMATION_REASON_REQUIRED
STATES = {state: labels.CONFIRMATION_STATES[state] for state in (PENDING, APPROVED, REFUSED)}
MAX_TEXT = 200


def queue(svc: Services, principal, state: str = PENDING) -> list[dict]:
    """The principal's regions' confirmations in ``state``, oldest first (a provincial
    administrator's: every region's and the province-wide feeds)."""
    principal = require_staff(principal)
    found = [item for region in principal.query_regions for item in svc.confirmations.with_state(state, region)]
    return [_row(svc, principal, item) for item in sorted(found, key=lambda item: item.created_at)]


def approve(svc: Services, principal, confirmation_id: str, *, reason: str = "") -> dict:
    item = _pending(svc, principal, confirmation_id)
    text = _reason(reason, required=False) or labels.CONFIRMATION_AGREED
    _decide(svc, principal, item, APPROVED, text)
    return {"state": APPROVED, **_apply(svc, principal, item)}


def refuse(svc: Services, principal, confirmation_id: str, *, reason: str) -> dict:
    item = _pending(svc, principal, confirmation_id)
    text = _reason(reason, required=True)
    _decide(svc, principal, item, REFUSED, text)
    if item.kind == four_eyes.HOME_VISIT:
        from pensioncert.admin import home_visits

        home_visits.confirmation_refused(svc, item, text)
    return {"state": REFUSED}


def _pending(svc: Services, principal, confirmation_id: str) -> Confirmation:
    principal = require_staff(principal)
    item = svc.confirmations.get(confirmation_id) if confirmation_id and len(confirmation_id) <= 80 else None
    if item is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    require_region(principal, item.region)
    if item.state != PENDING:
        raise AppError(ErrorCode.BAD_REQUEST, CHANGED)
    why = four_eyes.refusal(four_eyes.Request(item.kind, item.requested_by, item.visited_by),
                            approver=principal.username,
                            approver_is_province_admin=principal.is_province_admin)
    if why:
        raise AppError(ErrorCode.FORBIDDEN, why)
    return item


def _decide(svc: Services, principal, item: Confirmation, state: str, reason: str) -> None:
    fields = audit.fields(principal, f"confirm_{state}", target=_target(svc, item),
                          region=None if item.region == _province_wide() else item.region,
                          before={labels.AUDIT_ITEM: four_eyes.KINDS.get(item.kind, item.kind),
                                  labels.AUDIT_REQUESTED_BY: item.requested_by_name,
                                  **({labels.AUDIT_VISITOR: item.visited_by} if item.visited_by else {})},
                          after={labels.AUDIT_RESULT: STATES[state],
                                 labels.AUDIT_APPROVER if state == APPROVED else labels.AUDIT_HANDLER:
                                 principal.display_name}, reason=reason)
    try:
        svc.confirmations.decide(item.confirmation_id, state=state, by=principal.username,
                                 by_name=principal.display_name, reason=reason, now=svc.clock.now(), audit=fields)
    except ConfirmationDecided:
        raise AppError(ErrorCode.BAD_REQUEST, CHANGED) from None


def _apply(svc: Services, principal, item: Confirmation) -> dict:
    detail = json.loads(item.detail)
    if item.kind in (four_eyes.HOME_VISIT, four_eyes.OVERSEAS):
        from pensioncert.admin import manual_certification

        return manual_certification.certify_confirmed(svc, principal, item, detail)
    if item.kind == four_eyes.STAFF_PHOTO:
        from pensioncert.admin import pensioners

        return pensioners.apply_staff_photo(svc, principal, item, detail)
    if item.kind == four_eyes.EVENT_FEED:
        return _apply_feed(svc, principal, item, detail)
    if item.kind == four_eyes.DEATH_RECORD:
        return _apply_death(svc, principal, item, detail)
    if item.kind == four_eyes.REVIEW:
        from pensioncert.admin import reviews

        return reviews.decide_confirmed(svc, principal, item, detail)
    raise AppError(ErrorCode.BAD_REQUEST, NOT_FOUND)


def _apply_feed(svc: Services, principal, item: Confirmation, detail: dict) -> dict:
    from pensioncert.admin import events
    from pensioncert.dal import evidence
    from pensioncert.logic.registry_import import Importer

    data = evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket, detail["file_key"])
    regions = detail.get("regions")
    # The uploader's scope, both names on every row's audit event.
    importer = Importer(item.requested_by, labels.IMPORTER_APPROVED_BY.format(importer=item.requested_by_name, approver=principal.display_name),
                        None if regions is None else tuple(regions))
    report = events.apply_upload(svc, principal, data, detail.get("filename", ""), importer=importer)
    return {"report": report}


def _apply_death(svc: Services, principal, item: Confirmation, detail: dict) -> dict:
    from datetime import date

    from pensioncert.dal import registry
    from pensioncert.logic import data_match

    person = registry.get_person(item.subject_key or "")
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    actor = {"actor": principal.username,
             "actor_name": labels.DEATH_RECORD_CONFIRMED_BY.format(confirmer=principal.display_name,
                                                                   importer=item.requested_by_name)}
    outcome = data_match.stop_payments(svc, person, "death_record", date.fromisoformat(detail["event_date"]),
                                       detail["source"], actor)
    return {"outcome": outcome}


def _province_wide() -> str:
    from pensioncert.admin.events import ALL_REGIONS

    return ALL_REGIONS


def _row(svc: Services, principal, item: Confirmation) -> dict:
    detail = json.loads(item.detail)
    why_not = four_eyes.refusal(four_eyes.Request(item.kind, item.requested_by, item.visited_by),
                                approver=principal.username, approver_is_province_admin=principal.is_province_admin)
    return {
        "confirmation_id": item.confirmation_id, "kind": item.kind,
        "kind_label": four_eyes.KINDS.get(item.kind, item.kind),
        "name": item.name or detail.get("filename", ""),
        "id_masked": normalize.mask_id_number(svc.vault.open(item.subject_id_sealed)) if item.subject_id_sealed else "",
        "region": item.region, "requested_by": item.requested_by_name, "visited_by": item.visited_by or "",
        "summary": _summary(item.kind, detail),
        "created": item.created_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        "state_label": STATES.get(item.state, item.state), "decided_by": item.decided_by_name or "",
        "may_decide": item.state == PENDING and why_not is None, "why_not": why_not or "",
    }


def _summary(kind: str, detail: dict) -> str:
    if kind in (four_eyes.HOME_VISIT, four_eyes.OVERSEAS):
        score = detail.get("similarity")
        return labels.SUMMARY_VISIT.format(visited_on=detail.get("visited_on", ""),
                                           score="" if score is None else f"{score:.2f}",
                                           copy_line=f"{four_eyes.copy_threshold():.2f}")
    if kind == four_eyes.STAFF_PHOTO:
        return labels.SUMMARY_STAFF_PHOTO.format(reason=detail.get("reason", ""))
    if kind == four_eyes.EVENT_FEED:
        return labels.SUMMARY_EVENT_FEED.format(size=detail.get("bytes", 0), digest=detail.get("sha256", "")[:16])
    if kind == four_eyes.REVIEW:
        return labels.SUMMARY_REVIEW.format(reason=detail.get("reason", ""))
    if kind == four_eyes.DEATH_RECORD:
        return labels.SUMMARY_DEATH_RECORD.format(event_date=detail.get("event_date", ""), source=detail.get("source", ""))
    return ""


def _target(svc: Services, item: Confirmation) -> str:
    masked = normalize.mask_id_number(svc.vault.open(item.subject_id_sealed)) if item.subject_id_sealed else ""
    return " ".join(part for part in (item.confirmation_id, item.name or "", masked) if part)


def _reason(reason: str | None, *, required: bool) -> str:
    text = normalize.nfkc(reason or "")
    if (required and not text) or len(text) > MAX_TEXT:
        raise AppError(ErrorCode.BAD_REQUEST, REASON_REQUIRED)
    return text
