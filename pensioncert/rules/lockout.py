"""Lockout: the 3rd consecutive wrong password (or card PIN) locks for 24 hours from that moment.

The lock ends by itself at ``locked_until`` and the count starts afresh; a correct password, or a
password reset by SMS, clears both at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LockState:
    failed_attempts: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 3
    lock_duration: timedelta = timedelta(hours=24)
    # A wrong-password storm: the current count came from this many addresses or more. The owner
    # mistyping at home stays on one address; failures from two places before the lock are someone
    # else's, so every further try needs a captcha (and an alert goes out) before the 3rd locks.
    storm_addresses: int = 2

    def is_locked(self, state: LockState, now: datetime) -> bool:
        return state.locked_until is not None and now < state.locked_until

    def failures_so_far(self, state: LockState, now: datetime) -> int:
        """Consecutive failures still counting: an expired lock leaves none."""
        if state.locked_until is not None and now >= state.locked_until:
            return 0
        return state.failed_attempts

    def after_failure(self, state: LockState, now: datetime) -> LockState:
        failures = self.failures_so_far(state, now) + 1
        locked_until = now + self.lock_duration if failures >= self.max_failures else None
        return LockState(failed_attempts=failures, locked_until=locked_until)

    def attempts_left(self, state: LockState) -> int:
        return max(self.max_failures - state.failed_attempts, 0)

    def needs_captcha(self, state: LockState, sources: frozenset[str], now: datetime) -> bool:
        """Whether the next try needs a solved captcha (``sources``: where the count came from)."""
        return self.failures_so_far(state, now) > 0 and len(sources) >= self.storm_addresses
