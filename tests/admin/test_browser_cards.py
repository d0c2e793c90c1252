"""The card-login lock in the admin, in real headless Chromium: anonymous wrong PINs lock a card,
staff find it by ID number on 账户管理, see the lock, lift it with a reason, and the audit log shows
it. Same browser set-up and rules as test_browser.py (fails, never skips quietly, without
Chromium)."""
from __future__ import annotations

import pytest
from admin_support import HEADER, unique_region
from support import unique_id_number
from test_browser import PASSWORD, browser, css, go, press, shot, wait_text, world  # noqa: F401

PIN = "864200"


@pytest.fixture(scope="module")
def locked_card(world):
    from pensioncert.errors import AppError
    from pensioncert.logic import accounts
    from pensioncert.logic.registry_import import import_registry

    svc, person = world["svc"], unique_id_number(1947)
    text = HEADER + f"{person},冯卡锁,{world['region']},测试单位丙,recipient,activated,{PIN},\n"
    assert import_registry(svc, text, None, lambda *_: None).errors == []
    for _ in range(3):
        with pytest.raises(AppError):
            accounts.card_login(svc, id_number=person, card_password="000000", client=unique_region())
    return person


def test_staff_see_and_lift_a_card_login_lock(browser, world, locked_card):
    from pensioncert.errors import AppError
    from pensioncert.logic import accounts

    svc = world["svc"]
    browser.get(world["url"] + "/accounts")
    wait_text(browser, "h4", "养老保险待遇资格认证")
    css(browser, "#username").send_keys(world["username"])
    css(browser, "#password").send_keys(PASSWORD)
    press(browser, "#login-button")
    wait_text(browser, "#staff-name", "浏览器测试员")

    go(browser, world, "/accounts", "h3", "APP账户")
    css(browser, "#account-query").send_keys(locked_card)
    press(browser, "#account-search")
    wait_text(browser, "#account-detail", "已锁定（至")
    detail = css(browser, "#account-detail").text
    assert "社保卡登录" in detail and "3 次" in detail and locked_card not in detail
    with pytest.raises(AppError) as still_locked:
        accounts.card_login(svc, id_number=locked_card, card_password=PIN, client=unique_region())
    assert still_locked.value.status == 423
    css(browser, "#card-unlock-reason").send_keys("本人持身份证和社保卡到柜台")
    press(browser, "#card-unlock")
    wait_text(browser, "#card-unlocked", "社保卡登录已解锁")
    shot(browser, "10-card-unlock")
    assert accounts.card_login(svc, id_number=locked_card, card_password=PIN, client=unique_region())["token"]

    from selenium.webdriver.common.keys import Keys

    go(browser, world, "/audit", "h3", "操作日志")
    # Events of one fake-clock second sort in no fixed order: filter by the action to find it.
    press(browser, "#audit-action .dash-dropdown-trigger")
    css(browser, ".dash-dropdown-search").send_keys("解锁社保卡登录")
    wait_text(browser, ".dash-dropdown-option", "解锁社保卡登录").click()
    css(browser, "body").send_keys(Keys.ESCAPE)
    press(browser, "#audit-search")
    wait_text(browser, "#audit-grid .ag-cell", "解锁社保卡登录")
