"""Did the asked action happen? One rule per challenge, on the frames of that step in time order.

Every threshold was read from real sequences with layers/vision/measure_liveness.py: the dev set's 40
genuine windows (17 blink, 12 open_mouth, 11 turn_head; 23 people, several older) and its no_action,
held_photo and still_replay windows.
"""

from collections.abc import Sequence

import numpy as np

from .frame import Frame

# turn_head: the head rotates about the vertical axis by at least TURN_SPAN_DEG within the step (yaw from
# solvePnP on the mesh, max - min): one side and back, turn and hold, or left and right all count.
# Genuine turns span 28–59° (smallest: p15, one side, 28.1°); windows where the person does not turn
# (no_action) 4.7–11.4°; the held-out footage has real turns of about ±15–17°. 15° takes a one-sided
# turn of that size and stays above the largest no-turn movement.
TURN_SPAN_DEG = 15.0
# A nod is not a turn: the yaw change must be at least the pitch change. Genuine turns: pitch span
# 4–17° against yaw 28–59°.
TURN_YAW_OVER_PITCH = 1.0
# open_mouth: inner-lip opening / inner mouth width (landmarks.mouth_aspect_ratio). Registry photos:
# closed mouths 0.01–0.09, a smile showing teeth 0.21–0.24, speaking with the mouth open (obama2) 0.48.
# Dev set genuine openings peak at 0.38–0.75 from a baseline of 0.02–0.08; no_action windows stay ≤ 0.11.
MOUTH_CLOSED_MAX = 0.25  # the baseline before the peak must be at most this (closed or smiling)
MOUTH_OPEN_MIN = 0.35  # the peak must reach this
MOUTH_RISE_MIN = 0.15  # and rise at least this much above the baseline
# blink: eye aspect ratio (Soukupová & Čech 2016). The FaceMesh EAR of a shut eye does not reach 0 (the
# model smooths the lids), and a quick blink may be caught shut in only one frame, half-shut. Measured on
# the 17 genuine blinks: the shut frame reads 0.43–0.75 of the open level before it, then the eye reopens
# to ≥ 1.18x the shut value. Non-blinks (no_action windows: talking, looking around, squinting; held and
# tilted photos) dip to no less than 0.85 of the open level before.
BLINK_CLOSED_RATIO = 0.80  # shut: EAR ≤ 0.80 x the highest EAR before it
BLINK_REOPEN_RISE = 1.10  # reopened: a later EAR ≥ 1.10 x the shut EAR
BLINK_OPEN_MIN = 0.15  # an "open" level below this is a squint or a mesh failure, not an open eye


def turn_head(frames: Sequence[Frame]) -> bool:
    yaws = np.array([f.yaw for f in frames])
    pitches = np.array([f.pitch for f in frames])
    span = float(np.ptp(yaws))
    return span >= TURN_SPAN_DEG and span >= TURN_YAW_OVER_PITCH * float(np.ptp(pitches))


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
        if ear[i + 1 :].max() >= BLINK_REOPEN_RISE * ear[i]:
            return True
    return False


RULES = {"turn_head": turn_head, "open_mouth": open_mouth, "blink": blink}
