"""Rolling windows of attempts, made atomic with conditional writes on one item per limit.

A window of ``size`` attempts per ``seconds`` is a list of ``size`` slots holding the epoch second
of the attempt that took it (0: never taken). An attempt takes the oldest slot if that one has left
the window, by an update conditioned on the slot still holding what was read: two concurrent
attempts that read the same slot cannot both take it; the loser reads again. A window therefore
never lets more than ``size`` attempts through in any ``seconds``, whatever the concurrency.
"""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from pensioncert.dal.tables import LimitTable
from pensioncert.dal.transactions import LostRace, is_conditional_failure, retry_lost_races

_MAX_RACES = 50


@dataclass(frozen=True)
class Window:
    name: str  # e.g. "contact-adds"
    size: int
    seconds: int

    def key(self, owner: str) -> str:
        return f"{self.name}#{owner}"


@dataclass(frozen=True)
class Taken:
    """A slot taken at ``at``; ``left`` attempts remain in the window after this one."""

    slot: int
    at: int
    left: int


def take(window: Window, owner: str, now: int) -> Taken | None:
    """Take an attempt at epoch second ``now``; None when the window is full."""
    key = window.key(owner)

    def attempt() -> Taken | None:
        slots = _slots(window, key)
        oldest = min(range(window.size), key=lambda i: slots[i])
        if slots[oldest] > now - window.seconds:
            return None
        try:
            LimitTable(key).update(
                actions=[LimitTable.slots[oldest].set(now)],
                condition=LimitTable.slots[oldest] == slots[oldest],
            )
        except UpdateError as error:
            if not is_conditional_failure(error):
                raise
            raise LostRace from None
        slots[oldest] = now
        return Taken(oldest, now, _free(slots, window, now))

    return retry_lost_races(attempt, attempts=_MAX_RACES,
                            gives_up=RuntimeError(f"limit {key} kept changing under concurrent writes"))


def give_back(window: Window, owner: str, taken: Taken) -> None:
    """Free a slot taken for an attempt that, in the end, does not count (it succeeded)."""
    try:
        LimitTable(window.key(owner)).update(
            actions=[LimitTable.slots[taken.slot].set(0)],
            condition=LimitTable.slots[taken.slot] == taken.at,
        )
    except UpdateError as error:
        if not is_conditional_failure(error):
            raise


def left(window: Window, owner: str, now: int) -> int:
    """Attempts still free in the window at ``now`` (a read: for answers, not for deciding)."""
    return _free(_slots(window, window.key(owner), create=False), window, now)


def _free(slots: list[int], window: Window, now: int) -> int:
    return sum(1 for at in slots if at <= now - window.seconds)


def _slots(window: Window, key: str, create: bool = True) -> list[int]:
    """The window's slots, created empty on first use. A window's size is fixed for its name
    (a new size takes a new name), so a slot index always means the same slot."""
    try:
        return [int(at) for at in LimitTable.get(key, consistent_read=True).slots]
    except DoesNotExist:
        if not create:
            return [0] * window.size
    try:
        LimitTable(key, slots=[0] * window.size).save(condition=LimitTable.key.does_not_exist())
    except PutError as error:
        if not is_conditional_failure(error):
            raise
    return _slots(window, key, create=False)
