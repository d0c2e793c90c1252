"""The audit log of staff actions: written by every service, read with filters, never edited."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from pensioncert.admin import labels
from pensioncert.admin.principal import require_staff
from pensioncert.clock import BEIJING
from pensioncert.dal import audit as audit_dal
from pensioncert.errors import AppError, ErrorCode

if TYPE_CHECKING:
    from pensioncert.services import Services

MAX_DAYS = 31


PAGE_SIZE = 100


def fields(principal, action: str, *, target: str, region: str | None = None,
           before: dict | None = None, after: dict | None = None, reason: str | None = None) -> dict:
    """An event's fields, for a data-layer write that puts it in the transaction of its change.
    ``target`` and the before/after values must already be masked where they name a person
    (the log is shown to staff of the whole region)."""
    require_staff(principal)
    return {"actor": principal.username, "actor_name": principal.display_name, "action": action,
            "target": target, "region": region, "before": before, "after": after, "reason": reason}


def record(svc: Services, principal, action: str, *, target: str, region: str | None = None,
           before: dict | None = None, after: dict | None = None, reason: str | None = None) -> None:
    """One event on its own (an action that changes nothing else, such as a view or an export)."""
    audit_dal.append(now=svc.clock.now(), **fields(principal, action, target=target, region=region,
                                                   before=before, after=after, reason=reason))


def search_page(svc: Services, principal, *, day_from: str, day_to: str, actor: str | None = None,
                action: str | None = None, cursor: str | None = None, size: int = PAGE_SIZE) -> dict:
    """One page of events between two Beijing dates (YYYY-MM-DD, at most 31 days), newest first:
    ``{"rows", "next"}``, ``next`` the cursor of the following page or None. An operator sees the
    events of their regions and their own; a provincial administrator sees all. Every filter is
    an index key or a server-side condition (``dal.audit.page``)."""
    principal = require_staff(principal)
    first, last = _date(day_from), _date(day_to)
    if last < first:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        raise AppError(ErrorCode.BAD_REQUEST, labels.AUDIT_RANGE_TOO_LONG.format(days=MAX_DAYS))
    if cursor is not None and (not isinstance(cursor, str) or len(cursor) > 80):
        raise AppError(ErrorCode.BAD_REQUEST, labels.PAGE_TOKEN_INVALID)
    events, following = audit_dal.page(
        first=first, last=last, size=max(1, min(size, PAGE_SIZE)), before=cursor,
        actor=(actor or "").strip() or None, action=action or None,
        regions=principal.region_filter,
        own_actor=principal.username)
    return {"rows": [_row(event) for event in events], "next": following}


def search(svc: Services, principal, **filters) -> list[dict]:
    """Every matching event (``search_page``'s filters), page after page: for tests and exports;
    the page shows one page at a time."""
    rows, cursor = [], None
    while True:
        page = search_page(svc, principal, cursor=cursor, **filters)
        rows += page["rows"]
        cursor = page["next"]
        if cursor is None:
            return rows


def _date(text: str) -> date:
    try:
        return datetime.strptime((text or "")[:10], "%Y-%m-%d").date()
    except ValueError:
        raise AppError(ErrorCode.BAD_REQUEST, labels.DATE_MALFORMED) from None


def _row(event) -> dict:
    when = event.at_id.split("#", 1)[0]
    return {
        "time": datetime.fromisoformat(when).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
        "actor": event.actor, "actor_name": event.actor_name, "action": event.action,
        "action_label": labels.ACTIONS.get(event.action, event.action), "target": event.target,
        "region": event.region or "", "before": event.before or "", "after": event.after or "",
        "reason": event.reason or "",
    }
