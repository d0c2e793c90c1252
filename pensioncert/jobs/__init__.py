"""Scheduled jobs of data matching (issue 13): reminders before the due date, suspension at it.

Run by `python -m pensioncert.jobs reminders|suspensions|all` (and `make jobs`) against the running
local stack, and in deployed stages by an EventBridge schedule that invokes ``handler.handle``
daily. Every job reads recipients by the registry's region index a page at a time (never a
scan) and writes by conditional puts, so a run repeated the same day changes nothing twice.
"""
from __future__ import annotations

from pensioncert.dal import stats


def regions() -> list[str]:
    """The regions that have recipients, from the dashboards' counters (one query)."""
    counters = stats.read_scope(stats.registry_scope())
    prefix = "recipients#region#"
    return sorted(metric[len(prefix):] for metric, value in counters.items()
                  if metric.startswith(prefix) and value > 0)


def uncertified_pages(year: int, region: str, page_size: int = 100, registered_by=None):
    """Pages (lists) of the region's recipients without the year's certification: the region
    index, then one BatchGetItem on the certifications per page. ``registered_by``: only people
    first imported by then (a retiree who joined after the due date owed nothing that year)."""
    from pensioncert.dal import life_events

    cursor = None
    while True:
        people, cursor = life_events.recipients_page(region, page_size, cursor)
        if registered_by is not None:
            people = [p for p in people if (p.first_imported_at or p.imported_at) <= registered_by]
        if people:
            certified = life_events.certified_keys([person.id_key for person in people], year)
            yield [person for person in people if person.id_key not in certified]
        if cursor is None:
            return
