"""Is this a still photo shown to the camera? Two signs, checked per challenge step:

- static: consecutive frames are (near-)identical face crops;
- planar: the landmarks move, but one homography per frame explains all of the motion, as when a
  printed photo or a screen is tilted and shifted. A live face opening its mouth, blinking or
  turning moves some landmarks against the others, which no single homography reproduces.
"""

from collections.abc import Sequence

import cv2
import numpy as np

from .frame import Frame

# Mean absolute difference of the 64x64 face crops (grey levels) under which two frames are the same
# picture. Copies of one registry photo re-encoded at JPEG quality 95..87 differ by 0.1–5.5, so this
# only catches duplicated frames; a re-photographed still is left to the planar and action checks.
STATIC_PIXEL_DIFF = 1.5
# Landmark motion smaller than this (fraction of IOD, 97th percentile) is too small to judge planarity.
# Re-encoded copies of one still move the mesh by 0.002–0.005 IOD (jitter).
PLANAR_MIN_MOTION = 0.03
# 97th percentile of the homography fit residual, as a fraction of IOD (outer eye corners).
# Measured with `python -m vision.evaluate liveness` on the registry set: registry stills tilted by up to
# ±35° and shifted give 0.011–0.039 (mesh jitter); the genuine closed→open mouth sequences give
# 0.11–0.24. Set between the two, nearer the attacks: a blink moves fewer points than a mouth.
PLANAR_MAX_RESIDUAL = 0.06
RESIDUAL_PERCENTILE = 97


def _crop(f: Frame) -> np.ndarray:
    x0, y0, x1, y1 = f.det.box
    h, w = f.image.shape[:2]
    a, b, c, d = int(max(x0, 0)), int(max(y0, 0)), int(min(x1, w)), int(min(y1, h))
    g = cv2.cvtColor(f.image[b:d, a:c], cv2.COLOR_BGR2GRAY)
    return cv2.resize(g, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)


def _iod(f: Frame) -> float:
    return float(np.linalg.norm(f.mesh.xy[33] - f.mesh.xy[263])) + 1e-6


def is_static(frames: Sequence[Frame]) -> bool:
    crops = [_crop(f) for f in frames]
    return all(np.abs(p - q).mean() <= STATIC_PIXEL_DIFF for p, q in zip(crops, crops[1:]))


def planar_residual(a: Frame, b: Frame) -> tuple[float, float]:
    """(motion, residual) from a to b, both as fractions of a's IOD (RESIDUAL_PERCENTILE-th percentile)."""
    src, dst = a.mesh.xy.astype(np.float64), b.mesh.xy.astype(np.float64)
    iod = _iod(a)
    motion = float(np.percentile(np.linalg.norm(dst - src, axis=1), RESIDUAL_PERCENTILE) / iod)
    hmat, _ = cv2.findHomography(src, dst, 0)
    if hmat is None:
        return motion, float("inf")
    proj = cv2.perspectiveTransform(src[None], hmat)[0]
    return motion, float(np.percentile(np.linalg.norm(proj - dst, axis=1), RESIDUAL_PERCENTILE) / iod)


def is_planar(frames: Sequence[Frame]) -> bool:
    """True when the step shows real motion and every frame is a homography of the first one."""
    moved = False
    for f in frames[1:]:
        motion, residual = planar_residual(frames[0], f)
        if residual > PLANAR_MAX_RESIDUAL:
            return False
        moved = moved or motion >= PLANAR_MIN_MOTION
    return moved


def check_step(frames: Sequence[Frame], raw: Sequence[bytes]) -> str | None:
    """None, "replay_static" or "replay_planar"."""
    if len(set(raw)) == 1 or is_static(frames):
        return "replay_static"
    if is_planar(frames):
        return "replay_planar"
    return None
