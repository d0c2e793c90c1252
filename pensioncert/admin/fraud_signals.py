"""风险提示 (issue 19): the fraud signals of rules/fraud_signals.py, each with the records behind it,
for staff to review, and their export. Audit events are read through admin.audit, which masks people
as the log stores them and shows an operator only their own regions' events; certifications, failed
tries and session tallies are read region by region (an operator's regions, every region with
recipients for a provincial administrator), people masked here the same way. Every record is a row of
the same shape (``_row``), so the page and the export list them alike."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, exports, labels
from pensioncert.admin.principal import require_staff
from pensioncert.clock import BEIJING
from pensioncert.dal import certifications, liveness_sessions, registry
from pensioncert.jobs import regions as regions_with_recipients
from pensioncert.logic.contacts import mask_name
from pensioncert.rules import fraud_signals as rules

if TYPE_CHECKING:
    from pensioncert.services import Services

TITLE = labels.FRAUD_SIGNALS_TITLE
MISMATCH_LABEL = labels.FACE_MISMATCH_FAILURE
EXPORT_HEADER = labels.FRAUD_SIGNALS_HEADER


def signals(svc: Services, principal) -> list[dict]:
    """Every signal in the last ``WINDOW_DAYS`` Beijing days: ``{"key", "title", "how_to_read",
    "records"}``, each record an audit row with ``subject`` (who the signal is about)."""
    require_staff(principal)
    return [_signal(rules.CONTACTS_TO_MANY, _contacts_to_many(svc, principal)),
            _signal(rules.REFERENCE_PHOTO_REPLACED, _reference_photos_replaced(svc, principal)),
            _signal(rules.CERTIFIED_AT_ODD_HOURS, _certified_at_odd_hours(svc, principal)),
            _signal(rules.PROXY_CERTIFIED_MANY, _proxy_certified_many(svc, principal)),
            _signal(rules.VISITS_BEYOND_A_DAY, _visits_beyond_a_day(svc, principal)),
            _signal(rules.NEAR_THRESHOLD_AFTER_MISMATCH, _near_threshold_after_mismatch(svc, principal)),
            _signal(rules.SESSIONS_UNFINISHED, _sessions_unfinished(svc, principal))]


def rows(svc: Services, principal) -> list[dict]:
    """The signals' records as one table, each row titled by its signal (the page's grid)."""
    return [{"signal": signal["title"], **record} for signal in signals(svc, principal)
            for record in signal["records"]]


def export(svc: Services, principal) -> tuple[str, bytes]:
    """The records of every signal as CSV (filename, bytes), audited."""
    table = rows(svc, principal)
    name = labels.FRAUD_SIGNALS_FILE.format(day=f"{svc.clock.now().astimezone(BEIJING):%Y%m%d}")
    audit.record(svc, principal, "fraud_signals_export", target=f"{name}.csv")
    return f"{name}.csv", exports.csv_bytes(
        [EXPORT_HEADER, *([row["signal"], row["subject"], row["time"], row["actor_name"] or row["actor"],
                           row["action_label"], row["target"], row["region"], row["after"]] for row in table)])


def _signal(signal: rules.Signal, records: list[dict]) -> dict:
    return {"key": signal.key, "title": signal.title, "how_to_read": signal.how_to_read, "records": records}


def _window(svc: Services) -> tuple[date, date]:
    """The first and last Beijing day the signals look at."""
    today = svc.clock.now().astimezone(BEIJING).date()
    return today - timedelta(days=rules.WINDOW_DAYS - 1), today


def _events(svc: Services, principal, action: str) -> list[dict]:
    first, today = _window(svc)
    return audit.search(svc, principal, day_from=first.isoformat(), day_to=today.isoformat(), action=action)


def _row(*, subject: str, time: str, actor: str, actor_name: str, action_label: str, target: str,
         region: str, after: str = "", reason: str = "") -> dict:
    """A record in the shape of an audit row (admin.audit), for the page's grid and the export."""
    return {"subject": subject, "time": time, "actor": actor, "actor_name": actor_name, "action": "",
            "action_label": action_label, "target": target, "region": region, "before": "", "after": after,
            "reason": reason}


def _time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _person(svc: Services, subject_key: str) -> str:
    """A person as staff lists show them: name and masked ID number."""
    person = registry.get_person(subject_key)
    if person is None:
        return labels.PERSON_NOT_IN_REGISTRY
    return f"{person.name} {normalize.mask_id_number(svc.vault.open(person.id_sealed))}"


def _account(svc: Services, user_id: str | None) -> tuple[str, str]:
    """An app account as the audit log names it: ``app:<user_id>`` and the masked name."""
    account = svc.accounts.get(user_id) if user_id else None
    return f"app:{user_id}", mask_name(account.name) if account else ""


def _contacts_to_many(svc: Services, principal) -> list[dict]:
    by_account: dict[str, list[dict]] = defaultdict(list)
    for event in _events(svc, principal, rules.CONTACT_ADD_ACTION):
        if json.loads(event["after"] or "{}").get("outcome") == "added":
            by_account[event["actor"]].append(event)
    flagged = rules.contacts_to_many(by_account)
    return [{**event, "subject": labels.APP_ACCOUNT.format(name=event["actor_name"])} for events in flagged.values() for event in events]


def _reference_photos_replaced(svc: Services, principal) -> list[dict]:
    return [{**event, "subject": event["target"]} for action in rules.REFERENCE_PHOTO_ACTIONS
            for event in _events(svc, principal, action)]


def _certified_at_odd_hours(svc: Services, principal) -> list[dict]:
    # audit rows carry Beijing time as "YYYY-MM-DD HH:MM:SS"
    return [{**event, "subject": event["actor_name"] or event["actor"]} for action in rules.CERTIFYING_ACTIONS
            for event in _events(svc, principal, action) if rules.at_odd_hours(int(event["time"][11:13]))]


def _proxy_certified_many(svc: Services, principal) -> list[dict]:
    first, _today = _window(svc)
    by_account: dict[str, list[certifications.RegionCertification]] = defaultdict(list)
    for region in principal.named_regions(regions_with_recipients):
        for found in certifications.in_region_since(region, first.isoformat(), method=rules.PROXY_METHOD):
            if found.operator_user_id:
                by_account[found.operator_user_id].append(found)
    flagged = rules.proxy_certified_many({user_id: [{"subject_key": found.subject_key} for found in rows]
                                          for user_id, rows in by_account.items()})
    records = []
    for user_id in flagged:
        actor, actor_name = _account(svc, user_id)
        records += [_row(subject=labels.APP_ACCOUNT.format(name=actor_name), time=_time(found.certified_at), actor=actor,
                         actor_name=actor_name, action_label=labels.METHODS[rules.PROXY_METHOD],
                         target=_person(svc, found.subject_key), region=found.region,
                         after=_similarity(found.similarity))
                    for found in sorted(by_account[user_id], key=lambda found: found.certified_at)]
    return records


def _visits_beyond_a_day(svc: Services, principal) -> list[dict]:
    by_staff_day: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for event in _events(svc, principal, rules.VISIT_OUTCOME_ACTION):
        by_staff_day[(event["actor"], event["time"][:10])].append(event)  # audit rows: Beijing time
    return [{**event, "subject": f"{event['actor_name'] or event['actor']} {day}"}
            for (_actor, day), events in rules.visits_beyond_a_day(by_staff_day).items() for event in events]


def _near_threshold_after_mismatch(svc: Services, principal) -> list[dict]:
    threshold, _scale = svc.vision.match_rule()
    first, _today = _window(svc)
    records = []
    for region in principal.named_regions(regions_with_recipients):
        for found in certifications.in_region_since(region, first.isoformat(), similarity_from=threshold,
                                                    similarity_below=threshold + rules.NEAR_MATCH_BAND):
            if not rules.near_threshold(found.similarity, threshold):
                continue
            certified_at = datetime.fromisoformat(found.certified_at)
            mismatches = [tried for tried in certifications.failed_tries(found.subject_key, found.year)
                          if tried.reason == rules.FACE_MISMATCH and tried.at < certified_at]
            if not mismatches:
                continue
            person = _person(svc, found.subject_key)
            records.append(_row(subject=person, time=_time(found.certified_at), actor=found.operator_user_id or "",
                                actor_name=found.operator or "", action_label=labels.METHODS.get(found.method, found.method),
                                target=person, region=found.region, after=_similarity(found.similarity)))
            records += [_row(subject=person, time=_time(tried.at.isoformat()), actor="", actor_name=tried.by,
                             action_label=labels.FACE_MATCH_FAILED, target=person, region=found.region,
                             after=MISMATCH_LABEL) for tried in mismatches]
    return records


def _sessions_unfinished(svc: Services, principal) -> list[dict]:
    first, today = _window(svc)
    days = [(first + timedelta(days=offset)).strftime("%Y%m%d") for offset in range((today - first).days + 1)]
    by_account: dict[tuple[str, str], list[liveness_sessions.DayTally]] = defaultdict(list)
    for tally in liveness_sessions.day_tallies(principal.region_filter, days):
        by_account[(tally.user_id, tally.region)].append(tally)
    records = []
    for (user_id, region), tallies in by_account.items():
        if not rules.sessions_unfinished(sum(t.opened for t in tallies), sum(t.completed for t in tallies)):
            continue
        actor, actor_name = _account(svc, user_id)
        records += [_row(subject=labels.APP_ACCOUNT.format(name=actor_name), time=f"{t.day[:4]}-{t.day[4:6]}-{t.day[6:]}",
                         actor=actor, actor_name=actor_name, action_label=labels.SESSIONS_OPENED, target="",
                         region=region, after=labels.SESSIONS_OPENED_AND_COMPLETED.format(opened=t.opened, completed=t.completed)) for t in tallies]
    return records


def _similarity(value: float | None) -> str:
    return "" if value is None else labels.SIMILARITY_SHOWN.format(value=value)
