"""Per-face quality checks. Each returns None when the face passes, else the failed check's name.

Numbers were measured with tests/vision on the registry photos (face_recognition's test images,
scikit-image's astronaut) and darkened / blurred copies of them; see each constant.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from .detector import Detection
from .landmarks import Mesh

CROP = 128  # face crop side for the photometric checks, so they do not depend on resolution


@dataclass(frozen=True)
class QualityProfile:
    min_face_px: float
    min_brightness: float
    max_brightness: float
    min_sharpness: float
    max_abs_yaw: float | None  # None: no frontal check (turn_head frames)
    max_abs_roll: float
    min_mesh_score: float


# dlib embeds a 150 px chip with 0.25 padding, i.e. ~100 px of face; a face box under 80 px is upscaled
# by more than 1.25x. Brightness: well-lit registry faces have a face-crop mean of 107–165, the same
# faces scaled to 25 % brightness 27–40. Sharpness (contrast-normalised Laplacian variance, below):
# sharp registry faces 240–690, blurred with sigma = face width / 60 at most 16. Yaw: MediaPipe-mesh
# solvePnP reads 0–17° on the frontal registry photos and 32° on obama2.jpg (head visibly turned).
LIVE = QualityProfile(
    min_face_px=80,
    min_brightness=40,
    max_brightness=225,
    min_sharpness=40,
    max_abs_yaw=35,
    max_abs_roll=30,
    min_mesh_score=0.5,
)
# The template is kept for years, so it is held to a stricter gate than one live frame.
REFERENCE = QualityProfile(
    min_face_px=90,
    min_brightness=55,
    max_brightness=210,
    min_sharpness=60,
    max_abs_yaw=25,
    max_abs_roll=20,
    min_mesh_score=0.9,
)
# Frames of a head turn are not frontal by design; yaw is judged by the liveness rule instead.
LIVE_TURNING = QualityProfile(**{**LIVE.__dict__, "max_abs_yaw": None})

IN_FRAME_MARGIN = 0.0  # fraction of inter-ocular distance a mesh point may lie outside the image


def face_crop_gray(img_bgr: np.ndarray, det: Detection) -> np.ndarray:
    h, w = img_bgr.shape[:2]
    x0, y0, x1, y1 = det.box
    # Central 70 % of the box: skin, eyes, mouth; little background or hair.
    cx, cy, s = (x0 + x1) / 2, (y0 + y1) / 2, 0.35 * max(x1 - x0, y1 - y0)
    a, b = int(max(cx - s, 0)), int(max(cy - s, 0))
    c, d = int(min(cx + s, w)), int(min(cy + s, h))
    if c - a < 4 or d - b < 4:
        return np.zeros((CROP, CROP), np.uint8)
    g = cv2.cvtColor(img_bgr[b:d, a:c], cv2.COLOR_BGR2GRAY)
    return cv2.resize(g, (CROP, CROP), interpolation=cv2.INTER_AREA)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian with the crop's contrast normalised to a standard deviation of 50,
    so a dim but sharp face is not taken for a blurred one."""
    std = float(gray.std())
    if std < 1.0:
        return 0.0
    lap = cv2.Laplacian(gray.astype(np.float32) * (50.0 / std), cv2.CV_32F)
    return float(lap.var())


def check(img_bgr: np.ndarray, det: Detection, mesh: Mesh, pose: tuple[float, float, float], p: QualityProfile) -> str | None:
    h, w = img_bgr.shape[:2]
    if det.width < p.min_face_px:
        return "face_too_small"
    iod = float(np.linalg.norm(mesh.xy[33] - mesh.xy[263]))
    m = IN_FRAME_MARGIN * iod
    xy = mesh.xy
    box_out = det.box[0] < 0 or det.box[1] < 0 or det.box[2] > w or det.box[3] > h
    if box_out or xy[:, 0].min() < -m or xy[:, 1].min() < -m or xy[:, 0].max() > w + m or xy[:, 1].max() > h + m:
        return "face_not_in_frame"
    if mesh.score < p.min_mesh_score:
        return "face_occluded"
    gray = face_crop_gray(img_bgr, det)
    mean = float(gray.mean())
    if mean < p.min_brightness:
        return "too_dark"
    if mean > p.max_brightness:
        return "too_bright"
    if sharpness(gray) < p.min_sharpness:
        return "blur"
    yaw, _, roll = pose
    if not np.isfinite(yaw):
        return "not_frontal"
    if p.max_abs_yaw is not None and abs(yaw) > p.max_abs_yaw:
        return "not_frontal"
    if abs(_wrap(roll)) > p.max_abs_roll:
        return "not_frontal"
    return None


def _wrap(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0
