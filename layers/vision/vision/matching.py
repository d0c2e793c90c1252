"""Similarity of two embeddings on a [0, 1] scale, and the shipped decision threshold.

Mapping (dlib descriptors, raw, not normalised): similarity = clip(1 - d / DISTANCE_SCALE, 0, 1),
d the Euclidean distance. DISTANCE_SCALE = 1.2 puts dlib's published decision distance 0.6 (the
operating point of its 99.38 % LFW accuracy) at similarity 0.5; identical faces give 1.0.
"""

import numpy as np
from numpy.typing import ArrayLike

from . import match_calibration
from .errors import VisionError

DISTANCE_SCALE = 1.2
# A false accept certifies someone else (often a relative who looks alike); a false reject sends a
# living retiree to review or a home visit. So the automatic match sits above every impostor score we
# have, and the band below it goes to a person instead of a flat refusal. Both are placed by code,
# layers/vision/calibrate_match.py (make calibrate-match), and read from match_calibration.py, where
# the figures behind them are written: MATCH_THRESHOLD = the highest similarity of every impostor
# comparison of the dev set (photo pairs, reference frames, live frames and fused sessions against
# other people's references) + 0.02; REVIEW_THRESHOLD = those impostors' 0.95 quantile.
MATCH_THRESHOLD = match_calibration.MATCH_THRESHOLD
# [REVIEW_THRESHOLD, MATCH_THRESHOLD): FACE_MISMATCH marked for human review (mismatch's review_band).
REVIEW_THRESHOLD = match_calibration.REVIEW_THRESHOLD
# A retiree who certified by app before is also compared with the live template of that passed
# certification (issue 18; pensioncert/logic/previous_template.py): the trusted reference then
# stays a floor (``matched_by``). Not measured: the dev set has no footage of one person a year
# apart against an older reference, so the floor is the review band's lower edge, the similarity
# below which the reference alone would not even send the face to a person.
REFERENCE_FLOOR = REVIEW_THRESHOLD
BY_REFERENCE, BY_PREVIOUS_TEMPLATE = "reference", "previous_template"
# Two steps of one session when continuity cannot tie them to one face: the most frontal frames of
# two steps of one recording score 0.596-0.9 (21 pairs, min p13 blink vs open_mouth), of two people
# up to 0.619 (757 pairs). They do not separate at any value, so this stays at dlib's published
# 0.5, which refuses no genuine pair; the reference match above still applies to the session.
SAME_PERSON_THRESHOLD = 0.5


def similarity(a: ArrayLike, b: ArrayLike) -> float:
    u, v = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if u.shape != v.shape:
        raise ValueError(f"embedding shapes differ: {u.shape} vs {v.shape}")
    return float(np.clip(1.0 - np.linalg.norm(u - v) / DISTANCE_SCALE, 0.0, 1.0))


def is_match(sim: float, threshold: float = MATCH_THRESHOLD) -> bool:
    return sim >= threshold


def in_review_band(sim: float) -> bool:
    return REVIEW_THRESHOLD <= sim < MATCH_THRESHOLD


def matched_by(sim_reference: float, sim_previous: float | None) -> str | None:
    """Which comparison certifies the face, or None: the trusted reference at MATCH_THRESHOLD, or
    the previous template at MATCH_THRESHOLD with the trusted reference at least REFERENCE_FLOOR."""
    if is_match(sim_reference):
        return BY_REFERENCE
    if sim_previous is not None and is_match(sim_previous) and sim_reference >= REFERENCE_FLOOR:
        return BY_PREVIOUS_TEMPLATE
    return None


def mismatch(sim: float) -> VisionError:
    """The refusal of a face below the match threshold: the similarity and the review band as fields."""
    return VisionError("FACE_MISMATCH", f"similarity:{sim:.3f}", similarity=sim, review_band=in_review_band(sim))
