"""Contract v1.2 over the API with the real vision layer: which tries count, which step failed, proxies
on their own budget, and the failed tries a retiree and their relatives see.

Every session is opened by the API and every image is real (the dev set's frames, or frames without a
face); nothing is written into the tables behind the API's back.
"""
from __future__ import annotations

import base64
import json

import devset
import pytest
from auth_steps import latest_code, login, post, register, request_code
from support import unique_id_number, unique_phone

from pensioncert.dal import evidence
from pensioncert.logic.registry_import import import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
PIN = "135791"
LIMIT = 5


def get(api, path, token):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


def import_person(svc, name: str, photo: str) -> str:
    person = unique_id_number(1948)
    report = import_registry(svc, HEADER + f"{person},{name},西安市,新城区机关事务中心,recipient,activated,{PIN},{photo}\n",
                             devset.reference_dir(),
                             lambda id_key, image: evidence.put_registry_photo(
                                 svc.client("s3"), svc.settings.evidence_bucket, id_key, image))
    assert report.errors == []
    return person


def card_login(api, id_number) -> str:
    status, body = post(api, "/auth/card-login", {"id_number": id_number, "card_password": PIN})
    assert status == 200, body
    return body["token"]


def open_session(api, token, subject="self"):
    return post(api, "/certify/sessions", {"subject": subject}, token)


def complete(api, token, session, steps):
    return post(api, f"/certify/sessions/{session['session_id']}/complete", {"steps": steps}, token)


def faceless_steps(challenges):
    """A camera that shows no face (a uniform grey picture: covered, or pointed away)."""
    import cv2
    import numpy as np

    ok, encoded = cv2.imencode(".jpg", np.full((480, 640, 3), 40, dtype=np.uint8))
    assert ok
    frame = base64.b64encode(encoded.tobytes()).decode()
    return [{"challenge": challenge, "frames": [frame] * 3} for challenge in challenges]


def error_of(answer) -> dict:
    status, body = answer
    assert status == 422, body
    return body["error"]


@pytest.fixture(scope="module")
def vision_models():
    import build_models

    build_models.build()


@pytest.fixture
def retiree(svc, api, vision_models):
    """A card holder (dev-set person p06, her registry photo) logged in by card."""
    person = import_person(svc, "周国庆", "p06.jpg")
    return {"id": person, "token": card_login(api, person)}


# --- which tries count ---------------------------------------------------------------------------

def test_a_camera_that_shows_no_face_uses_no_try(api, svc, retiree):
    token = retiree["token"]
    answers = []
    for _ in range(LIMIT + 1):  # more than the year's tries
        status, session = open_session(api, token)
        assert status == 201, session
        error = error_of(complete(api, token, session, faceless_steps(session["challenges"])))
        answers.append((error["code"], error["attempt_counted"], error["attempts_left"]))
    assert answers == [("NO_FACE", False, LIMIT)] * (LIMIT + 1)
    assert "光线" in error["message"] and "不计入" in error["message"]
    assert open_session(api, token)[0] == 201  # the year's tries are all there
    assert get(api, "/query/status?subject=self", token)[1]["failed_tries"] == []


def test_a_still_photo_is_judged_and_counts(api, svc, retiree):
    """A frozen camera that still shows a face reads, to vision, as a photo held still to the camera
    (replay_static): an attack, judged, counted (rules/attempts.py)."""
    token = retiree["token"]
    session = open_session(api, token)[1]
    steps = [{"challenge": c, "frames": devset.repeated_frame_b64("p06")} for c in session["challenges"]]
    error = error_of(complete(api, token, session, steps))
    assert (error["code"], error["attempt_counted"], error["attempts_left"]) == ("LIVENESS_FAILED", True, LIMIT - 1)
    assert error["challenge"] is None


# --- which step failed ---------------------------------------------------------------------------

def test_liveness_failed_names_the_one_action_not_seen(api, svc, vision_models):
    """Dev-set person p08 blinks for real, then does not turn the head (a labelled no_action window)."""
    person = import_person(svc, "周建华", "p08.jpg")
    token = card_login(api, person)
    for _ in range(40):  # a third of draws are that pair; the day moves on when its sessions are used up
        status, session = open_session(api, token)
        if status == 429 and session["error"]["code"] == "SESSION_LIMIT":
            svc.clock.advance(days=1)
            token = card_login(api, person)  # a token lasts two hours
        elif set(session["challenges"]) == {"blink", "turn_head"}:
            break
    else:
        pytest.fail("40 draws without exactly blink and turn_head")
    frames = {"blink": devset.steps("p08", "blink")[0].frames_b64(),
              "turn_head": devset.attack("no_action", "p08").frames_b64()}
    steps = [{"challenge": c, "frames": frames[c]} for c in session["challenges"]]
    error = error_of(complete(api, token, session, steps))
    assert (error["code"], error["challenge"]) == ("LIVENESS_FAILED", "turn_head")
    assert "摇头" in error["message"]
    assert "眨眼" not in error["message"] and "张嘴" not in error["message"]
    assert (error["attempt_counted"], error["attempts_left"]) == (True, LIMIT - 1)
    tries = get(api, "/query/status?subject=self", token)[1]["failed_tries"]
    assert [(t["reason"], t["by"]) for t in tries] == [("LIVENESS_FAILED", "本人")]
    assert tries[0]["at"].endswith("+08:00")
    assert get(api, "/query/certifications?subject=self", token)[1] == {"items": []}


# --- proxies try on their own budget (issue 19, finding 5) ---------------------------------------

def add_contact(api, token, id_number, name):
    status, body = post(api, "/contacts", {"name": name, "id_number": id_number, "relation": "母亲"}, token)
    assert status == 201, body
    return body["contact_id"]


def test_a_stranger_cannot_open_sessions_for_a_retiree_with_a_phone(api, svc, retiree):
    phone = unique_phone()
    assert request_code(api, phone, "bind_phone")[0] == 202
    assert post(api, "/auth/bind-phone", {"phone": phone, "sms_code": latest_code(api, phone)},
                retiree["token"])[0] == 200
    stranger = card_login(api, import_person(svc, "赵文华", "p04.jpg"))
    contact_id = add_contact(api, stranger, retiree["id"], "周国庆")
    status, body = open_session(api, stranger, contact_id)
    assert (status, body["error"]["code"]) == (403, "CONSENT_REQUIRED")
    assert open_session(api, card_login(api, retiree["id"]))[0] == 201


def test_a_strangers_five_failures_leave_the_retirees_year_intact(api, svc, vision_models):
    """Issue 19 finding 5, replayed: a verified stranger adds a retiree who has no phone of her own and
    fails five times with his own face. He exhausts his own tries for her, not hers."""
    retiree_id = import_person(svc, "周国庆", "p06.jpg")  # no account yet: nobody could consent
    stranger = card_login(api, import_person(svc, "赵文华", "p04.jpg"))
    contact_id = add_contact(api, stranger, retiree_id, "周国庆")
    answers = []
    for attempt in range(LIMIT):
        opened = (devset.answerable_session(lambda: open_session(api, stranger, contact_id)[1])
                  if attempt == 0 else open_session(api, stranger, contact_id)[1])
        error = error_of(complete(api, stranger, opened, devset.answer(opened["challenges"], "p04")))
        answers.append((error["attempt_counted"], error["attempts_left"]))
    # His own face first (FACE_MISMATCH), then the same frames again (seen before): all judged, all his.
    assert answers == [(True, left) for left in (4, 3, 2, 1, 0)]
    status, body = open_session(api, stranger, contact_id)
    assert (status, body["error"]["code"]) == (429, "ATTEMPTS_EXHAUSTED")

    svc.clock.advance(hours=24)  # the next day (his sessions also used her day's session cap)
    token = card_login(api, retiree_id)
    status, tries = get(api, "/query/status?subject=self", token)
    assert [(t["reason"], t["by"]) for t in tries["failed_tries"]] == (
        [("FACE_MISMATCH", "赵**")] + [("LIVENESS_FAILED", "赵**")] * 4)
    session = devset.answerable_session(lambda: open_session(api, token)[1])
    status, body = complete(api, token, session, devset.answer(session["challenges"], "p06"))
    assert (status, body.get("result")) == (200, "passed")


def test_a_consented_relatives_status_shows_who_tried(api, svc, retiree):
    """The retiree consents to her son; his failed try is on his budget and both see it."""
    son = card_login(api, import_person(svc, "周建国", "p04.jpg"))
    contact_id = add_contact(api, son, retiree["id"], "周国庆")
    proxy_id = get(api, "/me/proxies", retiree["token"])[1]["items"][0]["proxy_id"]
    assert post(api, f"/me/proxies/{proxy_id}/consent", {}, retiree["token"])[0] == 200
    session = open_session(api, son, contact_id)[1]
    steps = [{"challenge": c, "frames": devset.repeated_frame_b64("p06")} for c in session["challenges"]]
    error = error_of(complete(api, son, session, steps))
    assert (error["attempt_counted"], error["attempts_left"]) == (True, LIMIT - 1)
    seen_by_son = get(api, f"/query/status?subject={contact_id}", son)[1]["failed_tries"]
    seen_by_her = get(api, "/query/status?subject=self", retiree["token"])[1]["failed_tries"]
    assert [(t["reason"], t["by"]) for t in seen_by_son] == [("LIVENESS_FAILED", "周**")]
    assert seen_by_her == seen_by_son
    # Her own tries are untouched: her next refusal still has all five before it.
    own = open_session(api, retiree["token"])[1]
    error = error_of(complete(api, retiree["token"], own, faceless_steps(own["challenges"])))
    assert error["attempts_left"] == LIMIT


# --- real-name binding --------------------------------------------------------------------------

def test_a_real_name_completion_without_a_face_uses_no_try(api, svc, vision_models):
    phone, id_number = unique_phone(), unique_id_number(1962)
    # Binding needs a trusted face (issue 19): the identity authority's photo of this number.
    from localstage.fake_authority import enrol

    settings = svc.settings
    enrol(settings.identity_authority_url, settings.identity_authority_key.get_secret_value(), id_number, "王建国",
          devset.reference_photo("p06").read_bytes())
    assert register(api, phone, id_number)[0] == 201
    token = login(api, phone)[1]["token"]
    card = devset.id_card_b64("p06", name="王建国", id_number=id_number)
    answers = []
    for _ in range(2):
        status, session = post(api, "/auth/real-name/sessions", {"name": "王建国", "id_number": id_number}, token)
        assert status == 201, session
        error = error_of(post(api, f"/auth/real-name/sessions/{session['session_id']}/complete",
                              {"id_card_image": card, "steps": faceless_steps(session["challenges"])}, token))
        answers.append((error["code"], error["attempt_counted"], error["attempts_left"]))
    assert answers == [("NO_FACE", False, LIMIT)] * 2
