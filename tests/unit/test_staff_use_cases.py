"""The staff accounts' use cases without AWS (pensioncert/admin/staff.py): creating accounts, the
list, disabling and enabling, password resets and changes, role changes, revokes, the sessions they
end and the assignable staff, the accounts in the in-memory repository (held to the same contract
as DynamoDB's by tests/integration/test_staff_repository.py), whose ``audit`` holds the events
written with each change. The audit events written on their own (login, logout) go to a stand-in
set on the audit's data module. The login itself (captcha, address gate, waits) has its own tests
on the emulator (tests/admin/test_staff_sessions.py)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from pensioncert.admin import labels, staff
from pensioncert.admin.principal import StaffPrincipal
from pensioncert.clock import FakeClock
from pensioncert.dal import audit as audit_dal
from pensioncert.errors import AppError, ErrorCode
from pensioncert.pii import PiiVault
from pensioncert.repositories.staff import InMemoryStaff, StaffAccount
from pensioncert.services import Services
from pensioncert.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)  # 17:00 in Beijing
REGION, OTHER_REGION = "西安市", "宝鸡市"
PASSWORD, NEW_PASSWORD = "Staff2026pass", "Fresh2026pass"


@pytest.fixture
def world(monkeypatch):
    """A Services on the in-memory staff accounts (``store``, its ``audit`` the events written with
    the changes); ``appended`` the events written on their own; ``admin`` a provincial administrator."""
    svc = Services(settings=Settings(pii_key="k" * 32, token_secret="t" * 64), vault=PiiVault("k" * 32),
                   clock=FakeClock(NOW), staff=InMemoryStaff())
    state = SimpleNamespace(svc=svc, store=svc.staff, appended=[])
    monkeypatch.setattr(audit_dal, "append", lambda **event: state.appended.append(event))
    assert staff.create_staff(svc, username="pa", display_name="省管理员", role=labels.ROLE_PROVINCE_ADMIN,
                              regions=[], password=PASSWORD)
    state.admin = staff.current("pa", svc)
    return state


def add(world, username="oper", role=labels.ROLE_OPERATOR, regions=REGION, name="王经办") -> None:
    staff.add_staff(world.svc, world.admin, username=username, display_name=name, role=role, regions=regions,
                    password=PASSWORD)


def raised(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def stored(world, username) -> StaffAccount:
    account = world.store.get(username)
    assert account is not None
    return account


def audited(world) -> list[tuple]:
    return [(e["action"], e["target"], e["region"], e["before"], e["after"], e["reason"]) for e in world.store.audit]


def signed_in(world, username) -> str:
    return staff.open_session(world.svc, staff.current(username, world.svc))


# Creating accounts

def test_an_administrator_adds_an_operator_audited_with_the_change(world):
    add(world, regions=f" {OTHER_REGION}、{REGION}，{REGION} ")
    account = stored(world, "oper")
    assert (account.display_name, account.role, account.regions, account.active, account.created_at) == (
        "王经办", labels.ROLE_OPERATOR, (OTHER_REGION, REGION), True, NOW)
    assert (account.failed_attempts, account.locked_until, account.session_version) == (0, None, 0)
    assert world.store.credentials("oper").password_hash.startswith("$argon2id$")
    assert audited(world) == [("staff_create", "oper", OTHER_REGION, None,
                               {"display_name": "王经办", "role": labels.ROLE_OPERATOR,
                                "regions": [OTHER_REGION, REGION]}, None)]
    assert world.store.audit[0]["now"] == NOW and world.store.audit[0]["actor"] == "pa"
    assert staff.current("oper", world.svc) == StaffPrincipal("oper", "王经办", labels.ROLE_OPERATOR,
                                                            (OTHER_REGION, REGION))


def test_a_provincial_administrator_has_no_regions(world):
    add(world, "pa2", labels.ROLE_PROVINCE_ADMIN, REGION)
    assert stored(world, "pa2").regions == ()


def test_a_username_taken_is_refused_and_audits_nothing(world):
    add(world)
    error = raised(lambda: add(world, name="李经办"))
    assert (error.code, error.message, error.extra) == (
        ErrorCode.BAD_REQUEST, labels.STAFF_USERNAME_TAKEN, {"field": "username"})
    assert stored(world, "oper").display_name == "王经办" and len(world.store.audit) == 1
    assert staff.create_staff(world.svc, username="oper", display_name="李经办", role=labels.ROLE_OPERATOR,
                              regions=[REGION], password=PASSWORD) is False


@pytest.mark.parametrize(("fields", "message", "field"), [
    ({"username": "Op"}, labels.STAFF_USERNAME_INVALID, "username"),
    ({"name": " "}, labels.STAFF_NAME_INVALID, "display_name"),
    ({"role": "root"}, labels.STAFF_ROLE_INVALID, "role"),
    ({"regions": " "}, labels.STAFF_REGIONS_NEEDED, "regions")])
def test_an_account_with_a_bad_field_is_refused(world, fields, message, field):
    error = raised(lambda: add(world, **fields))
    assert (error.code, error.message, error.extra) == (ErrorCode.BAD_REQUEST, message, {"field": field})
    assert [a.username for a in world.store.all_staff()] == ["pa"] and world.store.audit == []


def test_only_a_provincial_administrator_adds_accounts(world):
    add(world)
    operator = staff.current("oper", world.svc)
    assert raised(lambda: staff.add_staff(world.svc, operator, username="op2", display_name="李", role="operator",
                                          regions=REGION, password=PASSWORD)).code is ErrorCode.FORBIDDEN
    assert raised(lambda: staff.list_staff(world.svc, None)).code is ErrorCode.UNAUTHENTICATED
    assert world.store.get("op2") is None


# The list

def test_the_list_shows_each_account_by_username(world):
    add(world, "zed", name="赵")
    add(world, "amy", regions=f"{REGION}、{OTHER_REGION}", name="艾")
    staff.set_active(world.svc, world.admin, "zed", False, "离职")
    rows = staff.list_staff(world.svc, world.admin)
    assert [row["username"] for row in rows] == ["amy", "pa", "zed"]
    assert rows[0] == {"username": "amy", "display_name": "艾", "role": labels.ROLE_OPERATOR,
                       "role_label": labels.ROLES[labels.ROLE_OPERATOR], "regions": f"{OTHER_REGION}、{REGION}",
                       "active": True, "status": labels.STAFF_ACTIVE, "failed_logins": 0, "waiting": False,
                       "last_login": None}
    assert (rows[2]["active"], rows[2]["status"]) == (False, labels.STAFF_DISABLED)


def test_assignable_staff_are_the_regions_active_operators_and_the_administrators(world):
    add(world, "here")
    add(world, "there", regions=OTHER_REGION)
    add(world, "gone")
    staff.set_active(world.svc, world.admin, "gone", False, "离职")
    assert staff.assignable(world.svc, world.admin, REGION) == [
        {"username": "here", "display_name": "王经办"}, {"username": "pa", "display_name": "省管理员"}]


# Changes by an administrator

def test_disabling_ends_every_session_and_enabling_clears_the_failures(world):
    add(world)
    session = signed_in(world, "oper")
    assert staff.session_principal(world.svc, session).username == "oper"
    world.store.record_failure(stored(world, "oper"), staff.login_policy(world.svc).without_waits(), NOW)
    staff.set_active(world.svc, world.admin, "oper", False, "离职")
    assert (stored(world, "oper").active, stored(world, "oper").session_version) == (False, 1)
    assert staff.session_principal(world.svc, session) is None and world.store.sessions_of("oper") == []
    assert staff.current("oper", world.svc) is None
    assert stored(world, "oper").failed_attempts == 1  # a disable keeps the count
    staff.set_active(world.svc, world.admin, "oper", True, "返岗")
    assert (stored(world, "oper").active, stored(world, "oper").failed_attempts, stored(world, "oper").session_version) == (
        True, 0, 1)  # an enable ends no session: there are none
    assert audited(world)[1:] == [
        ("staff_disable", "oper", REGION, {"active": True}, {"active": False}, "离职"),
        ("staff_enable", "oper", REGION, {"active": False}, {"active": True}, "返岗")]


def test_a_reset_sets_the_password_ends_the_sessions_and_clears_the_failures(world):
    add(world)
    session = signed_in(world, "oper")
    world.store.record_failure(stored(world, "oper"), staff.login_policy(world.svc).without_waits(), NOW)
    staff.reset_password(world.svc, world.admin, "oper", NEW_PASSWORD, "本人忘记密码")
    account = stored(world, "oper")
    assert (account.failed_attempts, account.session_version) == (0, 1)
    assert staff.session_principal(world.svc, session) is None
    from pensioncert import passwords

    assert passwords.verify_secret(world.svc.settings, world.store.credentials("oper").password_hash, NEW_PASSWORD)
    assert audited(world)[-1] == ("staff_reset_password", "oper", REGION, None, None, "本人忘记密码")


def test_a_role_change_sets_role_and_regions_and_ends_the_sessions(world):
    add(world)
    session = signed_in(world, "oper")
    staff.set_role(world.svc, world.admin, "oper", labels.ROLE_OPERATOR, [OTHER_REGION], "调岗")
    assert (stored(world, "oper").regions, stored(world, "oper").session_version) == ((OTHER_REGION,), 1)
    assert staff.session_principal(world.svc, session) is None
    assert audited(world)[-1] == ("staff_role", "oper", OTHER_REGION,
                                  {"role": labels.ROLE_OPERATOR, "regions": [REGION]},
                                  {"role": labels.ROLE_OPERATOR, "regions": [OTHER_REGION]}, "调岗")
    staff.set_role(world.svc, world.admin, "oper", labels.ROLE_PROVINCE_ADMIN, [OTHER_REGION], "升任")
    assert (stored(world, "oper").role, stored(world, "oper").regions) == (labels.ROLE_PROVINCE_ADMIN, ())


def test_a_revoke_ends_the_sessions_and_changes_nothing_else(world):
    add(world)
    first, second = signed_in(world, "oper"), signed_in(world, "oper")
    before = stored(world, "oper")
    staff.end_sessions(world.svc, world.admin, "oper", "电脑遗失")
    assert stored(world, "oper") == replace(before, session_version=1)
    assert [staff.session_principal(world.svc, s) for s in (first, second)] == [None, None]
    assert audited(world)[-1] == ("staff_revoke_sessions", "oper", REGION, None, None, "电脑遗失")


def test_an_administrator_does_not_change_their_own_account_nor_one_missing(world):
    for change in (lambda who: staff.set_active(world.svc, world.admin, who, False, "原因"),
                   lambda who: staff.reset_password(world.svc, world.admin, who, NEW_PASSWORD, "原因"),
                   lambda who: staff.set_role(world.svc, world.admin, who, labels.ROLE_OPERATOR, REGION, "原因"),
                   lambda who: staff.end_sessions(world.svc, world.admin, who, "原因")):
        assert raised(lambda: change("pa")).code is ErrorCode.FORBIDDEN  # noqa: B023 - called here
        error = raised(lambda: change("nobody"))  # noqa: B023 - called here
        assert (error.code, error.message) == (ErrorCode.NOT_FOUND, labels.STAFF_NOT_FOUND)
    assert (stored(world, "pa").active, stored(world, "pa").session_version) == (True, 0)
    assert world.store.audit == []


def test_a_change_needs_a_reason(world):
    add(world)
    error = raised(lambda: staff.set_active(world.svc, world.admin, "oper", False, " "))
    assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.REASON_REQUIRED)
    assert stored(world, "oper").active and len(world.store.audit) == 1


def test_an_account_removed_between_the_read_and_the_change_is_not_found(world, monkeypatch):
    add(world)
    real_change = world.store.change

    def change_after_removal(username, **kwargs):
        world.store._accounts.pop(username)  # as if the account went between the read and the write
        return real_change(username, **kwargs)

    monkeypatch.setattr(world.store, "change", change_after_removal)
    error = raised(lambda: staff.end_sessions(world.svc, world.admin, "oper", "电脑遗失"))
    assert (error.code, error.message) == (ErrorCode.NOT_FOUND, labels.STAFF_NOT_FOUND)
    assert len(world.store.audit) == 1


# One's own password, sessions

def test_changing_ones_own_password_needs_the_old_one_and_ends_every_session(world):
    add(world)
    session = signed_in(world, "oper")
    me = staff.current("oper", world.svc)
    error = raised(lambda: staff.change_own_password(world.svc, me, "Wrong2026pass", NEW_PASSWORD))
    assert (error.code, error.message) == (ErrorCode.BAD_REQUEST, labels.STAFF_OLD_PASSWORD_WRONG)
    assert stored(world, "oper").session_version == 0
    staff.change_own_password(world.svc, me, PASSWORD, NEW_PASSWORD)
    assert stored(world, "oper").session_version == 1 and staff.session_principal(world.svc, session) is None
    assert audited(world)[-1] == ("staff_change_password", "oper", None, None, None, None)
    error = raised(lambda: staff.change_own_password(world.svc, me, PASSWORD, NEW_PASSWORD))
    assert error.message == labels.STAFF_OLD_PASSWORD_WRONG  # the old one no longer


def test_a_session_ends_on_logout_or_when_it_expires(world):
    add(world)
    me = staff.current("oper", world.svc)
    session = staff.open_session(world.svc, me)
    assert staff.session_principal(world.svc, session) == me
    assert world.store.sessions_of("oper")[0].session_key != session  # the store keeps no usable id
    staff.logout(world.svc, me, session)
    assert staff.session_principal(world.svc, session) is None
    assert [(e["action"], e["target"]) for e in world.appended] == [("logout", "oper")]
    later = staff.open_session(world.svc, me)
    world.svc.clock.advance(hours=world.svc.settings.admin_session_hours, seconds=1)
    assert staff.session_principal(world.svc, later) is None
    assert staff.session_principal(world.svc, None) is None and staff.session_principal(world.svc, "x" * 101) is None


def test_a_disabled_account_opens_no_session(world):
    add(world)
    me = staff.current("oper", world.svc)
    staff.set_active(world.svc, world.admin, "oper", False, "离职")
    assert raised(lambda: staff.open_session(world.svc, me)).code is ErrorCode.UNAUTHENTICATED


def test_the_accounts_failures_ask_for_a_captcha(world, monkeypatch):
    """``needs_captcha`` reads the account's count (the address's failures are another aggregate's:
    a stand-in answers none)."""
    from pensioncert.logic import address_gate

    monkeypatch.setattr(address_gate, "failures", lambda cap, owner, now: 0)
    add(world)
    policy = staff.login_policy(world.svc).without_waits()
    for _ in range(policy.captcha_after - 1):
        world.store.record_failure(stored(world, "oper"), policy, NOW)
    assert not staff.needs_captcha(world.svc, "oper", "198.51.100.7")
    world.store.record_failure(stored(world, "oper"), policy, NOW + timedelta(seconds=1))
    assert staff.needs_captcha(world.svc, "oper", "198.51.100.7")
    assert not staff.needs_captcha(world.svc, "nobody", "198.51.100.7")
