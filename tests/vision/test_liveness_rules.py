"""Each liveness rule of issue 18 on real frames: the genuine step passes, the attack it answers fails
with that rule's reason. Attacks made from the dev set's frames are generated here, never stored."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from vision_attacks import held_screen_replay
from vision_images import jpeg

import vision
from vision import calibrated, calibration, liveness, quality, replay
from vision.frame import analyze

LIVE = Path(__file__).resolve().parents[3] / "shared" / "vision-devset" / "liveness"
C = calibrated.CONSTANTS


def raw(rel: str) -> list[bytes]:
    d = LIVE / rel
    assert d.is_dir(), f"dev set missing: {d}"
    return [p.read_bytes() for p in sorted(d.glob("*.jpg"))]


def imgs(rel: str) -> list[np.ndarray]:
    return [cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_COLOR) for b in raw(rel)]


def outcome(challenge: str, frames: list[bytes]) -> tuple[str, str] | None:
    try:
        vision.decide_session([(challenge, frames)], [])
        return None
    except vision.VisionError as e:
        return e.code, e.detail


def analysed(frames: list[bytes], challenge: str = "blink") -> list:
    profile = quality.LIVE_TURNING_STEP if challenge == "turn_head" else quality.LIVE_STEP
    return [analyze(b, profile) for b in frames]


# --- genuine motion is not poor quality ------------------------------------------------------------


TURN = "genuine/turn_head/pcavs-731200067_1"


def _motion_blur(img: np.ndarray, length: int) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0 / length
    return cv2.filter2D(img, -1, k)


def test_motion_blurred_real_turn_passes():
    frames = imgs(TURN)
    fs = analysed([jpeg(f) for f in frames], "turn_head")
    # The head moves fastest between its ends: blur the frames strictly between the first frame and
    # the turn's peak (and after it, up to the last), horizontally, as a turning head blurs.
    peak = liveness.peak_frame("turn_head", fs)
    keep = {0, peak, len(frames) - 1}
    blurred = [f if i in keep else _motion_blur(f, 9) for i, f in enumerate(frames)]
    blurred_raw = [jpeg(f) for f in blurred]
    b = analysed(blurred_raw, "turn_head")
    soft = [i for i, f in enumerate(b) if quality.is_blurred(f.image, f.det)]
    assert len(soft) >= 4, "the blur must be strong enough that the old every-frame gate refuses the step"
    assert outcome("turn_head", blurred_raw) is None


def test_blurred_still_face_is_refused():
    frames = imgs("genuine/blink/vr-face1_1")
    w = analysed([jpeg(frames[0])])[0].det.width
    # Blur of sigma = face width / 50: the registry-photo measurements behind quality.LIVE's gate.
    blurred = [jpeg(cv2.GaussianBlur(f, (0, 0), w / 50)) for f in frames]
    assert outcome("blink", blurred) == ("POOR_QUALITY", "blur")


# --- prints: one plane moved by the hand -------------------------------------------------------------


@pytest.mark.parametrize("challenge,name", [("open_mouth", "pcavs-731200067_1"), ("turn_head", "pcavs-00086_1")])
def test_two_prints_held_by_hand_move_as_one_plane(challenge, name):
    genuine = analysed(raw(f"genuine/{challenge}/{name}"), challenge)
    assert replay.print_check(challenge, genuine) is None
    assert outcome(challenge, raw(f"attack/photo_flip_held/{challenge}/{name}")) == ("LIVENESS_FAILED", "replay_print")


def test_blink_must_reopen_to_the_open_level():
    # Held-out footage: a shut-eye print read 0.124 then 0.154 under an open level of 0.30. The old rule
    # took 1.10 x the shut reading for a reopened eye.
    print_noise = np.array([0.30, 0.30, 0.124, 0.154, 0.15, 0.152])
    assert liveness.blink_events(print_noise)[1][1] < C["BLINK_REOPEN_MIN"]  # the dip at 0.124 does not reopen
    assert liveness.blink_measure(print_noise)[0] > C["BLINK_DIP_MAX"]  # and no dip that reopens is a blink
    real = np.array([f.ear for f in analysed(raw("genuine/blink/lp-d0_1"))])
    dip, _ = liveness.blink_measure(real)
    assert dip <= C["BLINK_DIP_MAX"]


# --- the action starts inside the step -----------------------------------------------------------------


@pytest.mark.parametrize("challenge,rel", [("blink", "genuine/blink/lp-d0_1"), ("open_mouth", "genuine/open_mouth/st-aoc_1")])
def test_window_cut_at_the_action_is_not_the_action(challenge, rel):
    frames = raw(rel)
    peak = liveness.peak_frame(challenge, analysed(frames, challenge))
    assert outcome(challenge, frames) is None
    assert len(frames) - peak >= 3
    assert outcome(challenge, frames[peak:]) == ("LIVENESS_FAILED", f"action_not_seen:{challenge}")


# --- screens: the screen's pattern on the face ------------------------------------------------------


def test_real_screen_replay_shows_the_screen():
    for ch in ("blink", "turn_head"):
        assert outcome(ch, raw(f"attack/screen_replay/{ch}/rp-lestari_1")) == ("LIVENESS_FAILED", "replay_screen")


@pytest.mark.parametrize("challenge,name", [("blink", "lp-d13_1"), ("open_mouth", "edt-mouth_1")])
def test_recording_played_on_a_phone_is_refused_as_a_screen(challenge, name):
    genuine = raw(f"genuine/{challenge}/{name}")
    assert replay.screen_check(analysed(genuine, challenge)) is None
    shown = held_screen_replay(imgs(f"genuine/{challenge}/{name}"), np.random.default_rng(18))
    assert outcome(challenge, [jpeg(f) for f in shown]) == ("LIVENESS_FAILED", "replay_screen")


# --- two prints held still and swapped: the action steps once ------------------------------------------


@pytest.mark.parametrize("challenge,name", [("open_mouth", "vr-face4_1"), ("turn_head", "st-katiehill_1")])
def test_two_prints_held_still_and_swapped_are_refused(challenge, name):
    # calibration's made flip of this window: its first frame and its action's peak printed, held
    # steadier than the dev set's prints (too still for the print rule), swapped half way. It passed
    # before this rule.
    rel = f"genuine/{challenge}/{name}"
    genuine = raw(rel)
    fs = analysed(genuine, challenge)
    assert outcome(challenge, genuine) is None
    assert liveness.swap_check(challenge, fs) is None
    m = {"challenge": challenge, "sequence": rel, **{k: [getattr(f, k) for f in fs] for k in ("ear", "mar", "yaw", "pitch")}}
    flip = dict(calibration.synthetic_attacks(m, genuine))["synthetic_print_flip"]
    assert replay.print_check(challenge, analysed(flip, challenge)) is None  # too still for the print rule
    assert outcome(challenge, flip) == ("LIVENESS_FAILED", "replay_print_swap")


def test_second_step_reads_one_step_against_a_ramp():
    # Two plateaus (a swap with the hand's jitter) against an opening that gets going over a frame.
    assert liveness.second_step(np.array([0.05, 0.06, 0.05, 0.50, 0.48, 0.49])) < 0.1
    assert liveness.second_step(np.array([0.05, 0.06, 0.25, 0.50, 0.48, 0.49])) > 0.5
    assert liveness.second_step(np.array([0.1, 0.1, 0.1])) == 0.0
