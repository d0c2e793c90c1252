"""Staff sessions that end when they should, and a login that an outsider cannot lock.

Each test runs its clients from an address of its own (REMOTE_ADDR), since the per-address limit
of failed logins is kept across the test session."""
from __future__ import annotations

import itertools
import random
import re

import pytest
from admin_support import unique_region

PASSWORD = "Sessions2026pw"
_addresses = itertools.count(random.randrange(1, 200) * 256)


def address() -> str:
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@pytest.fixture
def admin_app(svc):
    from admin_dash.app import create_app

    return create_app()


def new_operator(svc) -> str:
    from pensioncert.admin import staff

    region = unique_region()
    username = f"op{abs(hash(region)) % 10**9}"
    assert staff.create_staff(svc, username=username, display_name="会话测试员", role="operator",
                              regions=[region], password=PASSWORD)
    return username


@pytest.fixture
def operator(svc):
    return new_operator(svc)


def client_of(app, remote=None):
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = remote or address()
    return client


def login_form(client) -> str:
    return client.get("/login").get_data(as_text=True)


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client, username, password, *, page=None, captcha=True):
    """Log in through the form; answers the captcha the form shows (the local stage puts its
    answer in a data attribute, as the API's captcha gives ``debug_answer``) unless told not to."""
    page = page or login_form(client)
    data = {"username": username, "password": password, "csrf_token": token_of(page)}
    shown = re.search(r'data-debug-answer="([^"]+)".*?name="captcha_id" value="([^"]+)"', page, re.S)
    if shown and captcha:
        data.update(captcha_answer=shown.group(1), captcha_id=shown.group(2))
    return client.post("/login", data=data)


def cookie_of(client) -> str:
    return client.get_cookie("pc_admin_session").value


def replay(app, cookie: str):
    """A request with a saved session cookie, from another client (an attacker who copied it)."""
    other = client_of(app)
    other.set_cookie("pc_admin_session", cookie)
    return other.get("/_dash-layout")


def test_a_saved_cookie_is_worthless_after_logout(admin_app, operator):
    client = client_of(admin_app)
    assert login(client, operator, PASSWORD).status_code == 302
    saved = cookie_of(client)
    assert replay(admin_app, saved).status_code == 200
    assert client.get("/logout").status_code == 302
    assert replay(admin_app, saved).status_code == 401


def test_anonymous_wrong_logins_neither_lock_the_account_nor_end_its_open_session(admin_app, operator):
    desk = client_of(admin_app)
    assert login(desk, operator, PASSWORD).status_code == 302
    outsider = client_of(admin_app)
    for _ in range(3):
        answer = login(outsider, operator, "Wrong2026pass", captcha=False)
        assert answer.status_code == 401
    assert desk.get("/_dash-layout").status_code == 200  # the operator's session goes on
    # The account now asks for a captcha (the outsider gets no further without one) ...
    page = login(outsider, operator, "Wrong2026pass", captcha=False).get_data(as_text=True)
    assert 'name="captcha_id"' in page and "图形验证码" in page
    # ... and the operator, from another desk, signs in at once with it: no 24-hour lock.
    colleague = client_of(admin_app)
    first = login(colleague, operator, PASSWORD, captcha=False)
    assert first.status_code == 401 and 'name="captcha_id"' in first.get_data(as_text=True)
    assert login(colleague, operator, PASSWORD, page=first.get_data(as_text=True)).status_code == 302


def test_without_the_captcha_the_password_is_not_even_tried(svc, operator):
    from pensioncert.admin import staff
    from pensioncert.errors import AppError

    where = address()
    for _ in range(3):
        with pytest.raises(AppError):
            staff.login(svc, staff.LoginAttempt(operator, "Wrong2026pass", where))
    before = svc.staff.get(operator).failed_attempts
    with pytest.raises(staff.CaptchaNeeded):
        staff.login(svc, staff.LoginAttempt(operator, PASSWORD, address()))
    with pytest.raises(staff.CaptchaNeeded):
        staff.login(svc, staff.LoginAttempt(operator, PASSWORD, address(), "made-up", "ABCD"))
    assert svc.staff.get(operator).failed_attempts == before


def test_backoff_grows_and_is_capped_at_fifteen_minutes(svc, operator):
    from pensioncert.admin import staff
    from pensioncert.errors import AppError, ErrorCode

    guesser = address()  # the wait is per (address, user): the guesser's address waits

    def attempt(password):
        answer = staff.new_captcha(svc)
        return staff.login(svc, staff.LoginAttempt(operator, password, guesser, answer["captcha_id"],
                                                   answer["debug_answer"]))

    waits = []
    for failure in range(1, 11):
        with pytest.raises(AppError) as refused:
            attempt("Wrong2026pass")
        if failure < 5:
            assert refused.value.code == ErrorCode.LOGIN_FAILED
            continue
        assert refused.value.code == ErrorCode.ACCOUNT_LOCKED
        with pytest.raises(AppError) as waiting:  # even the right password waits
            attempt(PASSWORD)
        assert waiting.value.code == ErrorCode.ACCOUNT_LOCKED
        minutes = int(re.search(r"(\d+)分钟", waiting.value.message).group(1))
        waits.append(minutes)
        svc.clock.advance(minutes=minutes, seconds=1)
    assert waits == [1, 2, 4, 8, 15, 15]
    assert attempt(PASSWORD).username == operator  # the right password, after the wait


def test_one_address_may_fail_a_set_number_of_staff_logins_an_hour(svc, admin_app):
    from pensioncert.admin import staff
    from pensioncert.errors import AppError, ErrorCode

    where = address()
    assert svc.settings.staff_login_failures_per_client_hour == 30
    for n in range(30):
        answer = staff.new_captcha(svc)
        with pytest.raises(AppError) as refused:
            staff.login(svc, staff.LoginAttempt(f"nobody{n}", "Wrong2026pass", where,
                                                answer["captcha_id"], answer["debug_answer"]))
        assert refused.value.code == ErrorCode.LOGIN_FAILED
    # Past the cap a username gets one try an hour from this address (a wrong one counts nowhere),
    # then 429 before anything is looked at.
    for _ in range(2):
        answer = staff.new_captcha(svc)
        with pytest.raises(AppError) as limited:
            staff.login(svc, staff.LoginAttempt("nobody", "Wrong2026pass", where, answer["captcha_id"],
                                                answer["debug_answer"]))
        assert limited.value.code == ErrorCode.LOGIN_RATE_LIMITED and limited.value.status == 429
    with pytest.raises(AppError) as limited:
        staff.login(svc, staff.LoginAttempt("nobody", "Wrong2026pass", where))
    assert limited.value.code == ErrorCode.LOGIN_RATE_LIMITED
    operator = new_operator(svc)
    assert staff.login(svc, staff.LoginAttempt(operator, PASSWORD, address())).username == operator
    svc.clock.advance(hours=1, seconds=1)
    answer = staff.new_captcha(svc)
    with pytest.raises(AppError) as again:
        staff.login(svc, staff.LoginAttempt("nobody", "Wrong2026pass", where, answer["captcha_id"],
                                            answer["debug_answer"]))
    assert again.value.code == ErrorCode.LOGIN_FAILED


def _with_captcha(svc, username, password, where):
    from pensioncert.admin import staff

    answer = staff.new_captcha(svc)
    return staff.login(svc, staff.LoginAttempt(username, password, where, answer["captcha_id"],
                                               answer["debug_answer"]))


def test_a_known_username_cannot_hold_its_owner_out(svc, operator):
    """Issue 19, finding 7: anyone who knew a staff username could force a renewable 1-15 minute
    wait in which the right password was refused. The wait is now the guessing address's only."""
    from pensioncert.admin import staff
    from pensioncert.errors import AppError, ErrorCode

    attacker = address()
    for _ in range(8):
        with pytest.raises(AppError):
            _with_captcha(svc, operator, "Wrong2026pass", attacker)
    with pytest.raises(AppError) as waiting:  # the attacker's own address waits ...
        _with_captcha(svc, operator, PASSWORD, attacker)
    assert waiting.value.code == ErrorCode.ACCOUNT_LOCKED
    # ... the operator at their desk does not; the account's count asks everyone for a captcha
    with pytest.raises(staff.CaptchaNeeded):
        staff.login(svc, staff.LoginAttempt(operator, PASSWORD, address()))
    assert _with_captcha(svc, operator, PASSWORD, address()).username == operator


def test_failures_on_made_up_users_do_not_shut_the_office_out(svc):
    """Issue 19, finding 7: 30 failed staff logins on non-existent users from an office's address
    refused the administrator's correct password from that address for an hour."""
    from pensioncert.admin import staff
    from pensioncert.errors import AppError, ErrorCode

    office = address()
    for n in range(svc.settings.staff_login_failures_per_client_hour):
        with pytest.raises(AppError):
            _with_captcha(svc, f"ghost{n}", "Wrong2026pass", office)
    administrator = new_operator(svc)
    assert _with_captcha(svc, administrator, PASSWORD, office).username == administrator
    # The address past its cap gets one try an hour per username; a wrong one counts nowhere.
    target = new_operator(svc)
    with pytest.raises(AppError) as limited:
        _with_captcha(svc, target, "Wrong2026pass", office)
    assert limited.value.code == ErrorCode.LOGIN_RATE_LIMITED
    with pytest.raises(AppError) as again:  # the username under attack from here: 429 at once
        _with_captcha(svc, target, PASSWORD, office)
    assert again.value.code == ErrorCode.LOGIN_RATE_LIMITED
    assert not svc.staff.get(target).failed_attempts
    assert staff.login(svc, staff.LoginAttempt(target, PASSWORD, address())).username == target


@pytest.mark.parametrize("ending", ["password_change", "disable", "revoke", "reset", "role"])
def test_account_changes_end_every_open_session_at_once(svc, admin_app, operator, province_admin, ending):
    from pensioncert.admin import staff
    from pensioncert.admin.principal import StaffPrincipal

    first, second = client_of(admin_app), client_of(admin_app)
    assert login(first, operator, PASSWORD).status_code == 302
    assert login(second, operator, PASSWORD).status_code == 302
    assert first.get("/_dash-layout").status_code == 200
    me = staff.current(operator, svc)
    admin = StaffPrincipal(province_admin.username, province_admin.display_name, province_admin.role)
    if ending == "password_change":
        staff.change_own_password(svc, me, PASSWORD, "Changed2026pw")
    elif ending == "disable":
        staff.set_active(svc, admin, operator, False, "离职")
    elif ending == "revoke":
        staff.end_sessions(svc, admin, operator, "电脑遗失")
    elif ending == "reset":
        staff.reset_password(svc, admin, operator, "Reset2026pass", "本人忘记密码")
    else:
        staff.set_role(svc, admin, operator, "operator", [unique_region()], "调岗")
    assert first.get("/_dash-layout").status_code == 401
    assert second.get("/_dash-layout").status_code == 401


def test_a_session_expires_on_the_server_whatever_the_cookie_says(svc, admin_app, operator):
    client = client_of(admin_app)
    assert login(client, operator, PASSWORD).status_code == 302
    svc.clock.advance(hours=svc.settings.admin_session_hours, seconds=1)
    assert client.get("/_dash-layout").status_code == 401


def test_the_table_keeps_no_usable_session_id(svc, admin_app, operator):
    client = client_of(admin_app)
    login(client, operator, PASSWORD)
    stored = svc.staff.sessions_of(operator)
    assert len(stored) == 1
    forged = client_of(admin_app)
    with admin_app.server.test_request_context():
        from flask import session

        session["sid"] = stored[0].session_key  # the stored key used as if it were the id
        cookie = admin_app.server.session_interface.get_signing_serializer(admin_app.server).dumps(dict(session))
    forged.set_cookie("pc_admin_session", cookie)
    assert forged.get("/_dash-layout").status_code == 401


def test_the_login_page_states_the_numbers_the_login_enforces(svc, admin_app, monkeypatch):
    page = client_of(admin_app).get("/login").get_data(as_text=True)
    assert "连续输错密码3次后须输入图形验证码，5次起每次须等待几分钟（最长15分钟）" in page
    monkeypatch.setattr(svc.settings, "staff_captcha_after_failures", 4)
    monkeypatch.setattr(svc.settings, "staff_backoff_after_failures", 6)
    monkeypatch.setattr(svc.settings, "staff_backoff_max_seconds", 1200)
    page = client_of(admin_app).get("/login").get_data(as_text=True)
    assert "连续输错密码4次后须输入图形验证码，6次起每次须等待几分钟（最长20分钟）" in page
