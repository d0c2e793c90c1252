"""Did the asked action happen? One rule per challenge, on the frames of that step in time order."""

from collections.abc import Sequence

import numpy as np

from .frame import Frame

# turn_head: yaw (solvePnP on the mesh, degrees) must pass this on both sides. Frontal registry photos
# read |yaw| ≤ 17°, obama2.jpg (head visibly turned) 32°, so 20° is a deliberate turn, not pose spread.
TURN_YAW_DEG = 20.0
# open_mouth: inner-lip opening / inner mouth width (landmarks.mouth_aspect_ratio). Registry photos:
# closed mouths 0.01–0.09, a smile showing teeth 0.21–0.24, speaking with the mouth open (obama2) 0.48.
MOUTH_CLOSED_MAX = 0.25  # the baseline before the peak must be at most this (closed or smiling)
MOUTH_OPEN_MIN = 0.35  # the peak must reach this
MOUTH_RISE_MIN = 0.15  # and rise at least this much above the baseline
# blink: eye aspect ratio (Soukupová & Čech, "Real-Time Eye Blink Detection using Facial Landmarks",
# CVWW 2016; their Fig. 1 shows EAR ≈ 0.3 open and < 0.1 shut). Their absolute 0.2 threshold was set
# for dlib's 68 points; the FaceMesh EAR of open, smiling eyes reads 0.196 on obama.jpg, so the rule is
# relative to the open level seen before the dip: shut at ≤ 60 % of it, reopened at ≥ 85 % of it.
BLINK_CLOSED_RATIO = 0.60
BLINK_REOPEN_RATIO = 0.85
BLINK_OPEN_MIN = 0.15  # an "open" level below this is a squint or a mesh failure, not an open eye


def turn_head(frames: Sequence[Frame]) -> bool:
    yaws = np.array([f.yaw for f in frames])
    return bool(yaws.max() >= TURN_YAW_DEG and yaws.min() <= -TURN_YAW_DEG)


def open_mouth(frames: Sequence[Frame]) -> bool:
    mar = np.array([f.mar for f in frames])
    for peak in range(1, len(mar)):
        base = mar[:peak].min()
        if base <= MOUTH_CLOSED_MAX and mar[peak] >= MOUTH_OPEN_MIN and mar[peak] - base >= MOUTH_RISE_MIN:
            return True
    return False


def blink(frames: Sequence[Frame]) -> bool:
    ear = np.array([f.ear for f in frames])
    for i in range(1, len(ear) - 1):
        before = ear[:i].max()
        if before < BLINK_OPEN_MIN or ear[i] > BLINK_CLOSED_RATIO * before:
            continue
        if ear[i + 1 :].max() >= BLINK_REOPEN_RATIO * before:
            return True
    return False


RULES = {"turn_head": turn_head, "open_mouth": open_mouth, "blink": blink}
