"""Time, injectable: rules take ``now`` from a clock so tests can pass 24 hours in an instant."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


class Clock(Protocol):
    """What the services' ``clock`` is: the system's, or a test's ``FakeClock``."""

    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


def iso_beijing(moment: datetime) -> str:
    """The contract's time format: ISO 8601 with the +08:00 offset."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def beijing_date(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y%m%d")
