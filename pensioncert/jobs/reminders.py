"""SMS reminders to recipients not yet certified, at the points before the due date in settings
(``reminder_days``: 60, 30, 7): at most one per person per point (a conditional put of the
reminder record before the notices are queued), never to anyone not a recipient (the deceased, the
suspended). The job queues the notices (``services().notices``, issue 22) and returns; the queue's
consumer (pensioncert/jobs/notices.py) sends them at the gateway's pace, each once. A relative
hears only with the person's consent (``logic.subjects.may_hear_about``, issue 19 finding 8): a
stranger who added the person gets no SMS about them.

The point a run serves is the nearest one already reached: a run 45 days before the due date
sends the 60-day reminder to whoever has not had it; a run after the due date sends nothing
(the suspension job takes over). A region's run of a point is recorded when it finishes, so the
daily schedule reads the recipients once per point, not every day; a run cut short is resumed
the next day, the reminder records keeping it to one SMS per person and point."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pensioncert import labels
from pensioncert.clock import BEIJING, iso_beijing
from pensioncert.dal import life_events
from pensioncert.dal.life_tables import LifeStatusTable
from pensioncert.jobs import regions, uncertified_pages
from pensioncert.logic.contacts import mask_name
from pensioncert.logic.subjects import may_hear_about
from pensioncert.rules.certification import PaymentPolicy, certification_year
from pensioncert.sms.queue import QueuedNotice, queued_notice

if TYPE_CHECKING:
    from pensioncert.services import Services

HOW_TO = labels.REMINDER_HOW_TO


@dataclass
class ReminderReport:
    """``sent``: people whose reminders were queued (``messages`` of them, one per phone);
    ``failed``: people none of whose reminders the queue took (their record goes: tried again)."""

    year: int
    point: int | None
    recipients_uncertified: int = 0
    sent: int = 0
    already: int = 0
    no_phone: int = 0
    failed: int = 0
    messages: int = 0
    skipped: int = 0
    regions: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(vars(self))


def current_point(days_left: int, points) -> int | None:
    """The nearest reminder point reached ``days_left`` days before the due date, or None."""
    reached = [point for point in points if 0 <= days_left <= point]
    return min(reached) if reached else None


def text(year: int, due_by: str, name_masked: str | None) -> str:
    whom = labels.REMINDER_WHOM_RELATIVE.format(name=name_masked) if name_masked else labels.REMINDER_WHOM_SELF
    return labels.REMINDER_SMS.format(whom=whom, year=year, due_by=due_by, how_to=HOW_TO)


def run(svc: Services, page_size: int = 100, only_regions=None) -> ReminderReport:
    now = svc.clock.now()
    year = certification_year(now)
    due = PaymentPolicy(svc.settings.payment_warning_days).due_by(year)
    days_left = (due.date() - now.astimezone(BEIJING).date()).days
    point = current_point(days_left, svc.settings.reminder_days)
    report = ReminderReport(year, point)
    if point is None:
        return report
    due_text = labels.DATE_IN_WORDS.format(year=due.year, month=due.month, day=due.day)
    for region in (only_regions if only_regions is not None else regions()):
        report.regions.append(region)
        job = f"reminders#{year}#{point}#{region}"
        if life_events.job_done(job):  # this point's run of the region finished on an earlier day
            report.skipped += 1
            continue
        for page in uncertified_pages(year, region, page_size):
            report.recipients_uncertified += len(page)
            _remind(svc, page, year, point, due_text, now, report)
        if not report.failed:
            life_events.mark_job_done(job, now, f"{report.sent}")
    return report


def _remind(svc: Services, people, year: int, point: int, due_text: str, now, report: ReminderReport) -> None:
    """The reminders of one page of people, queued in one go (SQS takes ten a call)."""
    item = life_events.reminder_item(year, point)
    queued: dict[str, list[QueuedNotice]] = {}
    for person in people:
        relatives = [c.user_id for c in svc.contacts.having_subject(person.id_key) if may_hear_about(c)]
        phones = life_events.phones_of(person.id_key, relatives)
        if not phones:
            report.no_phone += 1  # the agency's list for a letter or a call (admin: 未认证名单)
            continue
        if not life_events.put_once(LifeStatusTable(person.id_key, item, state="sent", region=person.region,
                                                    year=str(year), created_at=now, since=iso_beijing(now)[:10])):
            report.already += 1
            continue
        masked = mask_name(person.name)
        queued[person.id_key] = [
            queued_notice(svc.vault, purpose="reminder", occasion=f"{person.id_key}#{year}#{point}",
                          phone_sealed=sealed, text=text(year, due_text, None if whom == "self" else masked),
                          params=(("year", str(year)), ("deadline", due_text)))
            for sealed, whom in phones]
    refused = {notice.notice_id for notice in svc.notices.put([n for notices in queued.values() for n in notices])}
    for subject_key, notices in queued.items():
        taken = sum(notice.notice_id not in refused for notice in notices)
        report.messages += taken
        if taken:
            report.sent += 1
        else:
            # Nothing of the person's was queued: the record goes, so the next run tries again.
            life_events.delete(subject_key, item)
            report.failed += 1
