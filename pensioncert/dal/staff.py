"""Agency staff accounts: one item each, lock state on the item (the app accounts' counter)."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from pensioncert.dal import lock_counter
from pensioncert.dal.admin_tables import StaffTable
from pensioncert.dal.errors import save_if
from pensioncert.rules.lockout import LockoutPolicy, LockState

lock_state_of = lock_counter.lock_state_of


def create(staff: StaffTable) -> bool:
    """False when the username is taken."""
    return save_if(staff, StaffTable.username.does_not_exist())


def get(username: str) -> StaffTable | None:
    try:
        return StaffTable.get(username, consistent_read=True)
    except DoesNotExist:
        return None


def all_staff() -> list[StaffTable]:
    """Every staff account (dozens per province: the assignment list, not a dashboard)."""
    return sorted(StaffTable.scan(), key=lambda staff: staff.username)


def record_failure(staff: StaffTable, policy: LockoutPolicy, now: datetime) -> LockState:
    return lock_counter.record_failure(StaffTable, staff, policy, now)


def record_success(staff: StaffTable, now: datetime) -> LockState:
    return lock_counter.record_success(StaffTable, staff, now,
                                       extra_actions=[StaffTable.last_login_at.set(now)])


def unlock(staff: StaffTable) -> None:
    lock_counter.clear(StaffTable, staff)
