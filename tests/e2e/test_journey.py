"""A retiree's whole journey over HTTP, on the stack `make run` starts, with real faces:
register → real-name binding → add a relative → certify self → certify the relative → query.

Every liveness session is opened over HTTP; the test answers whatever challenges it drew with the
person's labelled real steps from the vision dev set (tests/devset.py). The registry photos are the
dev set's reference frames of the same people; the ID card shows the retiree's face.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import devset
from support import REPO, unique_id_number, unique_phone
from test_stack import PASSWORD, sms_code

ME, MOTHER = "p06", "p04"  # dev-set people with real steps of every challenge


def import_registry(stack, tmp_path, rows, people):
    devset.copy_reference_photos(tmp_path, people)
    csv_file = tmp_path / "registry.csv"
    csv_file.write_text("id_number,name,region,unit,status,card_status,card_password,photo\n"
                        + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PC_")}
    env["PC_DEVSTACK_STATE"] = str(stack.state_file)
    result = subprocess.run([sys.executable, "-m", "pensioncert.registry_import", str(csv_file)],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def answered(session, person):
    """The drawn challenges answered with the person's real steps, and a note of which steps."""
    used = [step.sequence for step in devset.chosen_steps(session["challenges"], person)]
    return devset.answer(session["challenges"], person), f"drew {session['challenges']}, sent {used}"


def test_a_retirees_whole_journey(vision_models, stack, tmp_path):
    me, mother, phone = unique_id_number(1948), unique_id_number(1929), unique_phone()
    report = import_registry(stack, tmp_path, [
        f"{me},周国庆,西安市,新城区机关事务中心,recipient,,,{ME}.jpg",
        f"{mother},周王氏,西安市,新城区机关事务中心,recipient,,,{MOTHER}.jpg",
    ], (ME, MOTHER))
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
    steps, note = answered(session, ME)
    status, body = stack.post(f"/auth/real-name/sessions/{session['session_id']}/complete", {
        "id_card_image": devset.id_card_b64(ME, name="周国庆", id_number=me), "steps": steps}, token)
    assert (status, body) == (200, {"real_name_verified": True}), (note, body)
    status, login = stack.post("/auth/login", {"phone": phone, "password": PASSWORD})
    assert login["user"]["real_name_verified"] is True
    token = login["token"]

    status, contact = stack.post("/contacts", {"name": "周王氏", "id_number": mother, "relation": "母亲"}, token)
    assert status == 201
    for subject, person in (("self", ME), (contact["contact_id"], MOTHER)):
        assert stack.get(f"/certify/eligibility?subject={subject}", token)[1]["eligible"] is True
        session = devset.answerable_session(
            lambda subject=subject: stack.post("/certify/sessions", {"subject": subject}, token)[1])
        steps, note = answered(session, person)
        status, result = stack.post(f"/certify/sessions/{session['session_id']}/complete",
                                    {"steps": steps}, token)
        assert status == 200 and result["result"] == "passed", (note, result)

    mine = stack.get("/query/certifications?subject=self", token)[1]["items"]
    hers = stack.get(f"/query/certifications?subject={contact['contact_id']}", token)[1]["items"]
    assert [item["method"] for item in mine] == ["app"]
    assert [item["method"] for item in hers] == ["proxy_app"]
    status = stack.get("/query/status?subject=self", token)[1]
    assert status["certified"] is True and status["payment_status"] == "normal"
    status, refused = stack.post("/certify/sessions", {"subject": "self"}, token)
    assert (status, refused["error"]["reason"]) == (409, "ALREADY_CERTIFIED")
