"""Similarity of two embeddings on a [0, 1] scale, and the shipped decision threshold.

Mapping (dlib descriptors, raw, not normalised): similarity = clip(1 - d / DISTANCE_SCALE, 0, 1),
d the Euclidean distance. DISTANCE_SCALE = 1.2 puts dlib's published decision distance 0.6 (the
operating point of its 99.38 % LFW accuracy) at similarity 0.5; identical faces give 1.0.
"""

import numpy as np
from numpy.typing import ArrayLike

DISTANCE_SCALE = 1.2
# A false accept certifies someone else (often a relative who looks alike); a false reject sends a
# living retiree to review or a home visit. So the automatic match sits above every impostor score we
# have, and the band below it goes to a person instead of a flat refusal.
# layers/vision/measure_match.py on the dev set (dlib_resnet_v1, photos through the photo path):
# - impostors: faces/ all 5 653 different-person photo pairs max 0.623 (Rumsfeld/Bush, both looking
#   up, mouth open; next 0.562), FAR 0 from 0.625; footage, 28 references x other people's live
#   frames, 11 718 pairs max 0.628, FAR 0 from 0.650; reference vs reference (378) max 0.573;
#   most frontal frame of a step vs another person's (757) max 0.619.
# - genuine: footage sessions (decide_session, reference = a frame of the same recording) min 0.632
#   (p22; 0.637 p13, 0.648 p20, turned references), p04 and p06 every 2- and 3-step session 0.699-0.840;
#   footage per frame min 0.587; faces/ photos years apart (452 pairs) min 0.443, median 0.646.
# MATCH_THRESHOLD 0.65 (distance 0.42): FAR 0 on all 18 506 impostor comparisons with 0.022 margin
# over the closest; FRR 0.058 per footage frame, 0.52 on photos years apart, which the review band
# takes. dlib's published LFW point 0.5 (distance 0.6) accepted 31 of 5 653 photo impostor pairs
# (FAR 0.0055) and 439 of 11 718 footage ones (0.037).
MATCH_THRESHOLD = 0.65
# [REVIEW_THRESHOLD, MATCH_THRESHOLD): FACE_MISMATCH marked for human review (mismatch_detail).
# At 0.45 a flat refusal hits 2 of 452 genuine photo pairs years apart (0.0044) and no footage
# frame; the band holds 0.52 of those genuine photo pairs and 0.051 of the photo impostor pairs
# (footage: 0.058 genuine frames, 0.070 impostor frames): a reviewer's load, not a certification.
REVIEW_THRESHOLD = 0.45
REVIEW_MARK = "review"
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


def mismatch_detail(sim: float) -> str:
    """FACE_MISMATCH's detail: "similarity:0.612:review" in the review band, else "similarity:0.301"."""
    return f"similarity:{sim:.3f}:{REVIEW_MARK}" if in_review_band(sim) else f"similarity:{sim:.3f}"
