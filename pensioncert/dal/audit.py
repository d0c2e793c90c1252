"""The staff audit log: append and query only. Nothing here (or anywhere) updates or deletes it."""
from __future__ import annotations

import secrets
from datetime import datetime

from pynamodb.exceptions import PutError

from pensioncert.clock import beijing_date, iso_beijing
from pensioncert.dal.admin_tables import AuditTable
from pensioncert.dal.errors import is_conditional_failure


def append(*, now: datetime, actor: str, actor_name: str, action: str, target: str,
           region: str | None, before: str | None, after: str | None,
           reason: str | None) -> AuditTable:
    """Write one event; a conditional put, so an event is never overwritten."""
    for _ in range(3):
        event = AuditTable(
            beijing_date(now), f"{iso_beijing(now)}#{secrets.token_hex(6)}",
            actor=actor, actor_name=actor_name, action=action, target=target, region=region,
            before=before, after=after, reason=reason,
        )
        try:
            event.save(condition=AuditTable.at_id.does_not_exist())
            return event
        except PutError as error:
            if not is_conditional_failure(error):
                raise
    raise RuntimeError("could not allocate an audit event id")


def on_day(day: str, limit: int = 500) -> list[AuditTable]:
    """A day's events, newest first."""
    return list(AuditTable.query(day, scan_index_forward=False, limit=limit))


def by_actor(actor: str, since: str, until: str, limit: int = 500) -> list[AuditTable]:
    """An actor's events between two ISO times (``until`` exclusive-ish: a prefix bound), newest first."""
    return list(AuditTable.by_actor.query(
        actor, AuditTable.at_id.between(since, until + "\uffff"), scan_index_forward=False, limit=limit,
    ))
