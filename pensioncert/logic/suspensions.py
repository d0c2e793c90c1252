"""A suspension for a missed year, lifted by a later certification, with the months withheld listed
for back payment: one place for the lift (issue 21: it was written twice, in the dal's certification
store and in the yearly job's repair). The suspension list itself is the yearly job's
(pensioncert/jobs/suspensions.py); the back-pay months are the rule's (rules.life_events)."""
from __future__ import annotations

from datetime import date

from pensioncert.dal import certifications, life_events
from pensioncert.dal.life_tables import LifeStatusTable
from pensioncert.rules.life_events import months_between


def lift_after_certification(subject_key: str, certified_at: str) -> int:
    """A certification by any method lifts the person's open suspensions at once (issue 13):
    how many it lifted."""
    return sum(_lift(entry, certified_at) for entry in life_events.open_suspensions(subject_key))


def repair(region: str) -> int:
    """Lift the suspensions of people certified after them: a lift is normally made at
    certification, and this catches a process that ended between the certification and its lift."""
    lifted = 0
    for entry in life_events.whole_list("suspended", region):
        later = [c for c in certifications.history(entry.subject_key) if int(c.year) > int(entry.year)]
        if later:
            lifted += _lift(entry, min(later, key=lambda c: c.certified_at).certified_at)
    return lifted


def _lift(entry: LifeStatusTable, certified_at: str) -> bool:
    """``suspended`` → ``reinstated`` with the months withheld (conditioned in the dal: a racing lift
    finds it done and does nothing)."""
    months = months_between(date.fromisoformat(entry.since), date.fromisoformat(certified_at[:10]))
    return life_events.reinstate(entry, certified_at=certified_at, months=months)
