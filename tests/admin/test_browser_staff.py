"""Staff sessions and accounts in real headless Chromium: logging out ends the session (a saved
cookie opens nothing afterwards), and a provincial administrator creates an operator account on
工作人员 and disables it, which ends the operator's open session. Same browser set-up and rules as
test_browser.py (fails, never skips quietly, without Chromium)."""
from __future__ import annotations

import re

import requests
from admin_support import unique_region
from test_browser import PASSWORD, browser, click_row, css, go, press, shot, wait_text, world  # noqa: F401

NEW_PASSWORD = "Newstaff2026x"


def sign_in(driver, world, username, password):
    driver.get(world["url"] + "/login")
    wait_text(driver, "h4", "养老保险待遇资格认证")
    css(driver, "#username").clear()
    css(driver, "#username").send_keys(username)
    css(driver, "#password").send_keys(password)
    press(driver, "#login-button")


def http_login(world, username, password) -> requests.Session:
    """A second desk: the login form over plain HTTP, Flask-WTF's token from the form."""
    desk = requests.Session()
    page = desk.get(world["url"] + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = desk.post(world["url"] + "/login", data={"username": username, "password": password,
                                                       "csrf_token": token}, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    return desk


def test_logout_ends_the_session_and_a_saved_cookie_opens_nothing(browser, world):
    sign_in(browser, world, world["username"], PASSWORD)
    wait_text(browser, "#staff-name", "浏览器测试员")
    saved = browser.get_cookie("pc_admin_session")["value"]
    assert requests.get(world["url"] + "/_dash-layout", cookies={"pc_admin_session": saved},
                        timeout=30).status_code == 200
    press(browser, "#logout")
    wait_text(browser, "h4", "养老保险待遇资格认证")
    assert browser.current_url.endswith("/login")
    shot(browser, "staff-01-logged-out")
    # The cookie as it was before logout, put back: the server no longer knows its session.
    assert requests.get(world["url"] + "/_dash-layout", cookies={"pc_admin_session": saved},
                        timeout=30).status_code == 401
    browser.add_cookie({"name": "pc_admin_session", "value": saved, "path": "/"})
    browser.get(world["url"] + "/staff")
    wait_text(browser, "h4", "养老保险待遇资格认证")
    assert browser.current_url.endswith("/login")


def test_an_administrator_creates_an_operator_then_disables_it(browser, world):
    from pensioncert.admin import audit, staff
    from pensioncert.errors import AppError, ErrorCode

    svc = world["svc"]
    region = unique_region()
    # Last by username, behind a full first page of the list (20 a page): the grid must bring the
    # new account into view. Without it this failed whenever other tests had made 20 accounts first.
    username = f"zz{abs(hash(region)) % 10**8}"
    for extra in range(max(0, 21 - len(staff.list_staff(svc, world["me"])))):
        staff.add_staff(svc, world["me"], username=f"aa{extra}{abs(hash(region)) % 10**6}", display_name="占位员",
                        role="operator", regions=region, password=NEW_PASSWORD)
    sign_in(browser, world, world["username"], PASSWORD)
    wait_text(browser, "#staff-name", "浏览器测试员")
    go(browser, world, "/staff", "h3", "工作人员")
    css(browser, "#new-username").send_keys(username)
    css(browser, "#new-display-name").send_keys("新来的经办员")
    css(browser, "#new-regions").send_keys(region)
    css(browser, "#new-password").send_keys(NEW_PASSWORD)
    press(browser, "#new-create")
    wait_text(browser, "#staff-created", f"已新建账号 {username}")
    wait_text(browser, "#staff-grid .ag-cell", username)
    shot(browser, "staff-02-created")

    operator_desk = http_login(world, username, NEW_PASSWORD)  # the new operator signs in
    assert operator_desk.get(world["url"] + "/_dash-layout", timeout=30).status_code == 200

    click_row(browser, "staff-grid", username)
    wait_text(browser, "#staff-selected-label", username)
    css(browser, "#staff-reason").send_keys("借调结束")
    press(browser, "#staff-disable")
    wait_text(browser, "#staff-action-done", f"已停用 {username}")
    wait_text(browser, "#staff-grid .ag-cell", "已停用")
    shot(browser, "staff-03-disabled")

    assert operator_desk.get(world["url"] + "/_dash-layout", timeout=30).status_code == 401
    try:
        staff.login(svc, staff.LoginAttempt(username, NEW_PASSWORD, "203.0.113.9"))
        raise AssertionError("a disabled account logged in")
    except AppError as refused:
        assert refused.code == ErrorCode.LOGIN_FAILED
    day = svc.clock.now().strftime("%Y-%m-%d")
    done = {(e["action"], e["target"]) for e in audit.search(svc, world["me"], day_from=day, day_to=day,
                                                              actor=world["username"])}
    assert {("staff_create", username), ("staff_disable", username)} <= done
