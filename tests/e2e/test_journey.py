"""A retiree's whole journey over HTTP, on the stack `make run` starts, with real face photos:
register → real-name binding → add a relative → certify self → certify the relative → query.

The registries carry real frames of one action only (mouth closed, then open); the sessions the
API opens ask for two distinct actions. So after opening each session over HTTP, the test sets its
challenges to that one action twice, directly in the emulated table, and sends the real frames.
Everything else (import with photos, ID card portrait, liveness, matching, storage) is the real path.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys

from support import REPO, id_card_jpeg, unique_id_number, unique_phone
from test_stack import PASSWORD, sms_code

GENUINE = ("obama.jpg", "obama.jpg", "obama2.jpg")


def import_registry(stack, tmp_path, photos, rows):
    for name in ("obama3.jpg", "biden.jpg"):
        shutil.copy(photos / name, tmp_path / name)
    csv_file = tmp_path / "registry.csv"
    csv_file.write_text("id_number,name,region,unit,status,card_status,card_password,photo\n"
                        + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env["PC_DEVSTACK_STATE"] = str(stack.state_file)
    result = subprocess.run([sys.executable, "-m", "pensioncert.registry_import", str(csv_file)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def with_one_real_action(stack, session_id):
    table = stack.environment.get("PC_TABLE_PREFIX") or "pc-local-"
    stack.dynamodb().update_item(
        TableName=f"{table}liveness-sessions", Key={"session_id": {"S": session_id}},
        UpdateExpression="SET challenges = :c",
        ExpressionAttributeValues={":c": {"L": [{"S": "open_mouth"}, {"S": "open_mouth"}]}},
    )


def genuine_steps(photos):
    frames = [base64.b64encode((photos / name).read_bytes()).decode() for name in GENUINE]
    return [{"challenge": "open_mouth", "frames": frames}] * 2


def test_a_retirees_whole_journey(stack, photos, tmp_path):
    me, mother, phone = unique_id_number(1948), unique_id_number(1929), unique_phone()
    report = import_registry(stack, tmp_path, photos, [
        f"{me},周国庆,西安市,新城区机关事务中心,recipient,,,obama3.jpg",
        f"{mother},周王氏,西安市,新城区机关事务中心,recipient,,,obama3.jpg",
    ])
    assert report["written"] == 2 and report["errors"] == []

    status, _ = stack.post("/auth/register", {
        "phone": phone, "sms_code": sms_code(stack, phone), "name": "周國慶", "id_number": me.lower(),
        "password": PASSWORD, "password_confirm": PASSWORD})
    assert status == 201
    token = stack.post("/auth/login", {"phone": phone, "password": PASSWORD})[1]["token"]
    status, body = stack.get("/contacts", token)
    assert (status, body["error"]["code"]) == (403, "REAL_NAME_REQUIRED")

    status, session = stack.post("/auth/real-name/sessions", {"name": "周国庆", "id_number": me}, token)
    assert status == 201
    with_one_real_action(stack, session["session_id"])
    status, body = stack.post(f"/auth/real-name/sessions/{session['session_id']}/complete", {
        "id_card_image": "data:image/jpeg;base64," + base64.b64encode(id_card_jpeg(photos / "obama.jpg")).decode(),
        "steps": genuine_steps(photos)}, token)
    assert (status, body) == (200, {"real_name_verified": True})
    status, login = stack.post("/auth/login", {"phone": phone, "password": PASSWORD})
    assert login["user"]["real_name_verified"] is True
    token = login["token"]

    status, contact = stack.post("/contacts", {"name": "周王氏", "id_number": mother, "relation": "母亲"}, token)
    assert status == 201
    for subject in ("self", contact["contact_id"]):
        assert stack.get(f"/certify/eligibility?subject={subject}", token)[1]["eligible"] is True
        status, session = stack.post("/certify/sessions", {"subject": subject}, token)
        assert status == 201
        with_one_real_action(stack, session["session_id"])
        status, result = stack.post(f"/certify/sessions/{session['session_id']}/complete",
                                    {"steps": genuine_steps(photos)}, token)
        assert status == 200 and result["result"] == "passed", result

    mine = stack.get("/query/certifications?subject=self", token)[1]["items"]
    hers = stack.get(f"/query/certifications?subject={contact['contact_id']}", token)[1]["items"]
    assert [item["method"] for item in mine] == ["app"]
    assert [item["method"] for item in hers] == ["proxy_app"]
    status = stack.get("/query/status?subject=self", token)[1]
    assert status["certified"] is True and status["payment_status"] == "normal"
    status, refused = stack.post("/certify/sessions", {"subject": "self"}, token)
    assert (status, refused["error"]["reason"]) == (409, "ALREADY_CERTIFIED")
