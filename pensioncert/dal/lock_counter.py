"""The failure counter and lock of an item (account or card), changed only by conditional writes.

Each write is conditioned on the counter and lock the caller read, so concurrent wrong passwords
cannot both count as the same attempt: a loser re-reads consistently and tries again. Each write
also leaves a mark of its own (``failure_mark``), so a write whose answer was lost, sent again by
the SDK and refused by its own effect, is known as done and not counted a second time.
"""
from __future__ import annotations

import secrets
from datetime import datetime

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from pensioncert.dal.tables import EphemeralTable
from pensioncert.dal.transactions import LostRace, is_conditional_failure, retry_lost_races
from pensioncert.rules.lockout import LockoutPolicy, LockState

_MAX_RACES = 50


def lock_state_of(item) -> LockState:
    return LockState(failed_attempts=item.failed_attempts or 0, locked_until=item.locked_until)


def _unchanged_since_read(table, state: LockState):
    count = table.failed_attempts == state.failed_attempts
    if state.failed_attempts == 0:
        count = count | table.failed_attempts.does_not_exist()
    if state.locked_until is None:
        return count & table.locked_until.does_not_exist()
    return count & (table.locked_until == state.locked_until)


def record_failure(table, item, policy: LockoutPolicy, now: datetime, *, extra_actions=(),
                   lock_actions=(), afresh_actions=(), again_actions=()) -> LockState:
    """Count one failure on ``item``; returns the state after it (locked if this one locked it).

    ``extra_actions`` go with every counted failure, ``lock_actions`` only with the one that locks;
    ``afresh_actions`` with a failure that starts the count afresh, ``again_actions`` with one that
    adds to a count (both under the same condition, so they always agree with the count).
    """
    def attempt() -> LockState:
        seen = lock_state_of(item)
        if policy.is_locked(seen, now):
            return seen
        after = policy.after_failure(seen, now)
        with_count = list(extra_actions)
        if afresh_actions or again_actions:
            with_count += afresh_actions if policy.failures_so_far(seen, now) == 0 else again_actions
        lock_action = (
            table.locked_until.set(after.locked_until)
            if after.locked_until
            else table.locked_until.remove()
        )
        mark = secrets.token_hex(8)
        actions = [table.failed_attempts.set(after.failed_attempts), lock_action, table.failure_mark.set(mark),
                   *with_count]
        if after.locked_until:
            actions.extend(lock_actions)
        try:
            item.update(actions=actions, condition=_unchanged_since_read(table, seen))
            return after
        except UpdateError as error:
            if not is_conditional_failure(error):
                raise
            item.refresh(consistent_read=True)
            if item.failure_mark == mark:  # our write landed; the SDK's resend met it
                return after
            raise LostRace from None

    return retry_lost_races(attempt, attempts=_MAX_RACES,
                            gives_up=RuntimeError("lock counter kept changing under concurrent writes"))


def record_success(table, item, now: datetime, extra_actions=()) -> LockState:
    """Clear the counter unless a lock is in force; returns the state (locked if it was)."""
    not_locked = table.locked_until.does_not_exist() | (table.locked_until <= now)
    try:
        item.update(
            actions=[table.failed_attempts.set(0), table.locked_until.remove(), *extra_actions],
            condition=not_locked,
        )
    except UpdateError as error:
        if not is_conditional_failure(error):
            raise
        item.refresh(consistent_read=True)
    return lock_state_of(item)


def clear(table, item, extra_actions=()) -> None:
    """Unlock unconditionally (password reset, staff unlock)."""
    item.update(actions=[table.failed_attempts.set(0), table.locked_until.remove(), *extra_actions])


def current_ephemeral(key: str, now: datetime) -> EphemeralTable:
    """The counter item under ``key``, or an empty one if none is current. TTL deletion is lazy, so an
    item past its ``expires_at`` is deleted here (conditioned on being the expired one) and the count
    starts afresh, as it would after the deletion."""
    try:
        item = EphemeralTable.get(key, consistent_read=True)
    except DoesNotExist:
        return EphemeralTable(key)
    if item.expires_at > now.timestamp():
        return item
    try:
        item.delete(condition=EphemeralTable.expires_at == item.expires_at)
    except DeleteError as error:
        if not is_conditional_failure(error):
            raise
        return current_ephemeral(key, now)
    return EphemeralTable(key)
