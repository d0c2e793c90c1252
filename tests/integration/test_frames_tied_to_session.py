"""Frames belong to the session that asked for them (contract v1.2; issue 18): real dev-set frames,
sessions opened and answered through the API, refusals by the real fingerprints of vision.

A replay of an earlier session's frames (byte-identical, re-encoded, shifted by a pixel, mirrored)
and one step's frames sent for two steps (also backwards) are 422 LIVENESS_FAILED with
``"challenge": null``, counted as a try; another window of the same recording is not a repeat.
"""
from __future__ import annotations

import base64

import cv2
import devset
import numpy as np
import pytest
from auth_steps import post
from test_certify_with_faces import RETIREE, complete, open_session, retiree, vision_models  # noqa: F401

from pensioncert.rules.frames import FramePrint, step_repeats, steps_repeat_each_other


def _img(frame_b64: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(base64.b64decode(frame_b64), np.uint8), cv2.IMREAD_COLOR)


def _jpeg(img: np.ndarray, quality: int) -> str:
    return base64.b64encode(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()).decode()


COPIES = {
    "byte_identical": lambda frame: frame,
    "reencoded_q60": lambda frame: _jpeg(_img(frame), 60),
    "shifted_1px": lambda frame: _jpeg(cv2.warpAffine(_img(frame), np.float32([[1, 0, 1], [0, 1, 0]]),
                                                      _img(frame).shape[1::-1], borderMode=cv2.BORDER_REPLICATE), 90),
    "mirrored": lambda frame: _jpeg(cv2.flip(_img(frame), 1), 90),
}


def _prints(frames_b64: list[str]) -> list[FramePrint]:
    from vision.fingerprint import hashes

    return [FramePrint(*hashes(base64.b64decode(frame))) for frame in frames_b64]


def test_another_window_of_the_same_recording_is_not_a_repeat_and_copies_are(vision_models):
    first, second = (devset.steps(RETIREE, "blink")[i].frames_b64() for i in (0, 1))
    stored = [p.hash for p in _prints(first)]
    assert not step_repeats(_prints(second), stored)
    for name, copy in COPIES.items():
        assert step_repeats(_prints([copy(frame) for frame in first]), stored), name


def _refused_as_repeat(answer):
    status, body = answer
    assert status == 422, body
    error = body["error"]
    assert (error["code"], error["challenge"]) == ("LIVENESS_FAILED", None), error
    return error["attempts_left"]  # counted: one of the year's five tries


@pytest.mark.parametrize("copy", list(COPIES))
def test_last_years_frames_are_refused_this_year(api, svc, retiree, copy):
    session = open_session(api, retiree["token"])
    steps = devset.answer(session["challenges"], RETIREE)
    first = complete(api, retiree["token"], session["session_id"], steps)
    assert first[0] == 200, (session["challenges"], first[1])
    svc.clock.advance(days=366)
    token = post(api, "/auth/card-login", {"id_number": retiree["id"], "card_password": "135791"})[1]["token"]
    again = open_session(api, token)
    replay = [{"challenge": c, "frames": [COPIES[copy](f) for f in s["frames"]]}
              for c, s in zip(again["challenges"], devset.answer(again["challenges"], RETIREE), strict=True)]
    assert _refused_as_repeat(complete(api, token, again["session_id"], replay)) == 4


@pytest.mark.parametrize("backwards", [False, True])
def test_one_steps_frames_for_two_steps_are_refused(api, retiree, backwards):
    session = open_session(api, retiree["token"])
    first = devset.answer(session["challenges"], RETIREE)[0]["frames"]
    second = list(reversed(first)) if backwards else first
    steps = [{"challenge": c, "frames": frames} for c, frames in zip(session["challenges"][:2], (first, second), strict=True)]
    steps += devset.answer(session["challenges"], RETIREE)[2:]
    assert _refused_as_repeat(complete(api, retiree["token"], session["session_id"], steps)) == 4


def test_step_level_rule_on_real_frames_both_orders(vision_models):
    frames = devset.steps(RETIREE, "open_mouth")[0].frames_b64()
    prints = _prints(frames)
    assert steps_repeat_each_other([prints, list(reversed(prints))])
    assert not steps_repeat_each_other([prints, _prints(devset.steps(RETIREE, "blink")[0].frames_b64())])


def test_vision_is_invoked_once_per_completion_and_its_prints_tie_the_frames(api, svc, retiree, monkeypatch):
    """The prints come with vision's decision, a pass's and a refusal's: no second invoke reads and
    decodes the evidence again; a replay is still refused by them."""
    from pensioncert.vision_client import InProcessTransport

    actions: list[str] = []
    real_invoke = InProcessTransport.invoke
    monkeypatch.setattr(InProcessTransport, "invoke",
                        lambda self, event: actions.append(event["action"]) or real_invoke(self, event))
    session = open_session(api, retiree["token"])
    steps = devset.answer(session["challenges"], RETIREE)
    assert complete(api, retiree["token"], session["session_id"], steps)[0] == 200
    assert actions == ["decide_session_evidence"]
    actions.clear()
    svc.clock.advance(days=366)
    token = post(api, "/auth/card-login", {"id_number": retiree["id"], "card_password": "135791"})[1]["token"]
    again = open_session(api, token)
    replay = [{"challenge": c, "frames": s["frames"]}
              for c, s in zip(again["challenges"], devset.answer(again["challenges"], RETIREE), strict=True)]
    assert _refused_as_repeat(complete(api, token, again["session_id"], replay)) == 4
    assert actions == ["decide_session_evidence"]


def test_frames_claimed_by_another_session_after_the_read_ahead_are_still_a_repeat(svc, retiree):
    """The claim's record is read while vision decides; a session that claims the same frames in
    between changes it, the claim's condition fails, and the fresh read refuses the repeat."""
    from pensioncert.logic import frame_ties
    from pensioncert.rules.frames import REPEAT
    from pensioncert.vision_client import VisionRefusal
    from vision.fingerprint import step_prints

    subject_key, year = svc.accounts.get(retiree["user_id"]).id_key, svc.clock.now().year
    prints = tuple(tuple(step_prints([base64.b64decode(f) for f in devset.steps(RETIREE, action)[0].frames_b64()]))
                   for action in ("blink", "open_mouth"))
    read_ahead = frame_ties.recorded(subject_key, year)
    frame_ties.claim(svc, subject_key, year, "evidence/certify/other-session.json", prints)
    with pytest.raises(VisionRefusal) as refused:
        frame_ties.claim(svc, subject_key, year, "evidence/certify/this-session.json", prints, read_ahead)
    assert (refused.value.code, refused.value.detail) == ("LIVENESS_FAILED", REPEAT)
