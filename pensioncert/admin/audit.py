"""The audit log of staff actions: written by every service, read with filters, never edited."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from pensioncert.admin import labels
from pensioncert.admin.staff import require_staff
from pensioncert.clock import BEIJING
from pensioncert.dal import audit as audit_dal
from pensioncert.errors import AppError, ErrorCode

MAX_DAYS = 31


def record(svc, principal, action: str, *, target: str, region: str | None = None,
           before: dict | None = None, after: dict | None = None, reason: str | None = None) -> None:
    """One event. ``target`` and the before/after values must already be masked where they name
    a person (the log is shown to staff of the whole region)."""
    require_staff(principal)
    audit_dal.append(
        now=svc.clock.now(), actor=principal.username, actor_name=principal.display_name,
        action=action, target=target, region=region,
        before=json.dumps(before, ensure_ascii=False) if before is not None else None,
        after=json.dumps(after, ensure_ascii=False) if after is not None else None,
        reason=reason,
    )


def search(svc, principal, *, day_from: str, day_to: str, actor: str | None = None,
           action: str | None = None) -> list[dict]:
    """Events between two Beijing dates (YYYY-MM-DD, at most 31 days), newest first. An operator
    sees the events of their regions and their own; a provincial administrator sees all."""
    principal = require_staff(principal)
    first, last = _date(day_from), _date(day_to)
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        raise AppError(ErrorCode.BAD_REQUEST, f"一次最多查询{MAX_DAYS}天的日志")
    rows = []
    day = last
    while day >= first:
        for event in audit_dal.on_day(day.strftime("%Y%m%d")):
            if actor and event.actor != actor.strip():
                continue
            if action and event.action != action:
                continue
            if not (principal.is_province_admin or event.actor == principal.username
                    or principal.can_see(event.region)):
                continue
            rows.append(_row(event))
        day -= timedelta(days=1)
    return rows


def _date(text: str) -> date:
    try:
        return datetime.strptime((text or "")[:10], "%Y-%m-%d").date()
    except ValueError:
        raise AppError(ErrorCode.BAD_REQUEST, "日期格式应为 年-月-日") from None


def _row(event) -> dict:
    when = event.at_id.split("#", 1)[0]
    return {
        "time": datetime.fromisoformat(when).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": event.actor, "actor_name": event.actor_name, "action": event.action,
        "action_label": labels.ACTIONS.get(event.action, event.action), "target": event.target,
        "region": event.region or "", "before": event.before or "", "after": event.after or "",
        "reason": event.reason or "",
    }
