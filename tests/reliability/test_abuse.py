"""Abuse over real HTTP: guessing SMS codes, reusing captchas, tampered tokens, other users' ids in
paths, oversized and deeply nested JSON, path traversal and non-images in image fields, a
20-megapixel image. Every one refused with the contract's errors, never a 5xx."""
from __future__ import annotations

import base64
import json
import time

import devset
import jwt
import pytest
import requests
from stackctl import FACE, genuine_steps, new_retiree
from support import unique_id_number, unique_phone

PASSWORD = "Shaanxi2026"


def error_code(answer):
    status, body = answer
    return status, body["error"]["code"]


# --- SMS codes and captchas --------------------------------------------------------------------

def test_guessing_an_sms_code_kills_it_after_five_wrong_tries(rstack):
    phone = unique_phone()
    code = rstack.sms_code(phone)
    body = {"phone": phone, "name": "李秀英", "id_number": unique_id_number(1961),
            "password": PASSWORD, "password_confirm": PASSWORD}
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 6)]
    for guess in wrong:
        assert error_code(rstack.post("/auth/register", {**body, "sms_code": guess})) == (400, "SMS_CODE_INVALID")
    # The sixth try is the right code: too late, the code is dead.
    assert error_code(rstack.post("/auth/register", {**body, "sms_code": code})) == (400, "SMS_CODE_INVALID")


def test_a_captcha_is_single_use_even_after_a_wrong_answer(rstack):
    status, captcha = rstack.post("/auth/captcha")
    assert status == 200
    request = {"phone": unique_phone(), "captcha_id": captcha["captcha_id"], "purpose": "register"}
    assert rstack.post("/auth/sms-code", {**request, "captcha_answer": captcha["debug_answer"]})[0] == 202
    reuse = {**request, "phone": unique_phone(), "captcha_answer": captcha["debug_answer"]}
    assert error_code(rstack.post("/auth/sms-code", reuse)) == (400, "CAPTCHA_INVALID")

    status, other = rstack.post("/auth/captcha")
    guess = {"phone": unique_phone(), "captcha_id": other["captcha_id"], "purpose": "register"}
    assert error_code(rstack.post("/auth/sms-code", {**guess, "captcha_answer": "0000"})) == (400, "CAPTCHA_INVALID")
    # No second guess on the same captcha, not even the right one.
    assert error_code(rstack.post("/auth/sms-code", {**guess, "captcha_answer": other["debug_answer"]})) == (
        400, "CAPTCHA_INVALID")


# --- tokens -------------------------------------------------------------------------------------

def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def victim(rstack):
    person = new_retiree(rstack, name="郑淑华", pin="778899", year=1946)
    relative = unique_id_number(1925)
    status, body = rstack.post("/contacts", {"name": "郑老太", "id_number": relative, "relation": "母亲"},
                               person["token"])
    assert status == 201
    person["contact_id"] = body["contact_id"]
    return person


def test_tampered_tokens_are_unauthenticated(rstack, victim):
    now = int(time.time())
    claims = {"sub": victim["user_id"], "lm": "card", "iss": "pensioncert", "iat": now, "exp": now + 3600}
    header, payload, signature = victim["token"].split(".")
    forged = {
        "alg none": _b64({"alg": "none", "typ": "JWT"}) + "." + _b64(claims) + ".",
        "alg None, signature kept": _b64({"alg": "None", "typ": "JWT"}) + "." + payload + "." + signature,
        "expired, right secret": jwt.encode({**claims, "iat": now - 7300, "exp": now - 100},
                                            rstack.token_secret(), algorithm="HS256"),
        "wrong secret": jwt.encode(claims, "not-the-secret-" + "x" * 32, algorithm="HS256"),
        "HS512 with the secret": jwt.encode(claims, rstack.token_secret(), algorithm="HS512"),
        "payload swapped, signature kept": header + "." + _b64({**claims, "sub": "u_" + "0" * 24}) + "." + signature,
        "issued in the future": jwt.encode({**claims, "iat": now + 3600, "exp": now + 7200},
                                           rstack.token_secret(), algorithm="HS256"),
        "unknown account": jwt.encode({**claims, "sub": "u_" + "f" * 24}, rstack.token_secret(), algorithm="HS256"),
        "no login method": jwt.encode({k: v for k, v in claims.items() if k != "lm"}, rstack.token_secret(),
                                      algorithm="HS256"),
    }
    for name, token in forged.items():
        for method, path in (("GET", "/contacts"), ("GET", "/query/status?subject=self")):
            assert error_code(rstack.request(method, path, token=token)) == (401, "UNAUTHENTICATED"), name
    assert rstack.get("/contacts", victim["token"])[0] == 200  # the real one still works


def test_another_users_ids_in_paths_and_subjects_reach_nothing(rstack, victim, demo_token):
    contact = victim["contact_id"]
    assert error_code(rstack.delete(f"/contacts/{contact}", demo_token)) == (404, "NOT_FOUND")
    for path in (f"/query/status?subject={contact}", f"/query/certifications?subject={contact}",
                 f"/certify/eligibility?subject={contact}"):
        assert error_code(rstack.get(path, demo_token)) == (404, "NOT_FOUND"), path
    assert error_code(rstack.post("/certify/sessions", {"subject": contact}, demo_token)) == (404, "NOT_FOUND")
    assert error_code(rstack.post("/certify/home-visit-requests", {
        "subject": contact, "reason": "卧床", "address": "西安市新城区", "contact_phone": unique_phone()},
        demo_token)) == (404, "NOT_FOUND")
    # The victim's own session, completed with someone else's token: refused, and not used up.
    session = rstack.open_session(victim["token"])
    steps = genuine_steps(session)
    complete = f"/certify/sessions/{session['session_id']}/complete"
    assert error_code(rstack.post(complete, {"steps": steps}, demo_token)) == (410, "SESSION_EXPIRED")
    status, body = rstack.post(complete, {"steps": steps}, victim["token"])
    assert status == 200, (session["challenges"], body)
    # The victim still has the contact.
    assert [item["contact_id"] for item in rstack.get("/contacts", victim["token"])[1]["items"]] == [contact]


# --- body shapes --------------------------------------------------------------------------------

def test_an_oversized_body_is_413_and_an_oversized_field_400(rstack, demo_token):
    huge = json.dumps({"phone": "13800138000", "password": "x" * (8 * 1024 * 1024 + 10)})
    assert error_code(rstack.post("/auth/login", raw=huge)) == (413, "PAYLOAD_TOO_LARGE")
    frame = "A" * (4 * 1024 * 1024 + 4)  # one frame over its limit, the body under the body limit
    status, body = rstack.post("/certify/sessions/x/complete",
                               {"steps": [{"challenge": "blink", "frames": [frame, "a", "a"]}] * 1}, demo_token)
    assert (status, body["error"]["code"]) == (400, "BAD_REQUEST") and "steps" in body["error"]["field"]


@pytest.mark.parametrize("raw", [
    "[" * 100_000 + "]" * 100_000,
    "{\"a\":" * 50_000 + "1" + "}" * 50_000,
    json.dumps({"phone": "13800138000", "password": "x"})[:-1] + ", \"n\": " + "[" * 20_000 + "]" * 20_000 + "}",
], ids=["array", "object", "inside-a-valid-body"])
def test_deeply_nested_json_is_a_bad_request(rstack, raw):
    assert error_code(rstack.post("/auth/login", raw=raw)) == (400, "BAD_REQUEST")


@pytest.mark.parametrize("path, code", [
    ("/contacts/..%2F..%2Fetc%2Fpasswd", "NOT_FOUND"),  # a contact_id of "../../etc/passwd": no such contact
    ("/contacts/%2e%2e", "NOT_FOUND"),  # requests sends /contacts/..: a contact_id of ".."
    ("/../../etc/passwd", "ROUTE_NOT_FOUND"),  # requests sends /etc/passwd: no route
    ("/admin", "ROUTE_NOT_FOUND"),
])
def test_unknown_paths_and_traversal_in_path_parameters_are_404(rstack, demo_token, path, code):
    status, body = rstack.delete(path, demo_token)
    assert (status, body["error"]["code"]) == (404, code), body


@pytest.mark.parametrize("method", ["TRACE", "QUERY"])
def test_unknown_http_methods_get_the_contract_error_shape(rstack, method):
    response = requests.request(method, rstack.base_url + "/auth/login", timeout=10)
    assert response.status_code == 405 and response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["Allow"] == "POST"


# --- image fields -------------------------------------------------------------------------------

def _frames(value, count=3):
    return [value] * count


@pytest.mark.parametrize("frame", [
    "../../../../etc/passwd",
    "file:///etc/passwd",
    "/work/main/.cache/vision/photos/obama.jpg",
    "s3://pc-local-evidence/registry-photos/x",
    "data:image/jpeg;base64,../../etc/shadow",
    base64.b64encode(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n" * 20).decode(),
    base64.b64encode(b"\x7fELF\x02\x01\x01" + b"\x00" * 500).decode(),
    base64.b64encode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").decode(),
    base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 64).decode(),  # a JPEG header and nothing more
], ids=["traversal", "file-url", "absolute-path", "s3-url", "data-url-traversal", "pdf", "elf", "gif",
        "truncated-jpeg"])
def test_paths_and_non_images_in_image_fields_are_bad_requests_and_no_attempt(rstack, frame):
    person = _image_subject(rstack)
    session = rstack.open_session(person["token"])
    steps = [{"challenge": challenge, "frames": _frames(frame)} for challenge in session["challenges"]]
    status, body = rstack.post(f"/certify/sessions/{session['session_id']}/complete", {"steps": steps},
                               person["token"])
    # Contract v1.1: an image field that is not a JPEG or PNG is 400 IMAGE_INVALID, never decoded.
    assert (status, body["error"]["code"]) == (400, "IMAGE_INVALID"), body
    status, body = rstack.post("/auth/real-name/sessions/x/complete",
                               {"id_card_image": frame, "steps": steps}, person["token"])
    assert (status, body["error"]["code"]) == (400, "IMAGE_INVALID"), body
    key = rstack.vault().lookup("id", person["id"])
    assert not [item for item in rstack.scan("attempts") if item["subject_key"]["S"] == key]


def _image_subject(rstack):
    """A retiree of her own for each case: a day's sessions for one subject are capped at 10."""
    return new_retiree(rstack, name="钱玉兰", pin="556677", year=1949)


def test_a_20_megapixel_image_is_refused_without_a_5xx(rstack, tmp_path):
    import cv2

    big = cv2.resize(cv2.imread(str(devset.reference_photo(FACE))), (5472, 3648), interpolation=cv2.INTER_LINEAR)
    ok, encoded = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 40])
    assert ok
    frame = base64.b64encode(encoded.tobytes()).decode()
    assert len(frame) < 4 * 1024 * 1024, "under the per-image limit, so the pixel limit is what refuses it"
    person = new_retiree(rstack, name="孙桂珍", pin="334455", year=1947)
    session = rstack.open_session(person["token"])
    steps = [{"challenge": challenge, "frames": [frame] * 3} for challenge in session["challenges"]]
    assert len(json.dumps({"steps": steps})) < 6_000_000, "under the body limit too (contract v1.1: 6 MB)"
    status, body = rstack.post(f"/certify/sessions/{session['session_id']}/complete", {"steps": steps},
                               person["token"], timeout=120)
    # Contract v1.1: more than 4096 px a side or 12 megapixels is 400 IMAGE_TOO_LARGE, not decoded
    # (how long the refusal takes: bench/refusal_bench.py).
    assert (status, body["error"]["code"]) == (400, "IMAGE_TOO_LARGE"), body
    key = rstack.vault().lookup("id", person["id"])
    assert not [item for item in rstack.scan("certifications") if item["subject_key"]["S"] == key]
