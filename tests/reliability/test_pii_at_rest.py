"""Personal data at rest: after a journey that registers, binds phones, imports, adds contacts,
certifies and requests a home visit, every raw item of every table of the stage (and every
evidence object) is read with boto3: no ID number or phone in plain text anywhere, captcha answers
and SMS codes only as keyed hashes; the sealed values open to the right person and the lookup keys
are the keyed hashes. Names are stored in plain text (allowed)."""
from __future__ import annotations

import json
import re

import devset
from stackctl import genuine_steps, new_retiree
from support import unique_id_number, unique_phone

DEMO_IDS = ["610102194803150011", "610103195207080126", "610104194509210231", "610302195501020348"]
DEMO_PHONES = ["13800138000"]
LOCAL_ONLY = ("dev-sms-outbox",)  # the local stage's SMS copy: its text holds the code by design


def strings_of(node):
    """Every string value of a raw DynamoDB item (numbers are left out: an embedding's digits are
    not personal data and would match a 6-digit code by chance)."""
    if isinstance(node, dict):
        for kind, value in node.items():
            if kind == "S":
                yield value
            elif kind in ("L",):
                for element in value:
                    yield from strings_of(element)
            elif kind == "M":
                for element in value.values():
                    yield from strings_of(element)
            elif kind == "SS":
                yield from value
            elif isinstance(value, dict):
                yield from strings_of(value)


def test_no_id_number_or_phone_at_rest_and_secrets_only_hashed(rstack):
    vault = rstack.vault()
    # 1. A phone registration, and a second phone bound to it.
    phone_1, id_1 = unique_phone(), unique_id_number(1950)
    assert rstack.register(phone_1, id_1)[0] == 201
    status, login = rstack.post("/auth/login", {"phone": "+86 " + phone_1, "password": "Shaanxi2026"})
    assert status == 200
    phone_2 = unique_phone()
    code = rstack.sms_code(phone_2, "bind_phone")
    assert rstack.post("/auth/bind-phone", {"phone": phone_2, "sms_code": code}, login["token"])[0] == 200
    # 2. An imported card holder with a photo (lowercase x typed at login), a phone bound to the card
    #    account, a relative as a contact, a certification, a home-visit request.
    retiree = new_retiree(rstack, name="冯建军", pin="246357", year=1945)
    id_2 = retiree["id"]
    phone_3 = unique_phone()
    code = rstack.sms_code(phone_3, "bind_phone")
    assert rstack.post("/auth/bind-phone", {"phone": phone_3, "sms_code": code}, retiree["token"])[0] == 200
    id_3 = unique_id_number(1927)
    assert rstack.import_registry(f"{id_3},冯老太,西安市,新城区机关事务中心,recipient,,,p04.jpg\n",
                                  devset.reference_dir())["errors"] == []
    status, contact = rstack.post("/contacts", {"name": "冯老太", "id_number": id_3.lower(), "relation": "母亲"},
                                  retiree["token"])
    assert status == 201
    # The relative certified by proxy with her own face (her consent is then on record, so a
    # home-visit request for her is accepted).
    session = rstack.open_session(retiree["token"], contact["contact_id"])
    status, body = rstack.post(f"/certify/sessions/{session['session_id']}/complete",
                               {"steps": genuine_steps(session, "p04")}, retiree["token"])
    assert status == 200, (session["challenges"], body)
    phone_4 = unique_phone()
    status, _ = rstack.post("/certify/home-visit-requests", {
        "subject": contact["contact_id"], "reason": "卧床不起", "address": "西安市新城区东大街1号",
        "contact_phone": phone_4}, retiree["token"])
    assert status == 201
    # 3. A captcha and an SMS code left unused.
    status, captcha = rstack.post("/auth/captcha")
    phone_5 = unique_phone()
    sms_code = rstack.sms_code(phone_5)

    ids = [id_1, id_2, id_3] + DEMO_IDS
    phones = [phone_1, phone_2, phone_3, phone_4, phone_5] + DEMO_PHONES
    needles = set(ids) | {i.lower() for i in ids} | {i[:-1] for i in ids} | set(phones)
    tables = rstack.stage_tables()
    assert len(tables) >= 10, tables
    found, scanned = [], 0
    captcha_items = []
    for table in tables:
        base = table[len(rstack.table_prefix):]
        for item in rstack.scan(base):
            scanned += 1
            text = "\n".join(strings_of(item))
            found += [(table, needle) for needle in needles if needle in text]
            if base not in LOCAL_ONLY and re.search(rf"(?<!\d){sms_code}(?!\d)", text):
                found.append((table, "SMS code " + sms_code))
            if captcha["captcha_id"] in text:
                captcha_items.append(item)
            if any(value == captcha["debug_answer"] for value in strings_of(item)):
                found.append((table, "captcha answer"))
    assert not found, f"plain personal data or secrets at rest: {found}"
    assert scanned > 20
    assert len(captcha_items) == 1 and captcha["debug_answer"] not in "\n".join(strings_of(captcha_items[0]))

    # Evidence objects and their keys hold no ID number or phone either.
    s3 = rstack.s3()
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=rstack.bucket).get("Contents", [])]
    assert any(key.startswith("evidence/") for key in keys) and any(key.startswith("registry-photos/") for key in keys)
    for key in keys:
        assert not any(needle in key for needle in needles), key
        if key.startswith("evidence/"):
            body = s3.get_object(Bucket=rstack.bucket, Key=key)["Body"].read().decode()
            assert not any(needle in body for needle in needles), key

    # Sealed, not hashed only: the account opens to the person; the lookup key is the keyed hash;
    # two seals of one ID number differ (random nonce), so sealed values cannot be compared.
    accounts = rstack.scan("accounts")
    mine = next(item for item in accounts if item.get("phone_key", {}).get("S") == vault.lookup("phone", phone_1))
    assert vault.open(mine["id_sealed"]["S"]) == id_1 and mine["id_key"]["S"] == vault.lookup("id", id_1)
    assert vault.open(mine["phone_sealed"]["S"]) == phone_1
    assert vault.open(mine["bound_phone_sealed"]["S"]) == phone_2
    assert mine["name"]["S"] == "李秀英"  # names are plain (allowed)
    card_account = next(item for item in accounts if item["user_id"]["S"] == retiree["user_id"])
    person = next(item for item in rstack.scan("registry") if item["id_key"]["S"] == vault.lookup("id", id_2))
    assert card_account["id_sealed"]["S"] != person["id_sealed"]["S"]
    assert vault.open(card_account["id_sealed"]["S"]) == vault.open(person["id_sealed"]["S"]) == id_2
    visit = next(item for item in rstack.scan("home-visits") if item["subject_key"]["S"] == vault.lookup("id", id_3))
    assert vault.open(visit["contact_phone_sealed"]["S"]) == phone_4
    print(json.dumps({"tables": len(tables), "items_scanned": scanned, "s3_objects": len(keys)}))
