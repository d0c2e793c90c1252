"""Issue 10's attacks on contacts, attempts and sizes, each played over the API (contract v1.1).

Contacts as a lookup service, unbounded impostor tries, oversized bodies and pixel bombs: every one
must now fail with the documented error. Failing completions that must count (contract v1.2: only a
liveness or match decision does) show the retiree's own registry photo held still to the camera, a
real dev-set frame; those that need not count use frames without a face; the one pass that is needed
uses real dev-set steps.
"""
from __future__ import annotations

import base64
import json
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import devset
import pytest
from auth_steps import latest_code, post, request_code
from support import unique_id_number, unique_phone, vision_calls

from pensioncert.dal import certifications, evidence
from pensioncert.dal.admin_tables import AuditTable
from pensioncert.logic.registry_import import import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PIN = "135791"
DAY = {"hours": 24, "minutes": 1}


def get(api, path, token):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body) if response.body else None


def card_login(api, id_number, pin=PIN):
    status, body = post(api, "/auth/card-login", {"id_number": id_number, "card_password": pin})
    assert status == 200, body
    return body["token"]


def import_people(svc, rows: list[str]):
    report = import_registry(svc, HEADER + "\n".join(rows) + "\n", devset.reference_dir(),
                             lambda id_key, image: evidence.put_registry_photo(
                                 svc.client("s3"), svc.settings.evidence_bucket, id_key, image))
    assert report.errors == []


def card_holder(svc, api, name="周国庆", photo=""):
    person = unique_id_number(1950)
    import_people(svc, [f"{person},{name},西安市,新城区机关事务中心,recipient,activated,{PIN},{photo}"])
    return person, card_login(api, person)


def add(api, token, id_number, name="王秀英", relation="母亲"):
    return post(api, "/contacts", {"name": name, "id_number": id_number, "relation": relation}, token)


def code_of(answer):
    status, body = answer
    return status, (body or {}).get("error", {}).get("code")


# --- contacts -----------------------------------------------------------------------------------

def test_only_five_add_attempts_a_day_whatever_their_outcome(api, svc):
    person, token = card_holder(svc, api)
    someone = unique_id_number(1940)
    assert add(api, token, someone)[0] == 201
    assert code_of(add(api, token, someone)) == (409, "CONTACT_EXISTS")  # refused: counts
    contact_id = get(api, "/contacts", token)[1]["items"][0]["contact_id"]
    assert api.http.delete(f"/contacts/{contact_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert add(api, token, unique_id_number(1941))[0] == 201
    assert add(api, token, unique_id_number(1942))[0] == 201
    assert add(api, token, someone)[0] == 201  # the 5th; the delete gave nothing back
    outcomes = [code_of(add(api, token, unique_id_number(1943))) for _ in range(21)]
    assert outcomes == [(429, "CONTACT_RATE_LIMITED")] * 21  # 26 attempts, 5 served
    assert len(get(api, "/contacts", token)[1]["items"]) == 3

    svc.clock.advance(**DAY)  # a rolling day later, five more
    token = card_login(api, person)
    assert add(api, token, unique_id_number(1944))[0] == 201


def test_every_add_attempt_is_audited_with_a_masked_number(api, svc):
    _person, token = card_holder(svc, api)
    user_id = _user_id(token)
    someone = unique_id_number(1940)
    add(api, token, someone)
    add(api, token, someone)
    events = list(AuditTable.by_actor.query(f"app:{user_id}"))
    outcomes = sorted(json.loads(event.after)["outcome"] for event in events)
    assert [event.action for event in events] == ["contact_add"] * 2 and outcomes == ["added", "exists"]
    assert all(someone not in event.target and event.target.endswith(someone[-4:]) for event in events)


def test_the_eleventh_contact_is_refused(api, svc):
    person, token = card_holder(svc, api)
    for _day in range(2):
        for _ in range(5):
            assert add(api, token, unique_id_number(1940))[0] == 201
        svc.clock.advance(**DAY)
        token = card_login(api, person)
    assert code_of(add(api, token, unique_id_number(1940))) == (409, "CONTACT_LIMIT")
    assert len(get(api, "/contacts", token)[1]["items"]) == 10
    # A delete frees a place (not an attempt): four attempts are left today.
    contact_id = get(api, "/contacts", token)[1]["items"][0]["contact_id"]
    assert api.http.delete(f"/contacts/{contact_id}", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert add(api, token, unique_id_number(1940))[0] == 201
    assert code_of(add(api, token, unique_id_number(1940))) == (409, "CONTACT_LIMIT")


def test_concurrent_adds_keep_both_the_rate_and_the_cap(api, svc):
    person, token = card_holder(svc, api)
    with ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: add(api, token, unique_id_number(1940))[0], range(12)))
    assert sorted(statuses) == [201] * 5 + [429] * 7
    svc.clock.advance(**DAY)
    token = card_login(api, person)
    for _ in range(3):
        assert add(api, token, unique_id_number(1940))[0] == 201  # 8 contacts
    svc.clock.advance(**DAY)
    token = card_login(api, person)
    with ThreadPoolExecutor(5) as pool:
        statuses = list(pool.map(lambda _: add(api, token, unique_id_number(1940))[0], range(5)))
    assert sorted(statuses) == [201] * 2 + [409] * 3
    assert len(get(api, "/contacts", token)[1]["items"]) == 10


def test_a_contacts_history_and_status_need_the_relatives_consent(api, svc):
    _person, token = card_holder(svc, api, name="周国庆")
    mother = unique_id_number(1930)
    import_people(svc, [f"{mother},周王氏,西安市,新城区机关事务中心,recipient,activated,246802,"])
    contact_id = add(api, token, mother, name="周王氏")[1]["contact_id"]
    # Eligible or not stays visible (a reason only with consent, issue 19 finding 8); history and status do not.
    assert get(api, f"/certify/eligibility?subject={contact_id}", token)[1]["reason"] is None
    for path in ("/query/certifications", "/query/status"):
        assert code_of(get(api, f"{path}?subject={contact_id}", token)) == (403, "CONSENT_REQUIRED")

    mother_token = card_login(api, mother, "246802")
    status, proxies = get(api, "/me/proxies", mother_token)
    assert status == 200 and len(proxies["items"]) == 1
    proxy = proxies["items"][0]
    assert proxy["name_masked"] == "周**" and proxy["consent"] is False and proxy["added_at"].endswith("+08:00")
    # Nobody else can consent on her behalf, nor see who added her.
    _, stranger_token = card_holder(svc, api, name="赵文华")
    assert get(api, "/me/proxies", stranger_token)[1] == {"items": []}
    assert code_of(post(api, f"/me/proxies/{proxy['proxy_id']}/consent", {}, stranger_token)) == (404, "NOT_FOUND")
    assert code_of(get(api, f"/query/status?subject={contact_id}", token)) == (403, "CONSENT_REQUIRED")

    assert post(api, f"/me/proxies/{proxy['proxy_id']}/consent", {}, mother_token) == (200, {"consent": True})
    assert get(api, "/me/proxies", mother_token)[1]["items"][0]["consent"] is True
    status, body = get(api, f"/query/status?subject={contact_id}", token)
    assert status == 200 and body["certified"] is False
    assert get(api, f"/query/certifications?subject={contact_id}", token) == (200, {"items": []})


def test_the_added_person_is_told_by_sms_who_added_them(api, svc):
    _, token = card_holder(svc, api, name="赵文华")
    mother = unique_id_number(1930)
    import_people(svc, [f"{mother},周王氏,西安市,新城区机关事务中心,recipient,activated,246802,"])
    mother_token = card_login(api, mother, "246802")
    phone = unique_phone()
    assert request_code(api, phone, "bind_phone")[0] == 202
    assert post(api, "/auth/bind-phone", {"phone": phone, "sms_code": latest_code(api, phone)}, mother_token)[0] == 200
    assert add(api, token, mother, name="周王氏")[0] == 201
    newest = json.loads(api.http.get(f"/dev/sms-outbox?phone={phone}").body)["messages"][0]["text"]
    assert "赵**" in newest and "赵文华" not in newest


def test_one_open_home_visit_request_per_subject(api, svc):
    _person, token = card_holder(svc, api)
    visit = {"subject": "self", "reason": "行动不便", "address": "西安市新城区某街道1号", "contact_phone": "13800138000"}
    assert post(api, "/certify/home-visit-requests", visit, token)[0] == 201
    assert code_of(post(api, "/certify/home-visit-requests", visit, token)) == (409, "HOME_VISIT_PENDING")
    with ThreadPoolExecutor(6) as pool:  # and not by racing either
        other = card_holder(svc, api)[1]
        statuses = list(pool.map(lambda _: post(api, "/certify/home-visit-requests", visit, other)[0], range(6)))
    assert sorted(statuses) == [201] + [409] * 5
    stranger = unique_id_number(1940)
    contact_id = add(api, token, stranger)[1]["contact_id"]
    assert code_of(post(api, "/certify/home-visit-requests", {**visit, "subject": contact_id}, token)) == (
        403, "CONSENT_REQUIRED")


# --- attempts -----------------------------------------------------------------------------------

def faceless_png() -> str:
    import cv2
    import numpy as np

    noise = np.random.default_rng(7).integers(90, 160, (240, 320, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".png", noise)
    assert ok
    return base64.b64encode(encoded.tobytes()).decode()


def faceless_steps(challenges):
    frame = faceless_png()
    return [{"challenge": challenge, "frames": [frame] * 3} for challenge in challenges]


def photo_steps(challenges):
    """The retiree's photo held still to the camera in every step: a liveness decision (counted)."""
    return [{"challenge": challenge, "frames": devset.repeated_frame_b64("p06")} for challenge in challenges]


def open_session(api, token):
    return post(api, "/certify/sessions", {"subject": "self"}, token)


def complete(api, token, session, steps=None):
    return post(api, f"/certify/sessions/{session['session_id']}/complete",
                {"steps": steps or faceless_steps(session["challenges"])}, token)


@pytest.fixture(scope="module")
def vision_models():
    import build_models

    build_models.build()


@pytest.fixture
def retiree(svc, api, vision_models):
    """A card holder whose registry photo is dev-set person p06's reference frame."""
    person, token = card_holder(svc, api, photo="p06.jpg")
    return {"id": person, "token": token, "key": svc.vault.lookup("id", person)}


def test_at_the_yearly_limit_no_session_opens_and_a_late_completion_cannot_pass(api, svc, retiree):
    token = retiree["token"]
    late = None
    for attempt in range(1, 6):
        status, session = open_session(api, token)
        assert status == 201, session
        if attempt == 5:
            late = open_session(api, token)[1]  # opened while one attempt was still left
        status, body = complete(api, token, session, photo_steps(session["challenges"]))
        assert (status, body["error"]["code"], body["error"]["attempts_left"]) == (422, "LIVENESS_FAILED", 5 - attempt)
        assert body["error"]["attempt_counted"] is True
    assert code_of(open_session(api, token)) == (429, "ATTEMPTS_EXHAUSTED")
    # The late session answered with the pensioner's own real steps: vision never runs, no pass.
    status, body = complete(api, token, late, devset.answer(late["challenges"], "p06"))
    assert (status, body["error"]["code"]) == (429, "ATTEMPTS_EXHAUSTED")
    year = svc.clock.now().year
    assert certifications.for_year(retiree["key"], year) is None
    assert certifications.failures(retiree["key"], year) == 5


def test_eligibility_and_status_say_how_many_tries_are_left(api, svc, retiree):
    """v1.3: the app learns the yearly limit was reached before it offers 确认 (no 429 needed)."""
    token = retiree["token"]
    assert get(api, "/certify/eligibility?subject=self", token)[1]["attempts_left"] == 5
    for _ in range(5):
        session = open_session(api, token)[1]
        complete(api, token, session, photo_steps(session["challenges"]))
    eligibility = get(api, "/certify/eligibility?subject=self", token)[1]
    status = get(api, "/query/status?subject=self", token)[1]
    assert (eligibility["attempts_left"], status["attempts_left"], len(status["failed_tries"])) == (0, 0, 5)


def test_concurrent_completions_cannot_run_past_the_limit(api, svc, retiree):
    token = retiree["token"]
    for _ in range(3):
        session = open_session(api, token)[1]
        complete(api, token, session, photo_steps(session["challenges"]))
    sessions = [open_session(api, token)[1] for _ in range(4)]  # 3 failures: all four may open
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda session: code_of(complete(api, token, session, photo_steps(session["challenges"]))),
                                sessions))
    assert sorted(answers) == [(422, "LIVENESS_FAILED")] * 2 + [(429, "ATTEMPTS_EXHAUSTED")] * 2
    assert certifications.failures(retiree["key"], svc.clock.now().year) == 5


def test_a_retried_completion_gets_the_same_answer_and_counts_once(api, svc, retiree):
    token = retiree["token"]
    session = open_session(api, token)[1]
    steps = photo_steps(session["challenges"])
    first = complete(api, token, session, steps)
    assert code_of(first) == (422, "LIVENESS_FAILED")
    assert complete(api, token, session, steps) == first
    assert complete(api, token, session, steps) == first
    assert certifications.failures(retiree["key"], svc.clock.now().year) == 1
    # Someone else's token does not read another's stored answer.
    _, other = card_holder(svc, api)
    assert code_of(complete(api, other, session, steps)) == (410, "SESSION_EXPIRED")


def test_vision_reads_the_frames_from_the_evidence_object(api, svc, retiree, monkeypatch):
    """The invoke carries the evidence object's key, never the frames."""
    from pensioncert.vision_client import InProcessTransport

    events = []
    real_invoke = InProcessTransport.invoke
    monkeypatch.setattr(InProcessTransport, "invoke", lambda self, event: events.append(event) or real_invoke(self, event))
    session = open_session(api, retiree["token"])[1]
    assert code_of(complete(api, retiree["token"], session)) == (422, "NO_FACE")
    assert [event["action"] for event in events] == ["decide_session_evidence"]
    assert events[0]["key"].startswith("evidence/certify/") and "steps" not in events[0]
    assert len(json.dumps(events[0])) < 8 * 1024


# --- sizes --------------------------------------------------------------------------------------

def png_header_only(width, height, rows=0) -> bytes:
    """A PNG of ``width`` x ``height`` (8-bit grey) whose IDAT holds ``rows`` zero rows."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * ((width + 1) * rows), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_body_over_6_mb_is_refused(api, svc, retiree):
    session = open_session(api, retiree["token"])[1]
    frame = "A" * 4_000_000
    body = json.dumps({"steps": [{"challenge": c, "frames": [frame]} for c in session["challenges"]]})
    assert len(body) > 6_000_000
    response = api.http.post(f"/certify/sessions/{session['session_id']}/complete", body=body,
                             headers={"Content-Type": "application/json",
                                      "Authorization": f"Bearer {retiree['token']}"})
    assert (response.status_code, json.loads(response.body)["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    assert svc.settings.max_body_bytes == 6_000_000


def test_a_pixel_bomb_is_refused_from_its_header_before_vision(api, svc, retiree, monkeypatch):
    bomb = png_header_only(64, 262144, rows=262144)
    assert len(bomb) < 300 * 1024  # small on the wire, 16.8 million pixels inside
    frame = base64.b64encode(bomb).decode()
    session = open_session(api, retiree["token"])[1]
    steps = [{"challenge": c, "frames": [frame] * 3} for c in session["challenges"]]
    with vision_calls(monkeypatch) as asked:  # how long the refusal takes: bench/refusal_bench.py
        answer = complete(api, retiree["token"], session, steps)
    assert code_of(answer) == (400, "IMAGE_INVALID") and answer[1]["error"]["field"].startswith("steps")
    assert asked == []
    # Not an attempt, and the session is still usable (nothing was taken).
    assert certifications.failures(retiree["key"], svc.clock.now().year) == 0
    assert code_of(complete(api, retiree["token"], session)) == (422, "NO_FACE")


@pytest.mark.parametrize("size, code", [
    ((5000, 4000), "IMAGE_TOO_LARGE"),   # a side over 4096
    ((4096, 3500), "IMAGE_TOO_LARGE"),   # 14.3 MP
    ((4100, 1000), "IMAGE_INVALID"),     # 4.1:1
    ((0, 480), "IMAGE_INVALID"),
])
def test_oversized_and_odd_images_are_refused_from_their_header(api, svc, retiree, size, code):
    frame = base64.b64encode(png_header_only(*size)).decode()
    session = open_session(api, retiree["token"])[1]
    steps = [{"challenge": c, "frames": [frame] * 3} for c in session["challenges"]]
    assert code_of(complete(api, retiree["token"], session, steps)) == (400, code)


def test_a_pixel_bomb_as_the_id_card_image_is_refused_before_vision(api, svc, monkeypatch):
    phone = unique_phone()
    from auth_steps import login, register

    assert register(api, phone, unique_id_number(1960))[0] == 201
    token = login(api, phone)[1]["token"]
    bomb = base64.b64encode(png_header_only(64, 262144, rows=262144)).decode()
    with vision_calls(monkeypatch) as asked:
        answer = post(api, "/auth/real-name/sessions/anything/complete",
                      {"id_card_image": bomb, "steps": faceless_steps(["blink", "open_mouth"])}, token)
    assert code_of(answer) == (400, "IMAGE_INVALID") and asked == []


def _user_id(token):
    from pensioncert import tokens
    from pensioncert.services import services

    return tokens.verify(services().token_secret, token, services().clock.now()).user_id


def test_real_name_binding_allows_five_failed_completions_a_day(api, svc):
    import devset
    from auth_steps import login, register

    from localstage.fake_authority import enrol

    phone, id_number = unique_phone(), unique_id_number(1962)
    # Binding needs a trusted face (issue 19): the identity authority's photo of this number.
    enrol(svc.settings.identity_authority_url, svc.settings.identity_authority_key.get_secret_value(), id_number,
          "王建国", devset.reference_photo("p06").read_bytes())
    assert register(api, phone, id_number)[0] == 201
    token = login(api, phone)[1]["token"]
    card = faceless_png()  # a valid image with no card and no face in it

    def attempt():
        status, session = post(api, "/auth/real-name/sessions", {"name": "王建国", "id_number": id_number}, token)
        if status != 201:
            return code_of((status, session)), None
        answer = post(api, f"/auth/real-name/sessions/{session['session_id']}/complete",
                      {"id_card_image": card, "steps": faceless_steps(session["challenges"])}, token)
        return code_of(answer), answer[1]["error"].get("attempts_left")

    assert [attempt() for _ in range(6)] == [((422, "ID_CARD_UNREADABLE"), left) for left in (4, 3, 2, 1, 0)] + [
        ((429, "ATTEMPTS_EXHAUSTED"), None)]
    svc.clock.advance(**DAY)  # the window rolls: one attempt frees up as each failure turns 24 hours old
    token = login(api, phone)[1]["token"]
    assert attempt() == ((422, "ID_CARD_UNREADABLE"), 4)


def test_a_proxy_certification_that_matched_the_relatives_reference_records_consent(api, svc, retiree):
    """The relative (dev-set person p04, her registry photo) in front of the proxy's phone."""
    mother = unique_id_number(1931)
    import_people(svc, [f"{mother},周王氏,西安市,新城区机关事务中心,recipient,activated,246802,p04.jpg"])
    contact_id = add(api, retiree["token"], mother, name="周王氏")[1]["contact_id"]
    assert code_of(get(api, f"/query/status?subject={contact_id}", retiree["token"])) == (403, "CONSENT_REQUIRED")
    session = devset.answerable_session(lambda: post(api, "/certify/sessions", {"subject": contact_id},
                                                     retiree["token"])[1])
    status, body = complete(api, retiree["token"], session, devset.answer(session["challenges"], "p04"))
    assert status == 200, body
    status, answer = get(api, f"/query/status?subject={contact_id}", retiree["token"])
    assert status == 200 and answer["certified"] is True
    proxies = get(api, "/me/proxies", card_login(api, mother, "246802"))[1]["items"]
    assert [proxy["consent"] for proxy in proxies] == [True]
