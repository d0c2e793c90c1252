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


ALREADY_CERTIFIED = "ALREADY_CERTIFIED"  # the once-a-year reason, by any method this calendar year


@dataclass(frozen=True)
class CertifyPath:
    """What one door asks before it certifies ("may this person certify now?", answered by
    ``eligibility_reason`` and logic.eligibility.may_certify). The app asks everything; each other
    door asks less, and every difference is a named field set below with its reason. The pre-check
    only answers early: the year's one certification is decided by the conditional write
    (dal.certifications.store_once)."""

    name: str
    checks_record: bool = True  # the registry record: found, and its status a recipient's
    checks_name: bool = True  # the name the caller claims is the record's (RECORD_MISMATCH)
    # A correction counts as soon as it is set, not from its effective date on (effective_facts).
    correction_at_once: bool = False
    # The ID number's record only while current: an ID-number correction switches numbers at
    # midnight (is_current). Off where staff work on a record they already hold (a case, a list).
    current_record_only: bool = True


# The app and the proxy app: the contract's grey button, every reason in the contract's order.
APP = CertifyPath("app")
# Staff saw the person at the visit and work on the case's record: no claimed name to compare.
HOME_VISIT = CertifyPath("home_visit", checks_name=False, current_record_only=False)
# The status as last set, without waiting for a correction's effective date: what the admin's
# counters count (dal.stats.counted_place); the app and home visits wait for it. Kept as it was
# before issue 21 made it visible; whether overseas should wait too is the agency's call.
OVERSEAS = CertifyPath("overseas", checks_name=False, correction_at_once=True, current_record_only=False)
# A feed matched the ID number, and the import checked the row's name: no claimed name here.
DATA_MATCH = CertifyPath("data_match", checks_name=False, current_record_only=False)
# A proof-of-life row of a feed for someone certified this year is counted already_certified
# whatever the record says now: the year is proved, and no more is read (logic.event_import).
DATA_MATCH_COUNTED = CertifyPath("data_match_counted", checks_record=False, checks_name=False,
                                 current_record_only=False)
# An appeal asks only whether the year is certified: the session it appeals passed the app's
# eligibility when it opened, and its reviewer's pass is stored under the once-a-year write.
APPEAL = CertifyPath("appeal", checks_record=False, checks_name=False, current_record_only=False)


def effective_facts(name: str, status: str, corrected_name: str | None,
                    corrected_status: str | None, correction_effective: str | None,
                    today: str, *, at_once: bool = False) -> RegistryFacts:
    """The record as it stands today: a correction counts from its effective date (YYYYMMDD) on,
    or as soon as it is set with ``at_once`` (CertifyPath.correction_at_once)."""
    if at_once or (correction_effective and today >= correction_effective):
        return RegistryFacts(name=corrected_name or name, status=corrected_status or status)
    return RegistryFacts(name=name, status=status)


def is_current(item, today: str) -> bool:
    """Whether a registry or card item counts today (YYYYMMDD): an ID-number correction ends the
    item at the wrong number (``valid_until``, exclusive) and starts the one at the right number
    (``valid_from``) on the same day. Items without either are always current."""
    valid_from = getattr(item, "valid_from", None)
    valid_until = getattr(item, "valid_until", None)
    return (not valid_from or today >= valid_from) and (not valid_until or today < valid_until)


def record_reason(record: RegistryFacts | None, claimed_name: str | None, path: CertifyPath = APP) -> str | None:
    """The reason the registry record refuses a certification on ``path``, else None."""
    if not path.checks_record:
        return None
    if record is None:
        return "NOT_FOUND"
    if path.checks_name and record.name != claimed_name:
        return "RECORD_MISMATCH"
    if record.status == "not_recipient":
        return "NOT_A_RECIPIENT"
    if record.status in ("suspended", "deceased"):
        return "SUSPENDED_DECEASED"
    return None


def eligibility_reason(
    record: RegistryFacts | None, claimed_name: str | None, certified_this_year: bool,
    path: CertifyPath = APP,
) -> str | None:
    """None when the subject may certify now on ``path``, else the contract's reason (the grey
    button): the record's reasons first, then the once-a-year one."""
    reason = record_reason(record, claimed_name, path)
    if reason is None and certified_this_year:
        return ALREADY_CERTIFIED
    return reason


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
