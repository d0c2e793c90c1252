"""Real HTTP against the stack that `make run` starts."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from support import REPO, unique_id_number, unique_phone

from localstage import devstack

PASSWORD = "Shaanxi2026"


def sms_code(stack, phone, purpose="register"):
    status, captcha = stack.post("/auth/captcha")
    assert status == 200
    status, _ = stack.post("/auth/sms-code", {"phone": phone, "captcha_id": captcha["captcha_id"],
                                              "captcha_answer": captcha["debug_answer"],
                                              "purpose": purpose})
    assert status == 202
    status, outbox = stack.get(f"/dev/sms-outbox?phone={phone}")
    assert status == 200
    return re.findall(r"(?<!\d)\d{6}(?!\d)", outbox["messages"][0]["text"])[0]


def register_body(phone, code, id_number):
    return {"phone": phone, "sms_code": code, "name": "李秀英", "id_number": id_number,
            "password": PASSWORD, "password_confirm": PASSWORD}


def test_the_demo_account_from_the_banner_logs_in(stack):
    status, body = stack.post("/auth/login", {"phone": devstack.DEMO_PHONE, "password": devstack.DEMO_PASSWORD})
    assert status == 200 and body["user"]["name"] == devstack.DEMO_NAME


def test_register_then_log_in_over_http(stack):
    phone = unique_phone()
    code = sms_code(stack, phone)
    status, body = stack.post("/auth/register", register_body(phone, code, unique_id_number()))
    assert status == 201
    status, body = stack.post("/auth/login", {"phone": phone, "password": PASSWORD})
    assert status == 200 and body["user"]["real_name_verified"] is False


def test_parallel_registrations_of_one_phone_make_one_account(stack):
    phone = unique_phone()
    code = sms_code(stack, phone)
    bodies = [register_body(phone, code, unique_id_number()) for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda body: stack.post("/auth/register", body), bodies))
    # One request spends the code (a conditional delete, before the phone is claimed); the others find it gone.
    answers = sorted((status, body.get("error", {}).get("code")) for status, body in outcomes)
    assert answers == [(201, None)] + [(400, "SMS_CODE_INVALID")] * 7, answers


def test_parallel_wrong_passwords_lock_the_account(stack):
    phone = unique_phone()
    stack.post("/auth/register", register_body(phone, sms_code(stack, phone), unique_id_number()))
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(
            lambda _: stack.post("/auth/login", {"phone": phone, "password": "Wrong2026x"}), range(8)))
    assert sorted(status for status, _ in outcomes) == [401, 401] + [423] * 6
    status, body = stack.post("/auth/login", {"phone": phone, "password": PASSWORD})
    assert status == 423 and body["error"]["unlock_at"].endswith("+08:00")


def test_make_import_feeds_the_running_stack(stack, tmp_path):
    person = unique_id_number(1947)
    registry = tmp_path / "registry.csv"
    registry.write_text(
        "id_number,name,region,unit,status,card_status,card_password,photo\n"
        f"{person},周国庆,西安市,新城区机关事务中心,recipient,activated,135791,\n"
        "not-an-id,周国庆,西安市,新城区机关事务中心,recipient,,,\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env["PC_DEVSTACK_STATE"] = str(stack.state_file)
    result = subprocess.run([sys.executable, "-m", "pensioncert.registry_import", str(registry)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    assert result.returncode == 1  # one row had an error, and the command says so
    assert report["written"] == 1 and report["errors"][0]["line"] == 3
    status, body = stack.post("/auth/card-login", {"id_number": person, "card_password": "135791"})
    assert status == 200 and body["user"]["name"] == "周国庆"


def test_unknown_routes_and_methods_answer_in_the_contract_shape(stack):
    import requests

    response = requests.get(stack.base_url + "/no/such/route", timeout=10)
    assert response.status_code == 404 and response.json()["error"]["code"] == "ROUTE_NOT_FOUND"
    response = requests.delete(stack.base_url + "/auth/login", timeout=10)
    assert response.status_code == 405 and response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
