"""The certification rules: challenges, eligibility (the grey button), the yearly payment policy."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from pensioncert.clock import BEIJING
from pensioncert.errors import NOT_ELIGIBLE_MESSAGES
from vision_contract import steps

CHALLENGES = steps.CHALLENGES  # the names the app and the vision function share
METHODS = ("app", "proxy_app", "home_visit", "overseas", "agency", "data_match")

ELIGIBILITY_MESSAGES = NOT_ELIGIBLE_MESSAGES
# What a contact without the relative's consent hears as the reason of a not-eligible answer
# (issue 19, finding 8; who may hear more: logic.subjects.may_hear_about). The contract's field
# must hold one of its five codes; NOT_FOUND is the one that states no fact about a record: a
# made-up ID number gets it too, so it tells nothing beyond "not eligible", where the other four
# each say the ID number is in the registry and something of the person (a name, a status, a
# death, a certification). Its message is errors.REASON_NOT_TOLD, not 查无此人.
REASON_FOR_UNCONSENTED = "NOT_FOUND"


def pick_challenges(count: int, rng: random.Random | None = None) -> list[str]:
    """A random order of ``count`` (at least two) distinct challenges."""
    rng = rng or random.SystemRandom()
    return rng.sample(CHALLENGES, k=max(2, min(count, len(CHALLENGES))))


def certification_year(moment: datetime) -> int:
    return moment.astimezone(BEIJING).year


@dataclass(frozen=True)
class RegistryFacts:
    """What eligibility needs to know of the registry record of an ID number."""

    name: str
    status: str


def effective_facts(name: str, status: str, corrected_name: str | None,
                    corrected_status: str | None, correction_effective: str | None,
                    today: str) -> RegistryFacts:
    """The record as it stands today: a correction counts from its effective date (YYYYMMDD) on."""
    if correction_effective and today >= correction_effective:
        return RegistryFacts(name=corrected_name or name, status=corrected_status or status)
    return RegistryFacts(name=name, status=status)


def is_current(item, today: str) -> bool:
    """Whether a registry or card item counts today (YYYYMMDD): an ID-number correction ends the
    item at the wrong number (``valid_until``, exclusive) and starts the one at the right number
    (``valid_from``) on the same day. Items without either are always current."""
    valid_from = getattr(item, "valid_from", None)
    valid_until = getattr(item, "valid_until", None)
    return (not valid_from or today >= valid_from) and (not valid_until or today < valid_until)


def eligibility_reason(
    record: RegistryFacts | None, claimed_name: str, certified_this_year: bool
) -> str | None:
    """None when the subject may certify now, else the contract's reason (the grey button)."""
    if record is None:
        return "NOT_FOUND"
    if record.name != claimed_name:
        return "RECORD_MISMATCH"
    if record.status == "not_recipient":
        return "NOT_A_RECIPIENT"
    if record.status in ("suspended", "deceased"):
        return "SUSPENDED_DECEASED"
    if certified_this_year:
        return "ALREADY_CERTIFIED"
    return None


@dataclass(frozen=True)
class PaymentPolicy:
    """Once per calendar year: due by 31 December (Beijing time)."""

    warning_days: int = 60

    def due_by(self, year: int) -> datetime:
        return datetime(year + 1, 1, 1, tzinfo=BEIJING) - timedelta(seconds=1)

    def payment_status(self, now: datetime, certified_this_year: bool,
                       certified_last_year: bool, registered_this_year: bool = False) -> str:
        if certified_this_year:
            return "normal"
        if not certified_last_year and not registered_this_year:
            return "suspended"
        year = certification_year(now)
        if now >= self.due_by(year) - timedelta(days=self.warning_days):
            return "warning"
        return "normal"
