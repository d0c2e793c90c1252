"""The staff audit log: append and query only. Nothing here (or anywhere) updates or deletes it.

An event is either appended alone (``append``) or written inside the DynamoDB transaction of the
change it records (``in_transaction``), so that change and its audit entry commit or fail together.
Reading is by index and by pages (``page``): every filter is a key or a server-side condition, and a
page ends with a cursor when more events match, never with a silent cap.
"""
from __future__ import annotations

import heapq
import json
import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from pynamodb.exceptions import PutError

from pensioncert.clock import beijing_date, iso_beijing
from pensioncert.dal.admin_tables import AuditTable
from pensioncert.dal.transactions import is_conditional_failure


def _new_event(*, now: datetime, actor: str, actor_name: str, action: str, target: str,
               region: str | None = None, before: str | dict | None = None,
               after: str | dict | None = None, reason: str | None = None) -> AuditTable:
    """``before`` and ``after`` are JSON (a dict is encoded here), already masked where they
    name a person: the log is shown to the staff of the whole region."""
    return AuditTable(
        beijing_date(now), f"{iso_beijing(now)}#{secrets.token_hex(6)}",
        actor=actor, actor_name=actor_name, action=action, target=target, region=region,
        before=_json(before), after=_json(after), reason=reason,
    )


def _json(value: str | dict | None) -> str | None:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value


def append(**fields) -> AuditTable:
    """Write one event (``_new_event``'s fields); a conditional put, so an event is never overwritten."""
    for _ in range(3):
        event = _new_event(**fields)
        try:
            event.save(condition=AuditTable.at_id.does_not_exist())
            return event
        except PutError as error:
            if not is_conditional_failure(error):
                raise
    raise RuntimeError("could not allocate an audit event id")


def in_transaction(transaction, **fields) -> AuditTable:
    """Add one event to ``transaction`` (a PynamoDB TransactWrite) as an update that creates it:
    updates keep their order of adding within the transaction, so the callers' item indexes of
    their own updates stay as they were (``dal.transactions.failed_transaction_items``)."""
    event = _new_event(**fields)
    actions = [getattr(AuditTable, name).set(value) for name, value in (
        ("actor", event.actor), ("actor_name", event.actor_name), ("action", event.action),
        ("target", event.target), ("region", event.region), ("before", event.before),
        ("after", event.after), ("reason", event.reason)) if value is not None]
    transaction.update(AuditTable(event.day, event.at_id), actions=actions,
                       condition=AuditTable.at_id.does_not_exist())
    return event


def page(*, first: date, last: date, size: int, before: str | None = None, actor: str | None = None,
         action: str | None = None, regions: Iterable[str] | None = None,
         own_actor: str | None = None) -> tuple[list[AuditTable], str | None]:
    """Events from ``first`` to ``last`` (Beijing dates, inclusive), newest first, at most ``size``,
    and the cursor of the next page (None: no more). ``before`` is a previous page's cursor.
    ``regions`` limits to events of those regions or of ``own_actor`` (an operator's scope); None:
    every event. Each source below is one index query bounded by the dates and the cursor."""
    lower = first.isoformat()
    upper = (last + timedelta(days=1)).isoformat()
    if before:
        upper = min(upper, before)
    scope = None
    if regions is not None:
        regions = sorted(set(regions))
        scope = AuditTable.actor == own_actor
        if regions:
            scope = scope | AuditTable.region.is_in(*regions)
    bounds = AuditTable.at_id.between(lower, upper)

    def index(query, key, condition) -> Callable[[int], list[AuditTable]]:
        return lambda limit: [event for event in query(key, bounds, scan_index_forward=False, limit=limit,
                                                       filter_condition=condition)
                              if event.at_id != upper]

    sources: list[Callable[[int], list[AuditTable]]]
    if actor:
        condition = _all(AuditTable.action == action if action else None,
                         None if actor == own_actor else scope)
        sources = [index(AuditTable.by_actor.query, actor, condition)]
    elif action:
        sources = [index(AuditTable.by_action.query, action, scope)]
    elif regions is not None:
        sources = [index(AuditTable.by_region.query, region, None) for region in regions]
        sources.append(index(AuditTable.by_actor.query, own_actor, None))
    else:
        sources = [lambda limit: _by_days(first, last, lower, upper, limit)]
    merged: dict[str, AuditTable] = {}
    for event in heapq.merge(*(source(size + 2) for source in sources), key=lambda e: e.at_id, reverse=True):
        merged.setdefault(event.at_id, event)
        if len(merged) > size:
            break
    events = list(merged.values())
    if len(events) > size:
        return events[:size], events[size - 1].at_id
    return events, None


def _by_days(first: date, last: date, lower: str, upper: str, limit: int) -> list[AuditTable]:
    """The day partitions from the newest down, until ``limit`` events are found."""
    events: list[AuditTable] = []
    day = min(last, date.fromisoformat(upper[:10]))
    while day >= first and len(events) < limit:
        events += [event for event in AuditTable.query(
            day.strftime("%Y%m%d"), AuditTable.at_id.between(lower, upper), scan_index_forward=False,
            limit=limit - len(events)) if event.at_id != upper]
        day -= timedelta(days=1)
    return events


def _all(*conditions):
    combined = None
    for condition in conditions:
        if condition is not None:
            combined = condition if combined is None else combined & condition
    return combined
