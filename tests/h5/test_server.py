"""The H5 server of `make run`: static files with a strict policy, /api/* passed to the API as is,
nothing outside h5/app/ served."""
from __future__ import annotations

import requests


def test_static_files_carry_a_strict_content_security_policy(h5_stack):
    response = requests.get(h5_stack.h5_url + "/", timeout=10)
    assert response.status_code == 200 and "陕西养老保险" in response.text
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(h5_stack.h5_url + "/app.js", timeout=10).headers["Content-Type"].startswith("text/javascript")


def test_api_answers_pass_through_unchanged(h5_stack):
    direct = requests.post(h5_stack.base_url + "/auth/login", json={"phone": "12", "password": "x"}, timeout=10)
    proxied = requests.post(h5_stack.h5_url + "/api/auth/login", json={"phone": "12", "password": "x"}, timeout=10)
    assert proxied.status_code == direct.status_code == 400
    assert proxied.json()["error"]["code"] == direct.json()["error"]["code"] == "PHONE_NOT_MAINLAND"
    unauth = requests.get(h5_stack.h5_url + "/api/contacts", headers={"Authorization": "Bearer forged"}, timeout=10)
    assert unauth.status_code == 401 and unauth.json()["error"]["code"] == "UNAUTHENTICATED"


def test_nothing_outside_the_app_folder_is_served(h5_stack):
    for path in ("/../serve.py", "/%2e%2e/serve.py", "/..%2fserve.py", "/serve.py"):
        response = requests.get(h5_stack.h5_url + path, timeout=10)
        assert response.status_code == 404, path
        assert "make_server" not in response.text


def test_the_run_banner_prints_the_clients_url(h5_stack):
    assert f"Mobile web client (H5)      {h5_stack.h5_url}" in h5_stack.read_log()
