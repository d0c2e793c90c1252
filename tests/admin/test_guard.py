"""The guard in front of every Dash endpoint: no session, no data; and the staff login lockout."""
from __future__ import annotations

import re

import pytest
from admin_support import unique_region

PASSWORD = "Guard2026pass"


@pytest.fixture
def admin_app(svc):
    from admin_dash.app import create_app

    return create_app()


@pytest.fixture
def operator(svc):
    from pensioncert.admin import staff

    region = unique_region()
    username = f"op{region}"
    staff.create_staff(svc, username=username, display_name="测试经办员", role="operator",
                       regions=[region], password=PASSWORD)
    return username


def login(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


DASH_ENDPOINTS = [("GET", "/"), ("GET", "/pensioners"), ("GET", "/_dash-layout"),
                  ("GET", "/_dash-dependencies"), ("GET", "/_reload-hash"),
                  ("POST", "/_dash-update-component"), ("GET", "/_dash-component-suites/dash/dcc/dash_core_components.js")]


@pytest.mark.parametrize("method,path", DASH_ENDPOINTS)
def test_every_dash_endpoint_refuses_without_a_session(admin_app, method, path):
    client = admin_app.server.test_client()
    response = client.open(path, method=method, json={} if method == "POST" else None)
    if path.startswith("/_"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_login_sets_a_strict_httponly_session_and_callbacks_need_the_csrf_header(admin_app, operator):
    client = admin_app.server.test_client()
    response = login(client, operator, PASSWORD)
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("pc_admin_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Expires=" in cookie
    assert client.get("/_dash-layout").status_code == 200
    # Dash's own page-routing callback (use_pages), as the renderer posts it on opening "/".
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "state": [], "changedPropIds": ["_pages_location.pathname"]}
    assert client.post("/_dash-update-component", json=body).status_code == 403
    token = client.get_cookie("_csrf_token").value
    handled = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token})
    assert handled.status_code == 200
    assert set(handled.get_json()["response"]) == {"_pages_content", "_pages_store"}


def test_a_forged_cookie_is_refused(admin_app):
    client = admin_app.server.test_client()
    client.set_cookie("pc_admin_session", "eyJzdGFmZiI6ImFkbWluIn0.forged.signature")
    assert client.get("/_dash-layout").status_code == 401


def test_three_wrong_passwords_ask_for_a_captcha_not_a_lock(admin_app, operator):
    """The old rule (3 wrong, locked 24 hours) let anyone lock staff out; now the account asks
    for a captcha (tests/admin/test_staff_sessions.py has the backoff and the per-address limit)."""
    client = admin_app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.77"
    for _ in range(3):
        assert "用户名或密码错误" in login(client, operator, "wrong-password1").get_data(as_text=True)
    fourth = login(client, operator, PASSWORD)
    assert fourth.status_code == 401 and 'name="captcha_id"' in fourth.get_data(as_text=True)


def test_a_login_form_without_its_csrf_token_is_refused(admin_app, operator):
    client = admin_app.server.test_client()
    client.get("/login")
    answer = client.post("/login", data={"username": operator, "password": PASSWORD})
    assert answer.status_code == 400 and client.get("/_dash-layout").status_code == 401


def test_logout_ends_the_session(admin_app, operator):
    client = admin_app.server.test_client()
    login(client, operator, PASSWORD)
    assert client.get("/logout").status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def _take_session_cookie(client, response) -> None:
    """Apply a response's session cookie to ``client`` the way a browser would."""
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name != "pc_admin_session":
            continue
        value = rest.split(";", 1)[0]
        if value == "" or "Expires=Thu, 01 Jan 1970" in header:
            client.delete_cookie("pc_admin_session")
        else:
            client.set_cookie("pc_admin_session", value)


def test_a_late_answer_for_an_ended_session_leaves_the_next_login_working(admin_app, operator):
    """A page left open when its session ended still has callbacks in flight. One answered after
    the login page was fetched used to clear the session cookie that carried the login form's CSRF
    secret, so the right password was answered 页面已过期 (seen as the admin's browser tests losing
    their sign-in under load)."""
    client = admin_app.server.test_client()
    assert login(client, operator, PASSWORD).status_code == 302
    late = admin_app.server.test_client()  # the old page's request, sent with the old cookie
    late.set_cookie("pc_admin_session", client.get_cookie("pc_admin_session").value)
    client.get("/logout")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    late_answer = late.post("/_dash-update-component", json={})
    assert late_answer.status_code == 401
    _take_session_cookie(client, late_answer)
    signed_in = client.post("/login", data={"username": operator, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302


def test_a_late_answer_for_an_ended_session_does_not_sign_out_the_new_one(admin_app, operator):
    client = admin_app.server.test_client()
    assert login(client, operator, PASSWORD).status_code == 302
    late = admin_app.server.test_client()
    late.set_cookie("pc_admin_session", client.get_cookie("pc_admin_session").value)
    client.get("/logout")
    assert login(client, operator, PASSWORD).status_code == 302
    _take_session_cookie(client, late.post("/_dash-update-component", json={}))
    assert client.get("/_dash-layout").status_code == 200


def test_staff_password_is_stored_as_argon2id(svc, operator):
    assert svc.staff.credentials(operator).password_hash.startswith("$argon2id$")
