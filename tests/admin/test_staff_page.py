"""Staff management services (the 工作人员 page calls these): only provincial administrators
manage accounts; every change is audited in the transaction of its change."""
from __future__ import annotations

import itertools
import random

import pytest
from admin_support import operator_for, unique_region

from pensioncert.errors import AppError, ErrorCode

PASSWORD = "Staffpage2026"
_names = itertools.count(random.randrange(10**6))


def new_username() -> str:
    return f"st{next(_names)}"


def audit_rows(svc, principal, action):
    from pensioncert.admin import audit

    day = svc.clock.now().strftime("%Y-%m-%d")
    return audit.search(svc, principal, day_from=day, day_to=day, action=action)


def test_an_administrator_creates_an_operator_who_can_log_in(svc, province_admin):
    from pensioncert.admin import staff

    username, region = new_username(), unique_region()
    staff.add_staff(svc, province_admin, username=username, display_name="新经办员", role="operator",
                    regions=f"{region}、{region}", password=PASSWORD)
    principal = staff.login(svc, staff.LoginAttempt(username, PASSWORD, "198.51.100.1"))
    assert principal.regions == (region,) and principal.role == "operator"
    row = next(r for r in staff.list_staff(svc, province_admin) if r["username"] == username)
    assert row["status"] == "正常" and row["regions"] == region
    event = next(e for e in audit_rows(svc, province_admin, "staff_create") if e["target"] == username)
    assert event["actor"] == province_admin.username and region in event["after"]
    assert PASSWORD not in event["after"]


def test_a_taken_username_an_operator_without_region_and_a_weak_password_are_refused(svc, province_admin):
    from pensioncert.admin import staff

    username = new_username()
    staff.add_staff(svc, province_admin, username=username, display_name="甲", role="operator",
                    regions=unique_region(), password=PASSWORD)
    for kwargs, field in (({"username": username, "regions": unique_region(), "password": PASSWORD}, "username"),
                          ({"username": new_username(), "regions": "", "password": PASSWORD}, "regions"),
                          ({"username": "Bad Name", "regions": unique_region(), "password": PASSWORD}, "username")):
        with pytest.raises(AppError) as refused:
            staff.add_staff(svc, province_admin, display_name="乙", role="operator", **kwargs)
        assert refused.value.extra.get("field") == field
    with pytest.raises(AppError) as weak:
        staff.add_staff(svc, province_admin, username=new_username(), display_name="丙", role="operator",
                        regions=unique_region(), password="12345678")
    assert weak.value.code == ErrorCode.PASSWORD_WEAK


def test_an_operator_manages_no_account(svc, province_admin):
    from pensioncert.admin import staff

    region = unique_region()
    target = new_username()
    staff.add_staff(svc, province_admin, username=target, display_name="丁", role="operator",
                    regions=region, password=PASSWORD)
    operator = operator_for(region)
    calls = [lambda: staff.list_staff(svc, operator),
             lambda: staff.add_staff(svc, operator, username=new_username(), display_name="戊",
                                     role="province_admin", regions="", password=PASSWORD),
             lambda: staff.set_active(svc, operator, target, False, "试图停用"),
             lambda: staff.reset_password(svc, operator, target, "Taken2026over", "试图重置"),
             lambda: staff.set_role(svc, operator, target, "province_admin", "", "试图提权"),
             lambda: staff.end_sessions(svc, operator, target, "试图下线")]
    for attempt in calls:
        with pytest.raises(AppError) as refused:
            attempt()
        assert refused.value.code == ErrorCode.FORBIDDEN
    assert staff.login(svc, staff.LoginAttempt(target, PASSWORD, "198.51.100.2")).role == "operator"


def test_a_disabled_account_cannot_log_in_and_enabling_it_is_audited_with_the_reason(svc, province_admin):
    from pensioncert.admin import staff

    username = new_username()
    staff.add_staff(svc, province_admin, username=username, display_name="己", role="operator",
                    regions=unique_region(), password=PASSWORD)
    staff.set_active(svc, province_admin, username, False, "离职")
    with pytest.raises(AppError) as refused:
        staff.login(svc, staff.LoginAttempt(username, PASSWORD, "198.51.100.3"))
    assert refused.value.code == ErrorCode.LOGIN_FAILED
    staff.set_active(svc, province_admin, username, True, "返聘")
    assert staff.login(svc, staff.LoginAttempt(username, PASSWORD, "198.51.100.3")).username == username
    events = [e for e in audit_rows(svc, province_admin, "staff_disable") if e["target"] == username]
    assert events and events[0]["reason"] == "离职" and '"active": false' in events[0]["after"]


def test_an_administrator_cannot_act_on_their_own_account(svc, province_admin):
    from pensioncert.admin import staff

    me_name = new_username()
    staff.add_staff(svc, province_admin, username=me_name, display_name="庚", role="province_admin",
                    regions="", password=PASSWORD)
    me = staff.current(me_name, svc)
    with pytest.raises(AppError) as refused:
        staff.set_active(svc, me, me_name, False, "自己停用自己")
    assert refused.value.code == ErrorCode.FORBIDDEN


def test_a_password_reset_ends_the_old_password_and_clears_failures(svc, province_admin):
    from pensioncert.admin import staff

    username = new_username()
    staff.add_staff(svc, province_admin, username=username, display_name="辛", role="operator",
                    regions=unique_region(), password=PASSWORD)
    for _ in range(2):
        with pytest.raises(AppError):
            staff.login(svc, staff.LoginAttempt(username, "Wrong2026pass", "198.51.100.4"))
    staff.reset_password(svc, province_admin, username, "Fresh2026pass", "本人忘记密码")
    assert svc.staff.get(username).failed_attempts == 0
    with pytest.raises(AppError):
        staff.login(svc, staff.LoginAttempt(username, PASSWORD, "198.51.100.5"))
    assert staff.login(svc, staff.LoginAttempt(username, "Fresh2026pass", "198.51.100.5")).username == username
    assert any(e["target"] == username for e in audit_rows(svc, province_admin, "staff_reset_password"))
