"""At the due date: the suspension list for the payment system, and the lifting of suspensions.

``run`` (on any day after the year's due date; the schedule runs it daily, and a repeat changes
nothing) puts every recipient without the year's certification on the suspension list of their
region (``suspension#<year>``, a conditional put: who, since when, why). Payments stop from the
day after the due date; the registry status is not changed, so the person can still certify by
any method, and that certification lifts the suspension at once (logic.suspensions, the one place
of the lift) and lists the person for back payment of the months withheld. The run also repairs a
lift that an interrupted process missed (a suspended person with a certification of a later year)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from pensioncert import labels
from pensioncert.clock import BEIJING, iso_beijing
from pensioncert.dal import life_events
from pensioncert.dal.life_tables import LifeStatusTable
from pensioncert.jobs import regions, uncertified_pages
from pensioncert.logic import suspensions as lift
from pensioncert.rules.certification import PaymentPolicy, certification_year

if TYPE_CHECKING:
    from pensioncert.services import Services

REASON = labels.SUSPENDED_UNCERTIFIED


@dataclass
class SuspensionReport:
    year: int | None
    suspended: int = 0
    already: int = 0
    reinstated: int = 0
    skipped: int = 0
    regions: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(vars(self))


def due_year(svc: Services) -> int | None:
    """The year whose due date has passed and whose suspensions are due: last year, from the day
    after its due date on (None never happens with a calendar-year policy; kept for a policy whose
    due date falls inside the next year)."""
    now = svc.clock.now()
    policy = PaymentPolicy(svc.settings.payment_warning_days)
    year = certification_year(now) - 1
    return year if now > policy.due_by(year) else None


def run(svc: Services, year: int | None = None, page_size: int = 100, only_regions=None) -> SuspensionReport:
    year = year if year is not None else due_year(svc)
    report = SuspensionReport(year)
    if year is None:
        return report
    now = svc.clock.now()
    due = PaymentPolicy(svc.settings.payment_warning_days).due_by(year)
    since = (due + timedelta(seconds=1)).astimezone(BEIJING).date()
    listed_at = iso_beijing(now)
    for region in (only_regions if only_regions is not None else regions()):
        report.regions.append(region)
        report.reinstated += lift.repair(region)
        job = f"suspensions#{year}#{region}"
        if life_events.job_done(job):  # the list of that year stands; later runs only repair
            report.skipped += 1
            continue
        for page in uncertified_pages(year, region, page_size, registered_by=due):
            for person in page:
                entry = LifeStatusTable(
                    person.id_key, life_events.suspension_item(year), state="suspended", name=person.name,
                    id_sealed=person.id_sealed, region=person.region, unit=person.unit, year=str(year),
                    since=since.isoformat(), reason=REASON.format(year=year), created_at=now,
                    **life_events.listed("suspended", person.region, listed_at, person.id_key))
                if life_events.put_once(entry):
                    report.suspended += 1
                else:
                    report.already += 1
        life_events.mark_job_done(job, now, f"{report.suspended}")
    return report
