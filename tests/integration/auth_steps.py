"""The steps of the auth journey as the app performs them, for the integration tests."""
from __future__ import annotations

import json
import re

PASSWORD = "Shaanxi2026"


def post(api, path: str, body: dict | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = api.http.post(path, headers=headers, body=json.dumps(body or {}))
    return response.status_code, json.loads(response.body) if response.body else None


def captcha(api) -> tuple[str, str]:
    status, body = post(api, "/auth/captcha")
    assert status == 200
    return body["captcha_id"], body["debug_answer"]


def request_code(api, phone: str, purpose: str = "register"):
    captcha_id, answer = captcha(api)
    return post(api, "/auth/sms-code", {"phone": phone, "captcha_id": captcha_id,
                                        "captcha_answer": answer, "purpose": purpose})


def latest_code(api, phone: str) -> str:
    response = api.http.get(f"/dev/sms-outbox?phone={phone}")
    assert response.status_code == 200
    messages = json.loads(response.body)["messages"]
    assert messages, f"no SMS sent to {phone}"
    return re.findall(r"(?<!\d)\d{6}(?!\d)", messages[0]["text"])[0]


def register(api, phone: str, id_number: str, name: str = "王建国", password: str = PASSWORD):
    status, _ = request_code(api, phone)
    assert status == 202
    return post(api, "/auth/register", {
        "phone": phone, "sms_code": latest_code(api, phone), "name": name,
        "id_number": id_number, "password": password, "password_confirm": password,
    })


def login(api, phone: str, password: str = PASSWORD):
    return post(api, "/auth/login", {"phone": phone, "password": password})
