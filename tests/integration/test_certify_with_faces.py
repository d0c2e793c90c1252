"""The retiree's certification through the API and the real vision layer, on real face photos.

The registries carry real frames of one action only (face_recognition's Obama photos: mouth
closed, then open), none of a head turn or a blink. Sessions that the API opens always have at
least two distinct challenges (tested below); to run a genuine sequence through the whole
pipeline, the genuine-path tests open their session in the data layer with that one action twice.
Every image is real and every decision is the real vision layer's.
"""
from __future__ import annotations

import base64
import json
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from auth_steps import post
from support import unique_id_number

from pensioncert.dal import certifications, evidence, liveness_sessions
from pensioncert.dal.tables import LivenessSessionTable
from pensioncert.logic.registry_import import import_registry

HEADER = "id_number,name,region,unit,status,card_status,card_password,photo\n"
GENUINE_OPEN_MOUTH = ("obama.jpg", "obama.jpg", "obama2.jpg")  # closed, closed, open: real frames


def b64(path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def get(api, path, token):
    response = api.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, json.loads(response.body)


@pytest.fixture
def retiree(svc, api, photos):
    """A card holder whose registry photo (obama3.jpg) was embedded at import."""
    person = unique_id_number(1948)
    stranger = unique_id_number(1943)
    report = import_registry(
        svc,
        HEADER + f"{person},周国庆,西安市,新城区机关事务中心,recipient,activated,135791,obama3.jpg\n"
        + f"{stranger},赵文华,西安市,新城区机关事务中心,recipient,,,biden.jpg\n",
        photos,
        lambda id_key, image: evidence.put_registry_photo(
            svc.client("s3"), svc.settings.evidence_bucket, id_key, image),
    )
    assert report.errors == [] and report.written == 2
    token = post(api, "/auth/card-login", {"id_number": person, "card_password": "135791"})[1]["token"]
    user_id = _user_id(api, token)
    return {"id": person, "stranger": stranger, "token": token, "user_id": user_id}


def _user_id(api, token):
    from pensioncert import tokens
    from pensioncert.services import services

    return tokens.verify(services().token_secret, token, services().clock.now()).user_id


def seeded_session(svc, retiree, subject="self", subject_id=None, challenges=("open_mouth", "open_mouth")):
    session = LivenessSessionTable(
        secrets.token_urlsafe(18), purpose="certify", user_id=retiree["user_id"], subject=subject,
        subject_key=svc.vault.lookup("id", subject_id or retiree["id"]), challenges=list(challenges),
        nonce=secrets.token_hex(16),
        expires_at=int((svc.clock.now() + timedelta(minutes=3)).timestamp()),
    )
    liveness_sessions.create(session)
    return session.session_id


def steps_of(photos, names=GENUINE_OPEN_MOUTH, challenges=("open_mouth", "open_mouth")):
    return [{"challenge": c, "frames": [b64(photos / n) for n in names]} for c in challenges]


def complete(api, token, session_id, steps):
    return post(api, f"/certify/sessions/{session_id}/complete", {"steps": steps}, token)


def test_sessions_the_api_opens_have_random_distinct_challenges(api, retiree):
    seen = set()
    for _ in range(12):
        status, body = post(api, "/certify/sessions", {"subject": "self"}, retiree["token"])
        assert status == 201
        assert len(body["challenges"]) >= 2 and len(set(body["challenges"])) == len(body["challenges"])
        assert set(body["challenges"]) <= {"turn_head", "open_mouth", "blink"}
        assert body["expires_at"].endswith("+08:00")
        seen.add(tuple(body["challenges"]))
    assert len(seen) > 1  # the order is random, not fixed


def test_a_genuine_sequence_certifies_once_and_the_history_shows_it(api, svc, retiree, photos):
    session_id = seeded_session(svc, retiree)
    status, body = complete(api, retiree["token"], session_id, steps_of(photos))
    assert status == 200, body
    assert body["result"] == "passed" and 0.5 <= body["similarity"] <= 1
    assert body["certified_at"].endswith("+08:00")
    stored = certifications.history(svc.vault.lookup("id", retiree["id"]))[0]
    assert stored.method == "app" and stored.evidence_key.startswith("evidence/certify/")
    evidence_object = svc.client("s3").head_object(Bucket=svc.settings.evidence_bucket, Key=stored.evidence_key)
    assert evidence_object["ServerSideEncryption"] == "AES256"

    status, again = complete(api, retiree["token"], session_id, steps_of(photos))
    assert (status, again["error"]["code"]) == (410, "SESSION_EXPIRED")  # single use
    status, refused = post(api, "/certify/sessions", {"subject": "self"}, retiree["token"])
    assert (status, refused["error"]["reason"]) == (409, "ALREADY_CERTIFIED")
    history = get(api, "/query/certifications?subject=self", retiree["token"])[1]["items"]
    assert [(item["method"], item["operator"]) for item in history] == [("app", "本人")]


def test_a_relative_certified_by_proxy_shows_as_proxy_app(api, svc, retiree, photos):
    """The operator's account, the relative's face: the registry photo of the relative is obama3."""
    relative = unique_id_number(1931)
    import_registry(svc, HEADER + f"{relative},周王氏,西安市,新城区机关事务中心,recipient,,,obama3.jpg\n",
                    photos, lambda id_key, image: evidence.put_registry_photo(
                        svc.client("s3"), svc.settings.evidence_bucket, id_key, image))
    contact_id = post(api, "/contacts", {"name": "周王氏", "id_number": relative, "relation": "母亲"},
                      retiree["token"])[1]["contact_id"]
    session_id = seeded_session(svc, retiree, subject=contact_id, subject_id=relative)
    status, body = complete(api, retiree["token"], session_id, steps_of(photos))
    assert status == 200, body
    history = get(api, f"/query/certifications?subject={contact_id}", retiree["token"])[1]["items"]
    assert history[0]["method"] == "proxy_app" and "周国庆" in history[0]["operator"]
    stored = certifications.history(svc.vault.lookup("id", relative))[0]
    assert stored.operator_user_id == retiree["user_id"]


def test_another_persons_face_is_a_mismatch_and_counts_an_attempt(api, svc, retiree, photos):
    # The live frames are the retiree's real action; the subject's registry photo is Biden's.
    contact_id = post(api, "/contacts", {"name": "赵文华", "id_number": retiree["stranger"], "relation": "朋友"},
                      retiree["token"])[1]["contact_id"]
    session_id = seeded_session(svc, retiree, subject=contact_id, subject_id=retiree["stranger"])
    status, body = complete(api, retiree["token"], session_id, steps_of(photos))
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH")
    assert body["error"]["message"] == "人脸与对比照片相似度低,请确认是本人后重新操作"
    assert body["error"]["attempts_left"] == svc.settings.yearly_failed_attempts_limit - 1
    assert certifications.history(svc.vault.lookup("id", retiree["stranger"])) == []


def test_a_still_photo_replayed_as_every_frame_fails_liveness(api, svc, retiree, photos):
    session_id = seeded_session(svc, retiree)
    status, body = complete(api, retiree["token"], session_id,
                            steps_of(photos, names=("obama2.jpg",) * 5))
    assert (status, body["error"]["code"]) == (422, "LIVENESS_FAILED")
    assert body["error"]["attempts_left"] == svc.settings.yearly_failed_attempts_limit - 1


def test_an_expired_session_and_steps_out_of_order_are_refused(api, svc, retiree, photos):
    session_id = seeded_session(svc, retiree, challenges=("open_mouth", "blink"))
    steps = steps_of(photos, challenges=("blink", "open_mouth"))
    status, body = complete(api, retiree["token"], session_id, steps)
    assert (status, body["error"]["field"]) == (400, "steps")
    svc.clock.advance(minutes=4)
    status, body = complete(api, retiree["token"], session_id, steps_of(photos, challenges=("open_mouth", "blink")))
    assert (status, body["error"]["code"]) == (410, "SESSION_EXPIRED")


def test_non_images_are_a_bad_request_not_an_attempt(api, svc, retiree):
    session_id = seeded_session(svc, retiree)
    junk = base64.b64encode(b"not an image at all").decode()
    steps = [{"challenge": "open_mouth", "frames": [junk] * 3}] * 2
    status, body = complete(api, retiree["token"], session_id, steps)
    assert status == 400 and body["error"]["code"] == "BAD_REQUEST"
    assert certifications.failures(svc.vault.lookup("id", retiree["id"]), svc.clock.now().year) == 0


def test_fifty_concurrent_completions_store_exactly_one_certification(api, svc, retiree, photos):
    """50 sessions for one subject completed at once: the conditional write lets one through."""
    from pensioncert.logic import certification
    from pensioncert.dal import accounts

    account = accounts.get(retiree["user_id"])
    sessions = [seeded_session(svc, retiree) for _ in range(50)]
    steps = steps_of(photos)

    def finish(session_id):
        try:
            return certification.complete(svc, account, session_id, steps)["result"]
        except Exception as error:  # noqa: BLE001 - the losers' refusals are the point
            return getattr(error, "extra", {}).get("reason") or repr(error)

    with ThreadPoolExecutor(10) as pool:
        outcomes = list(pool.map(finish, sessions))
    assert outcomes.count("passed") == 1
    assert set(outcomes) == {"passed", "ALREADY_CERTIFIED"}
    assert len(certifications.history(svc.vault.lookup("id", retiree["id"]))) == 1


def test_a_dark_registry_photo_is_never_stored_as_a_template(svc, photos, tmp_path):
    import cv2

    dark = cv2.imread(str(photos / "obama.jpg")) // 12
    cv2.imwrite(str(tmp_path / "dark.jpg"), dark)
    person = unique_id_number(1939)
    report = import_registry(svc, HEADER + f"{person},钱某某,西安市,某单位,recipient,,,dark.jpg\n",
                             tmp_path, lambda *_: pytest.fail("a rejected photo must not be stored"))
    assert [(e.line, e.field) for e in report.errors] == [(2, "photo")]
    assert report.written == 0
