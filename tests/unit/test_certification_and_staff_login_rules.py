"""The certification rules and the staff login policy as plain functions (issue 21: they had no
unit test; the API and admin tests reached them only through DynamoDB)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from pensioncert.clock import BEIJING
from pensioncert.rules.certification import (
    CHALLENGES,
    PaymentPolicy,
    RegistryFacts,
    certification_year,
    effective_facts,
    eligibility_reason,
    is_current,
    pick_challenges,
)
from pensioncert.rules.lockout import LockState
from pensioncert.rules.staff_login import StaffLoginPolicy

RECIPIENT = RegistryFacts(name="王建国", status="recipient")


@pytest.mark.parametrize("record, claimed, certified, reason", [
    (None, "王建国", False, "NOT_FOUND"),
    (RECIPIENT, "王建民", False, "RECORD_MISMATCH"),
    (RegistryFacts("王建国", "not_recipient"), "王建国", False, "NOT_A_RECIPIENT"),
    (RegistryFacts("王建国", "suspended"), "王建国", False, "SUSPENDED_DECEASED"),
    (RegistryFacts("王建国", "deceased"), "王建国", True, "SUSPENDED_DECEASED"),
    (RECIPIENT, "王建国", True, "ALREADY_CERTIFIED"),
    (RECIPIENT, "王建国", False, None),
])
def test_eligibility_reason_in_the_contracts_order(record, claimed, certified, reason):
    assert eligibility_reason(record, claimed, certified) == reason


def test_a_correction_counts_from_its_effective_day_on():
    before = effective_facts("王建国", "recipient", "王建民", "deceased", "20260310", "20260309")
    on_the_day = effective_facts("王建国", "recipient", "王建民", "deceased", "20260310", "20260310")
    only_status = effective_facts("王建国", "recipient", None, "suspended", "20260310", "20260401")
    assert (before, on_the_day, only_status) == (
        RegistryFacts("王建国", "recipient"), RegistryFacts("王建民", "deceased"), RegistryFacts("王建国", "suspended"))


def test_an_item_is_current_from_valid_from_until_the_day_before_valid_until():
    corrected_away = SimpleNamespace(valid_from=None, valid_until="20260310")
    corrected_to = SimpleNamespace(valid_from="20260310", valid_until=None)
    assert [is_current(corrected_away, day) for day in ("20260309", "20260310")] == [True, False]
    assert [is_current(corrected_to, day) for day in ("20260309", "20260310")] == [False, True]
    assert is_current(SimpleNamespace(), "20260101") is True


def test_challenges_are_distinct_at_least_two_and_in_a_random_order():
    orders = {tuple(pick_challenges(2, random.Random(seed))) for seed in range(200)}
    assert all(len(set(order)) == 2 and set(order) <= set(CHALLENGES) for order in orders)
    assert len(orders) == 6  # every ordered pair of the three actions is drawn
    assert len(pick_challenges(1, random.Random(1))) == 2
    assert sorted(pick_challenges(9, random.Random(1))) == sorted(CHALLENGES)


def test_the_year_is_beijings():
    assert certification_year(datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)) == 2027  # 00:00 on 1 January in Beijing
    assert certification_year(datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)) == 2026


def test_payment_status_over_the_year():
    policy = PaymentPolicy(warning_days=60)
    due = policy.due_by(2026)
    assert due == datetime(2026, 12, 31, 23, 59, 59, tzinfo=BEIJING)
    spring = datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING)
    warned_from = due - timedelta(days=60)
    assert policy.payment_status(spring, certified_this_year=True, certified_last_year=False) == "normal"
    assert policy.payment_status(spring, certified_this_year=False, certified_last_year=True) == "normal"
    assert policy.payment_status(warned_from, certified_this_year=False, certified_last_year=True) == "warning"
    assert policy.payment_status(warned_from - timedelta(seconds=1), False, True) == "normal"
    assert policy.payment_status(spring, certified_this_year=False, certified_last_year=False) == "suspended"
    assert policy.payment_status(spring, False, False, registered_this_year=True) == "normal"


NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def failures(policy: StaffLoginPolicy, count: int) -> LockState:
    state = LockState(failed_attempts=0, locked_until=None)
    for _ in range(count):
        state = policy.after_failure(state, NOW)
    return state


def test_staff_login_asks_for_a_captcha_from_the_third_failure_and_waits_from_the_fifth():
    policy = StaffLoginPolicy()
    assert [policy.needs_captcha(failures(policy, n)) for n in (2, 3)] == [False, True]
    assert failures(policy, 4).locked_until is None
    fifth = failures(policy, 5)
    assert fifth.locked_until == NOW + timedelta(minutes=1)
    assert policy.is_locked(fifth, NOW + timedelta(seconds=59)) and not policy.is_locked(fifth, NOW + timedelta(minutes=1))


def test_staff_waits_double_up_to_fifteen_minutes():
    policy = StaffLoginPolicy()
    assert [policy.wait_after(n) for n in (4, 5, 6, 7, 8, 9, 20)] == [
        None, timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8),
        timedelta(minutes=15), timedelta(minutes=15)]


def test_the_accounts_own_count_never_makes_anyone_wait():
    own = StaffLoginPolicy().without_waits()
    state = failures(own, 50)
    assert state.locked_until is None and own.needs_captcha(state)


def test_staff_login_policy_from_settings():
    settings = SimpleNamespace(staff_captcha_after_failures=2, staff_backoff_after_failures=4,
                               staff_backoff_first_seconds=30, staff_backoff_max_seconds=120)
    assert StaffLoginPolicy.from_settings(settings) == StaffLoginPolicy(2, 4, timedelta(seconds=30), timedelta(seconds=120))


def test_the_lock_messages_carry_the_lockouts_own_numbers():
    """The 423's words follow the settings (lock_max_failures, lock_hours), not a fixed 3 / 24."""
    from pensioncert.errors import AppError
    from pensioncert.logic.accounts import _refuse_if_card_locked, _refuse_if_locked
    from pensioncert.rules.lockout import LockoutPolicy

    policy = LockoutPolicy(4, timedelta(hours=12))
    locked = LockState(failed_attempts=4, locked_until=datetime(2026, 3, 1, 21, 30, tzinfo=BEIJING))
    with pytest.raises(AppError) as phone:
        _refuse_if_locked(policy, locked, NOW)
    with pytest.raises(AppError) as card:
        _refuse_if_card_locked(policy, locked, NOW)
    assert phone.value.message == "密码输入错误4次，账户已锁定，12小时后自动解锁；也可通过“忘记密码”重置密码立即解锁"
    assert card.value.message == ("社保卡密码连续输错4次，社保卡登录已锁定12小时，将于3月1日21:30自动解锁；"
                                  "急需使用的，请本人携带身份证和社保卡到社保经办机构柜台解锁")
    assert phone.value.extra == card.value.extra == {"unlock_at": "2026-03-01T21:30:00+08:00"}


def test_the_login_screens_numbers_are_the_lockouts_own():
    """GET /auth/login-policy (v1.4) answers the settings the lock uses, so the H5's hint before any
    wrong password states what the API will enforce."""
    from pensioncert.logic.accounts import login_policy
    from pensioncert.services import Services

    svc = Services(settings=SimpleNamespace(lock_max_failures=5, lock_hours=6), vault=None)  # type: ignore[arg-type]
    assert login_policy(svc) == {"max_failures": 5, "lock_hours": 6}
