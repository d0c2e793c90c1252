"""Daily caps on liveness sessions (issue 18, contract v1.2 ``429 SESSION_LIMIT``): re-rolling the
draw costs something. A Beijing calendar day's sessions are counted per subject and per account,
each purpose (certification, real-name binding) on its own counters, so a stranger's real-name
sessions with a retiree's ID number never use the retiree's certification sessions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pensioncert.clock import BEIJING


@dataclass(frozen=True)
class Cap:
    key: str  # the counter's item (dal/limits' table): "<purpose>-sessions-<who>#<owner>#<YYYYMMDD>"
    limit: int
    who: str  # "subject" | "account"


def day_of(now: datetime) -> str:
    return now.astimezone(BEIJING).strftime("%Y%m%d")


def retry_at(now: datetime) -> datetime:
    """When a capped caller may open a session again: the next Beijing midnight."""
    local = now.astimezone(BEIJING)
    return datetime(local.year, local.month, local.day, tzinfo=BEIJING) + timedelta(days=1)


def caps(purpose: str, *, subject_key: str, user_id: str, now: datetime, per_subject: int,
         per_account: int) -> list[Cap]:
    """The counters one session opened at ``now`` takes a unit of, with their limits."""
    day = day_of(now)
    return [Cap(f"{purpose}-sessions-subject#{subject_key}#{day}", per_subject, "subject"),
            Cap(f"{purpose}-sessions-account#{user_id}#{day}", per_account, "account")]
