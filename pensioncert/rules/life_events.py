"""Life events from other public systems (data matching, 数据比对): what each event type means for
the yearly certification and for payment. The one place these rules live; /work/notes/readme_data_match.md
and the README state them for people.

Every event is ``(event_type, event_date, source)`` about one registry person (the ID number and
name must match the registry). The agency imports the feed it receives from the other system,
so the file is trusted as a whole: ``source`` names the institution inside that system (the hospital,
the bank branch, the bus company); the event type names the system.

Three kinds of effect:

- **Proof of life** (``PROOF``): the person was seen alive. ``STRONG`` events put the person
  there in person before staff or a device that checks the person (a medical-insurance settlement at
  a hospital counter, a bank counter, a civil-affairs or police visit, a return through the
  border): one is enough. ``transit_ride`` is ``WEAK``: a bus card can be lent, so rides count one
  point per calendar month and a certification needs ``POINTS_NEEDED`` points (rides in two
  different months; a single ride never certifies). An event counts only when it is
  dated in the certification year, not in the future, for a person who is a recipient, and not
  after a death record of the person.
- **Stops payment** (``STOPS``): ``death_record`` → the registry status becomes ``deceased`` and
  payments stop from the month after the month of death; every month paid after it is listed as an
  overpayment for recovery (``overpaid_months``). ``imprisonment`` → status ``suspended`` while the
  sentence is served (the agency restores it on release, an audited correction).
- **Review only** (``FLAGS``): ``exit_abroad`` puts the person on the list for the overseas process
  (境外人员); it neither certifies nor suspends (leaving is not a death, and staying abroad must be
  certified by the overseas programme). ``return_home`` is a strong proof of life.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pensioncert.labels import LIFE_EVENT_SOURCES_MASKED, LIFE_EVENTS

STRONG = 2
WEAK = 1
# A certification needs this many points in the year: one strong event, or weak events in two
# different months (a lent card is used by someone else; two months of rides and no death record
# is the level of evidence the Nanhai scenarios accept for 公交出行).
POINTS_NEEDED = 2

PROOF = {
    "medical_settlement": STRONG,
    "bank_counter": STRONG,
    "civil_affairs_visit": STRONG,
    "return_home": STRONG,
    "transit_ride": WEAK,
}
STOPS = {"death_record": "deceased", "imprisonment": "suspended"}
FLAGS = {"exit_abroad": "overseas_review"}
EVENT_TYPES = tuple(PROOF) + tuple(STOPS) + tuple(FLAGS)

# What the retiree and staff read for each type (H5 and admin show these).
LABELS = LIFE_EVENTS
# Shown to a relative (contact) instead of the institution: where someone was treated is health
# information about the retiree, which the relative does not need to see that the retiree is alive.
MASKED_SOURCES = LIFE_EVENT_SOURCES_MASKED


@dataclass(frozen=True)
class Event:
    event_type: str
    event_date: date
    source: str


def points(events: list[Event]) -> int:
    """Proof-of-life points of events that already count (``counting``): strong events their
    weight each, weak events one point per calendar month."""
    strong = sum(PROOF[e.event_type] for e in events if PROOF.get(e.event_type) == STRONG)
    weak_months = {(e.event_date.year, e.event_date.month) for e in events
                   if PROOF.get(e.event_type) == WEAK}
    return strong + len(weak_months) * WEAK


def counting(events: list[Event], year: int, today: date, died_on: date | None) -> list[Event]:
    """The proof-of-life events that count for ``year``: of a proof type, dated in the year, not
    after ``today``, and not after a death record (``died_on``)."""
    return [e for e in events if e.event_type in PROOF and e.event_date.year == year
            and e.event_date <= today and (died_on is None or e.event_date <= died_on)]


def qualifying(events: list[Event], year: int, today: date, died_on: date | None) -> list[Event]:
    """The events a ``data_match`` certification lists (oldest first), or [] when they do not
    reach ``POINTS_NEEDED``."""
    counted = sorted(counting(events, year, today, died_on), key=lambda e: e.event_date)
    return counted if points(counted) >= POINTS_NEEDED else []


def payments_stop(died_on: date) -> date:
    """The first month not paid after a death: the month after the month of death."""
    return date(died_on.year + (died_on.month == 12), died_on.month % 12 + 1, 1)


def overpaid_months(died_on: date, paid_through: date) -> list[str]:
    """Months (YYYY-MM) paid after the death, to recover: from ``payments_stop`` through
    ``paid_through``'s month. Pensions are paid at the start of each month, so on the day a
    record arrives that month is already paid (the caller passes that day)."""
    months, month = [], payments_stop(died_on)
    while (month.year, month.month) <= (paid_through.year, paid_through.month):
        months.append(f"{month.year:04d}-{month.month:02d}")
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def months_between(first: date, last: date) -> list[str]:
    """Months (YYYY-MM) from ``first``'s through ``last``'s, inclusive: the back payment of a
    suspension lifted on ``last`` that began on ``first``."""
    months, month = [], date(first.year, first.month, 1)
    while (month.year, month.month) <= (last.year, last.month):
        months.append(f"{month.year:04d}-{month.month:02d}")
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return months


def shown_source(event_type: str, source: str, *, to_relative: bool) -> str:
    return MASKED_SOURCES.get(event_type, source) if to_relative else source


def evidence_text(event_type: str, event_date: str, source: str) -> str:
    """How one event reads: ``2026-03-14 医保结算（西安市第一医院）``."""
    return f"{event_date} {LABELS.get(event_type, event_type)}（{source}）"
