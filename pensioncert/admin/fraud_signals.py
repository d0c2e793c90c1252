"""风险提示 (issue 19): the fraud signals of rules/fraud_signals.py, each with the audit events behind
it, for staff to review, and their export. The events are read through admin.audit, which masks
people as the log stores them and shows an operator only their own regions' events."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import TYPE_CHECKING

from pensioncert.admin import audit, exports
from pensioncert.admin.principal import require_staff
from pensioncert.clock import BEIJING
from pensioncert.rules import fraud_signals as rules

if TYPE_CHECKING:
    from pensioncert.services import Services

TITLE = "风险提示"
EXPORT_HEADER = ["提示", "对象", "时间", "操作人", "操作", "涉及人员", "地区", "内容"]


def signals(svc: Services, principal) -> list[dict]:
    """Every signal in the last ``WINDOW_DAYS`` Beijing days: ``{"key", "title", "how_to_read",
    "records"}``, each record an audit row with ``subject`` (who the signal is about)."""
    require_staff(principal)
    return [_signal(rules.CONTACTS_TO_MANY, _contacts_to_many(svc, principal)),
            _signal(rules.REFERENCE_PHOTO_REPLACED, _reference_photos_replaced(svc, principal)),
            _signal(rules.CERTIFIED_AT_ODD_HOURS, _certified_at_odd_hours(svc, principal))]


def rows(svc: Services, principal) -> list[dict]:
    """The signals' records as one table, each row titled by its signal (the page's grid)."""
    return [{"signal": signal["title"], **record} for signal in signals(svc, principal)
            for record in signal["records"]]


def export(svc: Services, principal) -> tuple[str, bytes]:
    """The records of every signal as CSV (filename, bytes), audited."""
    table = rows(svc, principal)
    name = f"风险提示_{svc.clock.now().astimezone(BEIJING):%Y%m%d}"
    audit.record(svc, principal, "fraud_signals_export", target=f"{name}.csv")
    return f"{name}.csv", exports.csv_bytes(
        [EXPORT_HEADER, *([row["signal"], row["subject"], row["time"], row["actor_name"] or row["actor"],
                           row["action_label"], row["target"], row["region"], row["after"]] for row in table)])


def _signal(signal: rules.Signal, records: list[dict]) -> dict:
    return {"key": signal.key, "title": signal.title, "how_to_read": signal.how_to_read, "records": records}


def _events(svc: Services, principal, action: str) -> list[dict]:
    today = svc.clock.now().astimezone(BEIJING).date()
    first = today - timedelta(days=rules.WINDOW_DAYS - 1)
    return audit.search(svc, principal, day_from=first.isoformat(), day_to=today.isoformat(), action=action)


def _contacts_to_many(svc: Services, principal) -> list[dict]:
    by_account: dict[str, list[dict]] = defaultdict(list)
    for event in _events(svc, principal, rules.CONTACT_ADD_ACTION):
        if json.loads(event["after"] or "{}").get("outcome") == "added":
            by_account[event["actor"]].append(event)
    flagged = rules.contacts_to_many(by_account)
    return [{**event, "subject": f"APP账户 {event['actor_name']}"} for events in flagged.values() for event in events]


def _reference_photos_replaced(svc: Services, principal) -> list[dict]:
    return [{**event, "subject": event["target"]} for action in rules.REFERENCE_PHOTO_ACTIONS
            for event in _events(svc, principal, action)]


def _certified_at_odd_hours(svc: Services, principal) -> list[dict]:
    # audit rows carry Beijing time as "YYYY-MM-DD HH:MM:SS"
    return [{**event, "subject": event["actor_name"] or event["actor"]} for action in rules.CERTIFYING_ACTIONS
            for event in _events(svc, principal, action) if rules.at_odd_hours(int(event["time"][11:13]))]
