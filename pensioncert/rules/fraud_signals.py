"""Fraud signals (issue 19): patterns in the audit log that a person should look at. Each is a
trigger for human review, never a decision: a signal stops nothing and changes no record.

Each signal names the audit actions it reads and the threshold at which the records behind it are
listed. The admin service (admin/fraud_signals.py) reads the events through admin.audit, so an
operator sees the signals of their own regions only."""
from __future__ import annotations

from dataclasses import dataclass

# The window the signals look back over: the audit log answers at most 31 days per query.
WINDOW_DAYS = 31

# An account that added this many different people as contacts within the window: a household's
# parents and parents-in-law are four, so a fifth person is more than a family certifying its own.
# Finding 5's stranger added retirees he did not know.
CONTACTS_ADDED_TO_MANY_PEOPLE = 5

# Every replaced or removed reference photo is listed: finding 3's rogue operator swapped one for an
# accomplice's face, and a swap is rare enough to look at each time.
REFERENCE_PHOTO_ACTIONS = ("set_staff_photo", "remove_reference_photo")
CONTACT_ADD_ACTION = "contact_add"

# Staff actions that cause or approve a certification (a visit's outcome, an overseas certificate,
# the second person's approval), and the Beijing hours at which one is listed: offices and home
# visits keep daytime hours, so a certification recorded at night is worth a look.
CERTIFYING_ACTIONS = ("hv_outcome", "overseas_certify", "confirm_approved")
ODD_HOURS_FROM, ODD_HOURS_UNTIL = 22, 6  # 22:00 to 05:59 Beijing


@dataclass(frozen=True)
class Signal:
    key: str
    title: str
    how_to_read: str


CONTACTS_TO_MANY = Signal(
    "contacts_to_many", "一个账户添加多名亲友",
    f"同一APP账户{WINDOW_DAYS}天内添加了{CONTACTS_ADDED_TO_MANY_PEOPLE}名以上不同的人员为亲友。"
    "核对这些人员是否确为其家属；非亲属的，联系被添加人员本人核实。")
REFERENCE_PHOTO_REPLACED = Signal(
    "reference_photo_replaced", "比对照片被更换或删除",
    f"{WINDOW_DAYS}天内每一次更换（现场照片经批准后生效）或删除比对照片。核对采集人、批准人和理由，"
    "更换后的首次认证宜由本人到场确认。")
CERTIFIED_AT_ODD_HOURS = Signal(
    "certified_at_odd_hours", "夜间办理认证",
    f"{ODD_HOURS_FROM}:00至次日{ODD_HOURS_UNTIL}:00（北京时间）登记的上门结果、境外认证或第二人批准。"
    "核对当时是否确有上门或值班安排，必要时联系本人核实。")

SIGNALS = (CONTACTS_TO_MANY, REFERENCE_PHOTO_REPLACED, CERTIFIED_AT_ODD_HOURS)


def at_odd_hours(hour: int) -> bool:
    """Whether a Beijing hour (0-23) falls in the night window."""
    return hour >= ODD_HOURS_FROM or hour < ODD_HOURS_UNTIL


def contacts_to_many(events_by_account: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The accounts whose successful contact additions reach the threshold in distinct people,
    each with those events."""
    return {account: events for account, events in events_by_account.items()
            if len({event["target"] for event in events}) >= CONTACTS_ADDED_TO_MANY_PEOPLE}
