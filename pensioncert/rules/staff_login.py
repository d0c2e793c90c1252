"""Staff login: a captcha after repeated failures and a short, capped backoff; never a long lock.

Two counts of consecutive wrong passwords, each ``lock_counter``'s conditional counter:
- the account's own (its item, ``without_waits``): from ``captcha_after`` every try of it needs a
  captcha, whoever makes it; it never makes anyone wait;
- each (address, user)'s (an ephemeral item): ``locked_until`` is read as "no try before" for that
  address only. It goes on across waits and ends with a correct password or a day without
  failures, so a guesser's waits grow to the cap while the user, from any other address, logs in
  with the right password (issue 19: the wait used to be the account's, so anyone who knew a
  username could hold its owner out for 15 minutes at a time). Settings: staff_*.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pensioncert.rules.lockout import LockState


@dataclass(frozen=True)
class StaffLoginPolicy:
    captcha_after: int = 3
    backoff_after: int = 5
    first_wait: timedelta = timedelta(minutes=1)
    max_wait: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings) -> StaffLoginPolicy:
        return cls(settings.staff_captcha_after_failures, settings.staff_backoff_after_failures,
                   timedelta(seconds=settings.staff_backoff_first_seconds),
                   timedelta(seconds=settings.staff_backoff_max_seconds))

    def is_locked(self, state: LockState, now: datetime) -> bool:
        """True while a wait is in force (the name is ``lock_counter``'s interface)."""
        return state.locked_until is not None and now < state.locked_until

    def needs_captcha(self, state: LockState) -> bool:
        return state.failed_attempts >= self.captcha_after

    def wait_after(self, failures: int) -> timedelta | None:
        if failures < self.backoff_after:
            return None
        return min(self.first_wait * 2 ** (failures - self.backoff_after), self.max_wait)

    def after_failure(self, state: LockState, now: datetime) -> LockState:
        failures = state.failed_attempts + 1
        wait = self.wait_after(failures)
        return LockState(failed_attempts=failures, locked_until=now + wait if wait else None)

    def without_waits(self) -> StaffLoginPolicy:
        """The account's own count: it asks for a captcha and never makes anyone wait."""
        return replace(self, backoff_after=sys.maxsize)
