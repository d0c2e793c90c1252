"""Appeal with human review (``POST /certify/reviews``, contract v1.1) through the API and the real vision
layer. Every failed session is one the API opened and decided: a session of the retiree (dev-set person
p06, whose dev-set reference frame is the registry photo) answered with another person's real steps
(p04) is a FACE_MISMATCH; one answered with a still photo fails liveness. Nothing is written into a table.
"""
from __future__ import annotations

from datetime import datetime, timezone

import devset
import pytest
from auth_steps import post
from test_certify_with_faces import RELATIVE, complete, get, open_session, retiree, vision_models  # noqa: F401

from pensioncert.logic.reviews import due_by


def mismatch(api, token) -> str:
    """A session of the retiree answered by someone else's face: the API says FACE_MISMATCH."""
    session = open_session(api, token)
    status, body = complete(api, token, session["session_id"], devset.answer(session["challenges"], RELATIVE))
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH"), body
    return session["session_id"]


def still_photo(api, token, person="p06") -> tuple[str, dict]:
    """A session answered with one still picture, whatever its draw: the first session opened (an
    answerable draw is not needed, and five tries' redraws could pass the day's session cap)."""
    status, session = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert status == 201, session
    steps = [{"challenge": c, "frames": devset.repeated_frame_b64(person)} for c in session["challenges"]]
    status, body = complete(api, token, session["session_id"], steps)
    assert (status, body["error"]["code"]) == (422, "LIVENESS_FAILED"), body
    return session["session_id"], body


def test_a_face_mismatch_is_appealed_once_and_the_status_shows_the_review(api, svc, retiree):
    session_id = mismatch(api, retiree["token"])
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, retiree["token"])
    assert status == 201, body
    # The fake clock starts on Sunday 2026-03-01 17:00 Beijing: five working days on is Friday the 6th.
    assert body["due_by"] == "2026-03-06T17:00:00+08:00"

    status, again = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, retiree["token"])
    assert (status, again["error"]["code"]) == (409, "REVIEW_PENDING")

    status, current = get(api, "/query/status?subject=self", retiree["token"])
    assert status == 200
    assert current["review"] == {"review_id": body["review_id"], "state": "pending",
                                 "due_by": "2026-03-06T17:00:00+08:00", "outcome": None}
    # What staff will see: the session's evidence and the face check's score, decided again from it.
    review = svc.reviews.get(body["review_id"])
    assert review.kind == "app" and review.failure_code == "FACE_MISMATCH"
    assert review.evidence_key.endswith(f"/{session_id}.json")
    assert 0 <= review.similarity < 0.5, review.similarity


def test_no_review_before_any_failure(api, svc, retiree):
    status, current = get(api, "/query/status?subject=self", retiree["token"])
    assert status == 200 and "review" not in current


def test_a_review_needs_a_failed_session_of_this_caller_and_subject(api, svc, retiree):
    token = retiree["token"]
    unused = open_session(api, token)["session_id"]  # opened, never completed
    for session_id in (unused, "no-such-session"):
        status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, token)
        assert (status, body["error"]["code"]) == (404, "NOT_FOUND"), session_id
    status, body = post(api, "/certify/reviews", {"subject": "not-my-contact", "session_id": unused}, token)
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


def test_another_account_cannot_appeal_the_retirees_session(api, svc, retiree, vision_models):
    from support import unique_id_number
    from test_certify_with_faces import import_people

    session_id = mismatch(api, retiree["token"])
    other = unique_id_number(1950)
    import_people(svc, f"{other},吴建平,西安市,新城区机关事务中心,recipient,activated,246802,p04.jpg\n")
    token = post(api, "/auth/card-login", {"id_number": other, "card_password": "246802"})[1]["token"]
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, token)
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


def test_a_liveness_failure_is_retried_by_app_until_the_attempts_are_used_up(api, svc, retiree):
    token = retiree["token"]
    session_id, _ = still_photo(api, token)
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, token)
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert "次数用完后可申请人工复核" in body["error"]["message"]

    for _ in range(svc.settings.yearly_failed_attempts_limit - 1):
        session_id, last = still_photo(api, token)
    assert last["error"]["attempts_left"] == 0
    status, body = post(api, "/certify/sessions", {"subject": "self"}, token)
    assert (status, body["error"]["code"]) == (429, "ATTEMPTS_EXHAUSTED")
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, token)
    assert status == 201, body
    review = svc.reviews.get(body["review_id"])
    assert review.failure_code == "LIVENESS_FAILED" and review.similarity is None


@pytest.mark.parametrize("start, due", [
    ("2026-03-02T09:00:00+08:00", "2026-03-09T09:00:00+08:00"),  # Monday → next Monday
    ("2026-03-06T09:00:00+08:00", "2026-03-13T09:00:00+08:00"),  # Friday → next Friday
    ("2026-03-07T23:00:00+08:00", "2026-03-13T23:00:00+08:00"),  # Saturday: counting starts Monday
    ("2026-03-04T16:30:00+08:00", "2026-03-11T16:30:00+08:00"),  # Wednesday → next Wednesday
])
def test_the_deadline_is_five_working_days(start, due):
    assert due_by(datetime.fromisoformat(start).astimezone(timezone.utc), 5).isoformat() == due


def test_concurrent_appeals_open_one_review(api, svc, retiree):
    from concurrent.futures import ThreadPoolExecutor

    session_id = mismatch(api, retiree["token"])
    body = {"subject": "self", "session_id": session_id}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post(api, "/certify/reviews", body, retiree["token"]), range(4)))
    assert sorted(status for status, _ in answers) == [201, 409, 409, 409], answers
    assert {b["error"]["code"] for status, b in answers if status == 409} == {"REVIEW_PENDING"}


def test_a_proxy_appeals_only_with_the_relatives_consent_and_not_as_self(api, svc, retiree):
    """The retiree (p06) certifies a relative (p04's registry photo) with his own face: a FACE_MISMATCH of
    the relative's session. Without the relative's consent on record no review opens; nor can the session
    be appealed as the proxy's own."""
    from support import unique_id_number
    from test_certify_with_faces import RETIREE, import_people

    relative = unique_id_number(1932)
    report = import_people(svc, f"{relative},周李氏,西安市,新城区机关事务中心,recipient,,,{RELATIVE}.jpg\n")
    assert report.errors == [] and report.written == 1
    contact_id = post(api, "/contacts", {"name": "周李氏", "id_number": relative, "relation": "母亲"},
                      retiree["token"])[1]["contact_id"]
    session = open_session(api, retiree["token"], contact_id)
    status, body = complete(api, retiree["token"], session["session_id"], devset.answer(session["challenges"], RETIREE))
    assert (status, body["error"]["code"]) == (422, "FACE_MISMATCH"), body
    status, body = post(api, "/certify/reviews", {"subject": contact_id, "session_id": session["session_id"]},
                        retiree["token"])
    assert (status, body["error"]["code"]) == (403, "CONSENT_REQUIRED")
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session["session_id"]},
                        retiree["token"])
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert svc.reviews.latest_for(svc.vault.lookup("id", relative)) is None


def test_an_appeal_after_the_session_item_expired_is_proved_by_the_evidence(api, svc, retiree, vision_models):
    """DynamoDB's TTL deletes a session item soon after its ``expires_at`` (3 minutes after opening);
    the emulator never runs TTL, so the test deletes the expired item as DynamoDB would. The appeal is
    then proved by the session's evidence object (whose account and subject it was), and decided again."""
    from support import unique_id_number
    from test_certify_with_faces import import_people

    from pensioncert.dal.tables import LivenessSessionTable

    session_id = mismatch(api, retiree["token"])
    svc.clock.advance(minutes=10)  # the session expired 3 minutes after opening; the token lasts 2 hours
    item = LivenessSessionTable.get(session_id)
    assert item.expires_at < svc.clock.now().timestamp()
    item.delete()
    other = unique_id_number(1951)
    import_people(svc, f"{other},吴建华,西安市,新城区机关事务中心,recipient,activated,246802,p04.jpg\n")
    stranger = post(api, "/auth/card-login", {"id_number": other, "card_password": "246802"})[1]["token"]
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, stranger)
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    status, body = post(api, "/certify/reviews", {"subject": "self", "session_id": session_id}, retiree["token"])
    assert status == 201, body
    review = svc.reviews.get(body["review_id"])
    assert review.failure_code == "FACE_MISMATCH" and 0 <= review.similarity < 0.5
