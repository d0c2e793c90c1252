"""What an imported life event does (rules in rules/life_events.py): certify by ``data_match``,
record a death (status, overpayments), suspend while imprisoned, flag an exit for the overseas
process. Every effect is idempotent, so a row imported again (or whose effect was interrupted)
applies it again without changing anything twice."""
from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING

from pensioncert import labels, normalize
from pensioncert.clock import BEIJING, beijing_date, iso_beijing
from pensioncert.dal import certifications, registry
from pensioncert.dal import life_events as dal
from pensioncert.dal.life_tables import LifeStatusTable
from pensioncert.logic import eligibility
from pensioncert.logic.certification import record_unless_certified
from pensioncert.rules import life_events as rules
from pensioncert.rules.certification import ALREADY_CERTIFIED, DATA_MATCH, certification_year, effective_facts

if TYPE_CHECKING:
    from pensioncert.services import Services

OPERATOR = labels.DATA_MATCH


def apply_event(svc: Services, person, event_type: str, event_date: date, source: str, actor: dict, *,
                events: list[rules.Event] | None = None, certified: bool | None = None) -> str:
    """The outcome: ``certified``, ``recorded`` (counts, not enough yet or not this year),
    ``already_certified``, ``not_recipient``, ``deceased``, ``suspended``, ``flagged``. ``events``,
    ``certified``: what a proof of life certifies from, when the caller read it (certify_from_events)."""
    if event_type == "death_record":
        return _list_death_for_confirmation(svc, person, event_date, source, actor)
    if event_type in rules.STOPS:
        return stop_payments(svc, person, event_type, event_date, source, actor)
    if event_type in rules.FLAGS:
        return _flag(svc, person, event_date, source)
    if event_type == "return_home":
        _unflag(person.id_key)
    return certify_from_events(svc, person, events, certified=certified)


def _status(svc: Services, person) -> str:
    today = beijing_date(svc.clock.now())
    return effective_facts(person.name, person.status, person.corrected_name, person.corrected_status,
                           person.correction_effective, today).status


def _events(subject_key: str) -> list[rules.Event]:
    return [rules.Event(e.event_type, date.fromisoformat(e.event_date), e.source)
            for e in dal.events_of(subject_key)]


def died_on(events: list[rules.Event]) -> date | None:
    deaths = [e.event_date for e in events if e.event_type == "death_record"]
    return min(deaths) if deaths else None


def certify_from_events(svc: Services, person, events: list[rules.Event] | None = None, *,
                        certified: bool | None = None) -> str:
    """Store this year's ``data_match`` certification when the person's events qualify, under the
    once-a-year rule of every method, with the events that counted. ``events`` (the person's stored
    events) and ``certified`` (whether the year's certification is stored) are read here unless the
    caller has them (the event import reads them once per person and batch); a stale ``certified``
    is harmless: the certification's conditional write decides."""
    now = svc.clock.now()
    year = certification_year(now)
    decision = eligibility.may_certify_person(svc, person.id_key, person, DATA_MATCH, certified=certified)
    if decision.reason == ALREADY_CERTIFIED:
        return "already_certified"
    if decision.reason is not None:  # not a recipient today: the path asks no name, and has the record
        return "not_recipient"
    if events is None:
        events = _events(person.id_key)
    if died_on(events) is not None:
        return "deceased"
    counted = rules.qualifying(events, year, now.astimezone(BEIJING).date(), died_on(events))
    if not counted:
        return "recorded"
    evidence = json.dumps([{"date": e.event_date.isoformat(), "source": e.source, "event_type": e.event_type}
                           for e in counted], ensure_ascii=False)
    if record_unless_certified(svc, person.id_key, year, "data_match", operator=OPERATOR,
                               region=person.region, unit=person.unit, evidence=evidence) is None:
        return "already_certified"
    return "certified"


def _list_death_for_confirmation(svc: Services, person, event_date: date, source: str, actor: dict) -> str:
    """A feed's death record stops nothing by itself: it is listed for a staff member's
    confirmation (rules/four_eyes.py), once per person, date and source, however often the feed is
    imported; the confirmation stops payments (``stop_payments``)."""
    from pensioncert.logic import confirmations
    from pensioncert.rules import four_eyes

    if _status(svc, registry.get_person(person.id_key) or person) == "deceased":
        return "deceased"
    listing = svc.vault.lookup("death-listing", json.dumps([person.id_key, event_date.isoformat(), source]))
    confirmations.request(
        svc, kind=four_eyes.DEATH_RECORD, region=person.region, requested_by=actor["actor"],
        requested_by_name=actor["actor_name"], person=person, confirmation_id="cf_death_" + listing[:32],
        detail={"event_date": event_date.isoformat(), "source": source})
    return "death_pending_confirmation"


def stop_payments(svc: Services, person, event_type: str, event_date: date, source: str, actor: dict) -> str:
    """Death → ``deceased`` (payments stop from the next month; months paid after it listed for
    recovery); imprisonment → ``suspended``. The registry status changes at once (today), with
    its counters and an audit event in one transaction (dal.registry.schedule_correction)."""
    now = svc.clock.now()
    new_status = rules.STOPS[event_type]
    person = registry.get_person(person.id_key) or person  # an earlier row may have changed it
    current = _status(svc, person)
    id_number = svc.vault.open(person.id_sealed)
    target = f"{person.name} {normalize.mask_id_number(id_number)}"
    if current != new_status and current != "deceased":
        registry.schedule_correction(
            person.id_key, name=None, status=new_status, effective=beijing_date(now), now=now,
            audit=lambda before: {
                **actor, "action": "life_event_status", "target": target, "region": person.region,
                "before": {labels.FIELD_STATUS: current},
                "after": {labels.FIELD_STATUS: new_status, labels.FIELD_EVENT: rules.LABELS[event_type],
                          labels.FIELD_EVENT_DATE: event_date.isoformat(), labels.FIELD_SOURCE: source},
                "reason": labels.AUDIT_LIFE_EVENT_REASON.format(event=rules.LABELS[event_type])})
    if event_type == "death_record":
        record_overpayment(svc, person, event_date)
        return "deceased"
    dal.put_once(LifeStatusTable(
        person.id_key, "imprisonment", state="suspended", name=person.name, id_sealed=person.id_sealed,
        region=person.region, unit=person.unit, since=event_date.isoformat(), reason=labels.SUSPENDED_IN_PRISON,
        created_at=now, **dal.listed("imprisoned", person.region, iso_beijing(now), person.id_key)))
    return "suspended"


def record_overpayment(svc: Services, person, died: date) -> LifeStatusTable | None:
    """List the months paid after a death (and any certification stored after it) for recovery.
    Months already withheld by a suspension for a missed year are not overpaid."""
    now = svc.clock.now()
    today = now.astimezone(BEIJING).date()
    paid_through = today
    for suspension in dal.open_suspensions(person.id_key)[:1]:
        since = date.fromisoformat(suspension.since)
        paid_through = min(today, date(since.year - (since.month == 1), (since.month - 2) % 12 + 1, 1))
    months = rules.overpaid_months(died, paid_through)
    after_death = [{"year": int(c.year), "method": c.method, "certified_at": c.certified_at}
                   for c in certifications.history(person.id_key) if c.certified_at[:10] > died.isoformat()]
    if not months and not after_death:
        return None
    entry = LifeStatusTable(
        person.id_key, dal.OVERPAYMENT, state="open", name=person.name, id_sealed=person.id_sealed,
        region=person.region, unit=person.unit, since=died.isoformat(), months=months,
        reason=labels.PAID_AFTER_DEATH, detail=json.dumps({"certifications_after_death": after_death}, ensure_ascii=False),
        created_at=now, **dal.listed("overpayment", person.region, iso_beijing(now), person.id_key))
    dal.put_once(entry)
    return entry


def _flag(svc: Services, person, event_date: date, source: str) -> str:
    """On the overseas-review list, unless a later (or this) exit is already recorded: a feed
    imported again does not reopen a flag that a return home closed."""
    now = svc.clock.now()
    entry = LifeStatusTable(
        person.id_key, dal.EXIT_FLAG, state="open", name=person.name, id_sealed=person.id_sealed,
        region=person.region, unit=person.unit, since=event_date.isoformat(), reason=labels.WENT_ABROAD.format(source=source),
        created_at=now, **dal.listed("overseas_review", person.region, iso_beijing(now), person.id_key))
    dal.save_if(entry, LifeStatusTable.item.does_not_exist() | (LifeStatusTable.since < event_date.isoformat()))
    return "flagged"


def _unflag(subject_key: str) -> None:
    entry = dal.get_item(subject_key, dal.EXIT_FLAG)
    if entry is not None and entry.state == "open":
        entry.update(actions=[LifeStatusTable.state.set("closed"), LifeStatusTable.list_key.remove(),
                              LifeStatusTable.listed_at.remove()])


def evidence_of(certification, *, to_relative: bool) -> list[dict]:
    """The contract's ``evidence`` of a data_match certification: ``[{"date", "source",
    "event_type"}]`` plus the Chinese ``label``; a relative sees a hospital as 医疗机构."""
    if not certification or not certification.evidence:
        return []
    return [{"date": e["date"], "event_type": e["event_type"],
             "source": rules.shown_source(e["event_type"], e["source"], to_relative=to_relative),
             "label": rules.LABELS.get(e["event_type"], e["event_type"])}
            for e in json.loads(certification.evidence)]
