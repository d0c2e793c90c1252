"""The confirmations list (待确认): what one staff member asked for and a second must approve
(rules/four_eyes.py: who may approve what). Approving applies it, refusing drops it; either is
taken once and audited with both names in the transaction of the decision."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit
from pensioncert.admin.principal import require_region, require_staff
from pensioncert.clock import BEIJING
from pensioncert.dal import confirmations as dal
from pensioncert.dal.admin_tables import ConfirmationTable
from pensioncert.errors import AppError, ErrorCode
from pensioncert.rules import four_eyes

if TYPE_CHECKING:
    from pensioncert.services import Services

NOT_FOUND = "找不到该待确认事项"
CHANGED = "该事项已由他人处理，请刷新"
REASON_REQUIRED = "请填写确认意见（不超过200字）"
STATES = {dal.PENDING: "待确认", dal.APPROVED: "已批准", dal.REFUSED: "未批准"}
MAX_TEXT = 200


def queue(svc: Services, principal, state: str = dal.PENDING) -> list[dict]:
    """The principal's regions' confirmations in ``state``, oldest first (a provincial
    administrator's: every region's and the province-wide feeds)."""
    principal = require_staff(principal)
    found = [item for region in principal.query_regions for item in dal.with_state(state, region)]
    return [_row(svc, principal, item) for item in sorted(found, key=lambda item: item.created_at)]


def approve(svc: Services, principal, confirmation_id: str, *, reason: str = "") -> dict:
    item = _pending(principal, confirmation_id)
    text = _reason(reason, required=False) or "同意"
    _decide(svc, principal, item, dal.APPROVED, text)
    return {"state": dal.APPROVED, **_apply(svc, principal, item)}


def refuse(svc: Services, principal, confirmation_id: str, *, reason: str) -> dict:
    item = _pending(principal, confirmation_id)
    text = _reason(reason, required=True)
    _decide(svc, principal, item, dal.REFUSED, text)
    if item.kind == four_eyes.HOME_VISIT:
        from pensioncert.admin import home_visits

        home_visits.confirmation_refused(svc, item, text)
    return {"state": dal.REFUSED}


def _pending(principal, confirmation_id: str) -> ConfirmationTable:
    principal = require_staff(principal)
    item = dal.get(confirmation_id) if confirmation_id and len(confirmation_id) <= 80 else None
    if item is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    require_region(principal, item.region)
    if item.state != dal.PENDING:
        raise AppError(ErrorCode.BAD_REQUEST, CHANGED)
    why = four_eyes.refusal(four_eyes.Request(item.kind, item.requested_by, item.visited_by),
                            approver=principal.username,
                            approver_is_province_admin=principal.is_province_admin)
    if why:
        raise AppError(ErrorCode.FORBIDDEN, why)
    return item


def _decide(svc: Services, principal, item: ConfirmationTable, state: str, reason: str) -> None:
    fields = audit.fields(principal, f"confirm_{state}", target=_target(svc, item),
                          region=None if item.region == _province_wide() else item.region,
                          before={"事项": four_eyes.KINDS.get(item.kind, item.kind), "提交人": item.requested_by_name,
                                  **({"上门人员": item.visited_by} if item.visited_by else {})},
                          after={"结果": STATES[state], "批准人" if state == dal.APPROVED else "处理人":
                                 principal.display_name}, reason=reason)
    if not dal.decide(item, state=state, by=principal.username, by_name=principal.display_name, reason=reason,
                      now=svc.clock.now(), audit=fields):
        raise AppError(ErrorCode.BAD_REQUEST, CHANGED)


def _apply(svc: Services, principal, item: ConfirmationTable) -> dict:
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


def _apply_feed(svc: Services, principal, item: ConfirmationTable, detail: dict) -> dict:
    from pensioncert.admin import events
    from pensioncert.dal import evidence
    from pensioncert.logic.registry_import import Importer

    data = evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket, detail["file_key"])
    regions = detail.get("regions")
    # The uploader's scope, both names on every row's audit event.
    importer = Importer(item.requested_by, f"{item.requested_by_name}（{principal.display_name}批准）",
                        None if regions is None else tuple(regions))
    report = events.apply_upload(svc, principal, data, detail.get("filename", ""), importer=importer)
    return {"report": report}


def _apply_death(svc: Services, principal, item: ConfirmationTable, detail: dict) -> dict:
    from datetime import date

    from pensioncert.dal import registry
    from pensioncert.logic import data_match

    person = registry.get_person(item.subject_key or "")
    if person is None:
        raise AppError(ErrorCode.NOT_FOUND, NOT_FOUND)
    actor = {"actor": principal.username,
             "actor_name": f"{principal.display_name}（确认{item.requested_by_name}导入的死亡记录）"}
    outcome = data_match.stop_payments(svc, person, "death_record", date.fromisoformat(detail["event_date"]),
                                       detail["source"], actor)
    return {"outcome": outcome}


def _province_wide() -> str:
    from pensioncert.admin.events import ALL_REGIONS

    return ALL_REGIONS


def _row(svc: Services, principal, item: ConfirmationTable) -> dict:
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
        "may_decide": item.state == dal.PENDING and why_not is None, "why_not": why_not or "",
    }


def _summary(kind: str, detail: dict) -> str:
    if kind in (four_eyes.HOME_VISIT, four_eyes.OVERSEAS):
        score = detail.get("similarity")
        return (f"{detail.get('visited_on', '')} 相似度 {'' if score is None else f'{score:.2f}'}"
                f"（复制判定线 {four_eyes.copy_threshold():.2f}）")
    if kind == four_eyes.STAFF_PHOTO:
        return f"原因：{detail.get('reason', '')}"
    if kind == four_eyes.EVENT_FEED:
        return f"{detail.get('bytes', 0)} 字节，SHA-256 {detail.get('sha256', '')[:16]}…"
    if kind == four_eyes.REVIEW:
        return f"复核意见：{detail.get('reason', '')}"
    if kind == four_eyes.DEATH_RECORD:
        return f"死亡日期 {detail.get('event_date', '')}，来源 {detail.get('source', '')}"
    return ""


def _target(svc: Services, item: ConfirmationTable) -> str:
    masked = normalize.mask_id_number(svc.vault.open(item.subject_id_sealed)) if item.subject_id_sealed else ""
    return " ".join(part for part in (item.confirmation_id, item.name or "", masked) if part)


def _reason(reason: str | None, *, required: bool) -> str:
    text = normalize.nfkc(reason or "")
    if (required and not text) or len(text) > MAX_TEXT:
        raise AppError(ErrorCode.BAD_REQUEST, REASON_REQUIRED)
    return text
