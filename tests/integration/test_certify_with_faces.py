"""The retiree's certification through the API and the real vision layer, on real video frames.

Every session is opened by the API (``POST /certify/sessions``), which draws its challenges; the test
answers whatever it drew with labelled real steps of the retiree from the vision dev set
(tests/devset.py), and the registry photo is that person's dev-set reference frame. Every image is
real and every decision is the real vision layer's; nothing is written into a session.
"""
from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import devset
import pytest
from auth_steps import post
from support import unique_id_number

from pensioncert.dal import certifications, evidence
from pensioncert.logic.registry_import import import_registry
from pensioncert.rules.certification import certification_year

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
RETIREE, RELATIVE = "p06", "p04"  # the dev set's people with real steps of every challenge


def get(api, path, token):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


def import_people(svc, rows: str):
    """Registry rows whose photo column names dev-set reference frames (``p06.jpg``)."""
    return import_registry(svc, HEADER + rows, devset.reference_dir(),
                           lambda id_key, image: evidence.put_registry_photo(
                               svc.client("s3"), svc.settings.evidence_bucket, id_key, image))


@pytest.fixture(scope="module")
def vision_models():
    import build_models

    build_models.build()


@pytest.fixture
def retiree(svc, api, vision_models):
    """A card holder (dev-set person p06) whose registry photo was embedded at import."""
    person = unique_id_number(1948)
    report = import_people(svc, f"{person},周国庆,西安市,新城区机关事务中心,recipient,activated,135791,{RETIREE}.jpg\n")
    assert report.errors == [] and report.written == 1
    token = post(api, "/auth/card-login", {"id_number": person, "card_password": "135791"})[1]["token"]
    return {"id": person, "token": token, "user_id": _user_id(token)}


def _user_id(token):
    from pensioncert import tokens
    from pensioncert.services import services

    return tokens.verify(services().token_secret, token, services().clock.now()).user_id


def open_session(api, token, subject="self") -> dict:
    """A session whose draw the dev set answers with distinct moments (devset.answerable)."""
    def open_once() -> dict:
        status, body = post(api, "/certify/sessions", {"subject": subject}, token)
        assert status == 201, body
        return body

    return devset.answerable_session(open_once)


def complete(api, token, session_id, steps):
    return post(api, f"/certify/sessions/{session_id}/complete", {"steps": steps}, token)


def drawn(session, person=RETIREE) -> str:
    """What the session drew and which labelled steps answered it (for failure messages)."""
    used = [step.sequence for step in devset.chosen_steps(session["challenges"], person)]
    return f"drew {session['challenges']}, answered with {used}"


def test_sessions_the_api_opens_have_random_distinct_challenges(api, svc, retiree):
    seen = set()
    for _ in range(svc.settings.liveness_sessions_per_subject_per_day):  # a day's sessions (429 after)
        status, body = post(api, "/certify/sessions", {"subject": "self"}, retiree["token"])
        assert status == 201
        assert len(body["challenges"]) >= 2 and len(set(body["challenges"])) == len(body["challenges"])
        assert set(body["challenges"]) <= {"turn_head", "open_mouth", "blink"}
        assert body["expires_at"].endswith("+08:00")
        seen.add(tuple(body["challenges"]))
    assert len(seen) > 1  # the order is random, not fixed


def test_a_genuine_sequence_certifies_once_and_the_history_shows_it(api, svc, retiree):
    from vision import MATCH_THRESHOLD

    session = open_session(api, retiree["token"])
    steps = devset.answer(session["challenges"], RETIREE)
    status, body = complete(api, retiree["token"], session["session_id"], steps)
    assert status == 200, (drawn(session), body)
    assert body["result"] == "passed" and MATCH_THRESHOLD <= body["similarity"] <= 1
    assert body["certified_at"].endswith("+08:00")
    stored = certifications.history(svc.vault.lookup("id", retiree["id"]))[0]
    assert stored.method == "app" and stored.evidence_key.startswith("evidence/certify/")
    evidence_object = svc.client("s3").head_object(Bucket=svc.settings.evidence_bucket, Key=stored.evidence_key)
    assert evidence_object["ServerSideEncryption"] == "AES256"

    status, refused = post(api, "/certify/sessions", {"subject": "self"}, retiree["token"])
    assert (status, refused["error"]["reason"]) == (409, "ALREADY_CERTIFIED")
    history = get(api, "/query/certifications?subject=self", retiree["token"])[1]["items"]
    assert [(item["method"], item["operator"]) for item in history] == [("app", "本人")]


def test_completing_a_passed_session_again_returns_its_stored_result(api, retiree):
    """v1.1: a retry after a lost answer gets that session's stored result, not 410."""
    session = open_session(api, retiree["token"])
    steps = devset.answer(session["challenges"], RETIREE)
    first = complete(api, retiree["token"], session["session_id"], steps)
    assert first[0] == 200, (drawn(session), first[1])
    assert complete(api, retiree["token"], session["session_id"], steps) == first


@pytest.mark.parametrize("person", devset.ALL_ACTIONS)
def test_every_draw_the_api_can_make_passes_with_the_persons_real_steps(svc, vision_models, person):
    """Each ordered draw of the configured number of challenges, answered with the person's own real
    steps, is accepted and matches their registry photo: the session tests meet only the draws chance
    gives them."""
    from itertools import permutations

    from pensioncert.dal import registry
    from pensioncert.rules.certification import CHALLENGES
    from pensioncert.vision_client import VisionRefusal
    from vision import MATCH_THRESHOLD

    id_number = unique_id_number(1950)
    assert import_people(svc, f"{id_number},周建民,西安市,新城区机关事务中心,recipient,,,{person}.jpg\n").written == 1
    template = list(registry.get_person(svc.vault.lookup("id", id_number)).reference_embedding)
    draws = list(permutations(CHALLENGES, max(2, svc.settings.liveness_min_challenges)))
    refused = {}
    for draw in draws:
        sequences = tuple(step.sequence for step in devset.chosen_steps(draw, person))
        try:
            decision = svc.vision.decide_session(devset.answer(draw, person), [template])
        except VisionRefusal as refusal:
            refused[sequences] = f"{refusal.code}:{refusal.detail}"
            continue
        assert decision["similarity"] >= MATCH_THRESHOLD, sequences
    assert refused == {}, f"{len(refused)} of {len(draws)} draws refused"


def test_a_relative_certified_by_proxy_shows_as_proxy_app(api, svc, retiree):
    """The operator's account, the relative's face (dev-set person p04, her registry photo)."""
    relative = unique_id_number(1931)
    report = import_people(svc, f"{relative},周王氏,西安市,新城区机关事务中心,recipient,,,{RELATIVE}.jpg\n")
    assert report.errors == [] and report.written == 1
    contact_id = post(api, "/contacts", {"name": "周王氏", "id_number": relative, "relation": "母亲"},
                      retiree["token"])[1]["contact_id"]
    session = open_session(api, retiree["token"], contact_id)
    status, body = complete(api, retiree["token"], session["session_id"],
                            devset.answer(session["challenges"], RELATIVE))
    assert status == 200, (drawn(session, RELATIVE), body)
    history = get(api, f"/query/certifications?subject={contact_id}", retiree["token"])[1]["items"]
    assert history[0]["method"] == "proxy_app" and "周国庆" in history[0]["operator"]
    stored = certifications.history(svc.vault.lookup("id", relative))[0]
    assert stored.operator_user_id == retiree["user_id"]


def test_another_persons_face_is_a_mismatch_and_counts_an_attempt(api, svc, retiree):
    # Someone else in front of the phone: p04's real steps against the retiree's (p06) registry photo.
    session = open_session(api, retiree["token"])
    status, body = complete(api, retiree["token"], session["session_id"],
                            devset.answer(session["challenges"], RELATIVE))
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH"), (drawn(session, RELATIVE), body)
    assert body["error"]["message"] == "人脸与对比照片相似度低,请确认是本人后重新操作"
    assert body["error"]["attempts_left"] == svc.settings.yearly_failed_attempts_limit - 1
    assert certifications.history(svc.vault.lookup("id", retiree["id"])) == []


def test_a_still_photo_replayed_as_every_frame_fails_liveness(api, svc, retiree):
    session = open_session(api, retiree["token"])
    steps = [{"challenge": c, "frames": devset.repeated_frame_b64(RETIREE)} for c in session["challenges"]]
    status, body = complete(api, retiree["token"], session["session_id"], steps)
    assert (status, body["error"]["code"]) == (422, "LIVENESS_FAILED"), body
    assert body["error"]["attempts_left"] == svc.settings.yearly_failed_attempts_limit - 1


@pytest.mark.parametrize("kind", ["photo_flip", "held_photo"])
def test_photos_of_the_retiree_shown_for_every_challenge_fail_liveness(api, svc, vision_models, kind):
    """Someone holding photos of the person, whatever is asked: two stills shown in turn
    (photo_flip), or one print tilted by hand (held_photo); labelled attacks from the dev set."""
    person = {"photo_flip": RETIREE, "held_photo": RELATIVE}[kind]
    id_number = unique_id_number(1946)
    report = import_people(svc, f"{id_number},周淑英,西安市,新城区机关事务中心,recipient,activated,246802,{person}.jpg\n")
    assert report.written == 1
    token = post(api, "/auth/card-login", {"id_number": id_number, "card_password": "246802"})[1]["token"]
    frames = devset.attack(kind, person).frames_b64()
    session = open_session(api, token)
    steps = [{"challenge": c, "frames": frames} for c in session["challenges"]]
    status, body = complete(api, token, session["session_id"], steps)
    assert (status, body["error"]["code"]) == (422, "LIVENESS_FAILED"), (session["challenges"], body)
    assert body["error"]["attempts_left"] == svc.settings.yearly_failed_attempts_limit - 1
    assert certifications.history(svc.vault.lookup("id", id_number)) == []


def test_an_expired_session_and_steps_out_of_order_are_refused(api, svc, retiree):
    session = open_session(api, retiree["token"])
    in_order = devset.answer(session["challenges"], RETIREE)
    status, body = complete(api, retiree["token"], session["session_id"], in_order[::-1])
    assert (status, body["error"]["field"]) == (400, "steps")
    svc.clock.advance(seconds=svc.settings.liveness_session_ttl_seconds + 60)
    status, body = complete(api, retiree["token"], session["session_id"], in_order)
    assert (status, body["error"]["code"]) == (410, "SESSION_EXPIRED")


def test_steps_out_of_order_leave_the_session_unused(api, svc, retiree):
    """The take is conditional on the challenges' order: a refused order uses nothing up, and the
    same session then certifies with the steps in the order it drew."""
    session = open_session(api, retiree["token"])
    in_order = devset.answer(session["challenges"], RETIREE)
    status, body = complete(api, retiree["token"], session["session_id"], in_order[::-1])
    assert (status, body["error"]["code"], body["error"]["field"]) == (400, "BAD_REQUEST", "steps")
    status, body = complete(api, retiree["token"], session["session_id"], in_order)
    assert (status, body["result"]) == (200, "passed"), body
    assert certifications.history(svc.vault.lookup("id", retiree["id"]))[0].certification_id == body["certification_id"]


def test_steps_labelled_with_challenges_the_session_did_not_draw_are_refused(api, svc, retiree):
    """A fraudster answering the actions they prefer (each step relabelled with a challenge the
    session did not draw there, real frames of that action): 400, nothing decided, no attempt
    counted, and the session still answers only what it drew."""
    session = open_session(api, retiree["token"])
    drawn = session["challenges"]
    chosen = [next(c for c in devset.CHALLENGES if c != challenge) for challenge in drawn]
    status, body = complete(api, retiree["token"], session["session_id"], devset.answer(chosen, RETIREE))
    assert (status, body["error"]["code"], body["error"]["field"]) == (400, "BAD_REQUEST", "steps")
    year = certification_year(svc.clock.now())
    assert certifications.failures(svc.vault.lookup("id", retiree["id"]), year) == 0
    status, body = complete(api, retiree["token"], session["session_id"], devset.answer(drawn, RETIREE))
    assert (status, body["result"]) == (200, "passed"), body


def test_non_images_are_a_bad_request_not_an_attempt(api, svc, retiree):
    session = open_session(api, retiree["token"])
    junk = base64.b64encode(b"not an image at all").decode()
    steps = [{"challenge": c, "frames": [junk] * 3} for c in session["challenges"]]
    status, body = complete(api, retiree["token"], session["session_id"], steps)
    assert (status, body["error"]["code"]) == (400, "IMAGE_INVALID")  # contract v1.1: not decoded
    assert certifications.failures(svc.vault.lookup("id", retiree["id"]), svc.clock.now().year) == 0


def test_fifty_concurrent_completions_store_exactly_one_certification(api, svc, retiree, monkeypatch):
    """50 sessions the API opened for one subject, completed at once: the conditional write lets one
    through."""
    from pensioncert.logic import certification

    # 50 sessions of one subject in a day: past the daily caps (test_session_caps.py tests those).
    monkeypatch.setattr(svc.settings, "liveness_sessions_per_subject_per_day", 1000)
    monkeypatch.setattr(svc.settings, "liveness_sessions_per_account_per_day", 1000)

    account = svc.accounts.get(retiree["user_id"])
    sessions = [open_session(api, retiree["token"]) for _ in range(50)]

    def finish(session):
        try:
            steps = devset.answer(session["challenges"], RETIREE)
            return certification.complete(svc, account, session["session_id"], steps)["result"]
        except Exception as error:  # noqa: BLE001 - the losers' refusals are the point
            code = getattr(error, "code", None)
            return getattr(error, "extra", {}).get("reason") or getattr(code, "name", None) or repr(error)

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(finish, sessions))
    assert outcomes.count("passed") == 1, outcomes
    # The same frames in 50 sessions: one claims them (a conditional write, logic/frame_ties.py),
    # every other that reserved a try is a replay (LIVENESS_FAILED, counted) until the year's five
    # tries are used, the rest find no try left to reserve or (after the pass) the year certified.
    assert set(outcomes) - {"passed"} <= {"LIVENESS_FAILED", "ATTEMPTS_EXHAUSTED", "ALREADY_CERTIFIED"}, outcomes
    subject_key = svc.vault.lookup("id", retiree["id"])
    assert len(certifications.history(subject_key)) == 1
    # Each replay refused is one counted try, and nothing else counted.
    assert certifications.failures(subject_key, svc.clock.now().year) == outcomes.count("LIVENESS_FAILED")


def test_a_dark_registry_photo_is_never_stored_as_a_template(svc, tmp_path):
    import cv2

    dark = cv2.imread(str(devset.reference_photo(RETIREE))) // 12
    cv2.imwrite(str(tmp_path / "dark.jpg"), dark)
    person = unique_id_number(1939)
    report = import_registry(svc, HEADER + f"{person},钱某某,西安市,某单位,recipient,,,dark.jpg\n",
                             tmp_path, lambda *_: pytest.fail("a rejected photo must not be stored"))
    assert [(e.line, e.field) for e in report.errors] == [(2, "photo")]
    assert report.written == 0
