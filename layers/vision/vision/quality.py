"""Per-face quality checks. Each returns None when the face passes, else the failed check's name.

Numbers were measured with tests/vision on the registry photos (face_recognition's test images,
scikit-image's astronaut) and darkened / blurred copies of them; see each constant.
"""

import functools
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
    whole_face_in_frame: bool = True  # False: only the eyes and the mouth must be inside the image


# dlib embeds a 150 px chip with 0.25 padding, i.e. ~100 px of face; a face box under 80 px is upscaled
# by more than 1.25x. Brightness: well-lit registry faces have a face-crop mean of 107–165, the same
# faces scaled to 25 % brightness 27–40. Yaw: MediaPipe-mesh solvePnP reads 0–17° on the frontal
# registry photos and 32° on obama2.jpg (head visibly turned). A live action frame may be turned further
# (the most frontal frame is the one embedded): genuine dev-set blink/open_mouth frames reach 41.9°
# (p17, an interviewee facing aside), where the mesh still reads the eyes and the lips; 45° keeps them.
# Sharpness (sharpness() on the central face crop at SHARP_CROP px, layers/vision/measure_liveness.py):
# every genuine dev-set frame (434 frames, 23 people, 224–400 px video, soft and older faces included)
# reads ≥ 162; the 28 reference frames ≥ 191; sharp registry photos 1091–2045. Gaussian blur of
# sigma = face width / 40 brings the registry photos to 53–93 and sigma = width / 100 the softest genuine
# source (p06) to 58. 100 refuses a face blurred beyond about width / 50 and keeps every real frame.
LIVE = QualityProfile(
    min_face_px=80,
    min_brightness=40,
    max_brightness=225,
    min_sharpness=100,
    max_abs_yaw=45,
    max_abs_roll=30,
    min_mesh_score=0.5,
    whole_face_in_frame=False,
)
# The template is kept for years, so it is held to a stricter gate than one live frame: the whole face
# in the photo, and sharper (150: below the sharpest-refused blur, under the references' minimum 191).
# No frontal gate (issue 18): a registry photo is the one the authority holds, often an old press or
# ID photo with the head turned or tilted; dlib's 5-point alignment levels the roll and its network
# embeds a turned face (the dev faces' turned photos match their person), so a face a person can see
# is embedded instead of leaving the retiree without a template.
REFERENCE = QualityProfile(
    min_face_px=90,
    min_brightness=55,
    max_brightness=210,
    min_sharpness=150,
    max_abs_yaw=None,
    max_abs_roll=180,
    min_mesh_score=0.9,
    whole_face_in_frame=True,
)
# Frames of a head turn are not frontal by design; yaw is judged by the liveness rule instead.
LIVE_TURNING = QualityProfile(**{**LIVE.__dict__, "max_abs_yaw": None})
# A step's frames are analysed without the sharpness gate: a turning head is motion-blurred between its
# ends, and that is no sign of poor capture. Sharpness is judged (is_blurred, LIVE.min_sharpness) on the
# frames the decision uses: the frame that is embedded and the frame that shows the action at its peak.
LIVE_STEP = QualityProfile(**{**LIVE.__dict__, "min_sharpness": 0.0})
LIVE_TURNING_STEP = QualityProfile(**{**LIVE_TURNING.__dict__, "min_sharpness": 0.0})

IN_FRAME_MARGIN = 0.0  # fraction of inter-ocular distance a mesh point may lie outside the image
# Sharpness is read at a fixed small size: a small face is never enlarged (enlarging is itself a blur),
# and a large face is judged at the same scale.
SHARP_CROP = 64


def face_crop_gray(img_bgr: np.ndarray, det: Detection) -> np.ndarray:
    """The central face crop in grey at CROP px; ``img_bgr`` may be the frame in grey already."""
    h, w = img_bgr.shape[:2]
    x0, y0, x1, y1 = det.box
    # Central 70 % of the box: skin, eyes, mouth; little background or hair.
    cx, cy, s = (x0 + x1) / 2, (y0 + y1) / 2, 0.35 * max(x1 - x0, y1 - y0)
    a, b = int(max(cx - s, 0)), int(max(cy - s, 0))
    c, d = int(min(cx + s, w)), int(min(cy + s, h))
    if c - a < 4 or d - b < 4:
        return np.zeros((CROP, CROP), np.uint8)
    g = img_bgr[b:d, a:c] if img_bgr.ndim == 2 else cv2.cvtColor(img_bgr[b:d, a:c], cv2.COLOR_BGR2GRAY)
    return cv2.resize(g, (CROP, CROP), interpolation=cv2.INTER_AREA)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian with the crop's contrast normalised to a standard deviation of 50,
    so a dim but sharp face is not taken for a blurred one. check() applies it at SHARP_CROP px."""
    std = float(gray.std())
    if std < 1.0:
        return 0.0
    lap = cv2.Laplacian(gray.astype(np.float32) * (50.0 / std), cv2.CV_32F)
    return float(lap.var())


EYE_POINTS = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246,
              263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
MOUTH_POINTS = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)


def part_margins(img_bgr: np.ndarray, mesh: Mesh) -> tuple[float, float]:
    """Smallest distance of an eye point and of a mouth point to the image border, in IOD (negative: outside)."""
    h, w = img_bgr.shape[:2]
    iod = float(np.linalg.norm(mesh.xy[33] - mesh.xy[263])) + 1e-6

    def margin(idx) -> float:
        xy = mesh.xy[list(idx)]
        return float(min(xy[:, 0].min(), xy[:, 1].min(), w - xy[:, 0].max(), h - xy[:, 1].max()) / iod)

    return margin(EYE_POINTS), margin(MOUTH_POINTS)


def face_sharpness(gray_crop: np.ndarray) -> float:
    """sharpness() of the face crop brought down to SHARP_CROP px."""
    return sharpness(cv2.resize(gray_crop, (SHARP_CROP, SHARP_CROP), interpolation=cv2.INTER_AREA))


class FaceCrop:
    """One frame's grey image, its face crop for the photometric checks (face_crop_gray) and the
    crop's sharpness (face_sharpness), each computed once: the quality gate, the screen check, the blur
    judgement, the fusion's choice of sharp frames and the tracking all read the same grey frame (the
    grey conversion is per pixel, so a crop of the grey frame is the grey of the crop)."""

    def __init__(self, img_bgr: np.ndarray, det: Detection):
        self._img, self._det = img_bgr, det

    @functools.cached_property
    def image_gray(self) -> np.ndarray:
        return cv2.cvtColor(self._img, cv2.COLOR_BGR2GRAY)

    @functools.cached_property
    def gray(self) -> np.ndarray:
        return face_crop_gray(self.image_gray, self._det)

    @functools.cached_property
    def sharpness(self) -> float:
        return face_sharpness(self.gray)


def check(img_bgr: np.ndarray, det: Detection, mesh: Mesh, pose: tuple[float, float, float], p: QualityProfile,
          crop: FaceCrop | None = None) -> str | None:
    """The first failed check's name, or None; ``crop``: the face's crop if the caller keeps it."""
    crop = crop or FaceCrop(img_bgr, det)
    h, w = img_bgr.shape[:2]
    if det.width < p.min_face_px:
        return "face_too_small"
    if p.whole_face_in_frame:
        iod = float(np.linalg.norm(mesh.xy[33] - mesh.xy[263]))
        m = IN_FRAME_MARGIN * iod
        xy = mesh.xy
        box_out = det.box[0] < 0 or det.box[1] < 0 or det.box[2] > w or det.box[3] > h
        if box_out or xy[:, 0].min() < -m or xy[:, 1].min() < -m or xy[:, 0].max() > w + m or xy[:, 1].max() > h + m:
            return "face_not_in_frame"
    # A live face filling the frame (close selfie, 224 px crops) has chin or hair at the border: it is
    # cut off only when an eye or the mouth is. Dev set: the nearest eye point lies 0.54 IOD inside.
    elif min(part_margins(img_bgr, mesh)) < 0.0:
        return "face_not_in_frame"
    if mesh.score < p.min_mesh_score:
        return "face_occluded"
    mean = float(crop.gray.mean())
    if mean < p.min_brightness:
        return "too_dark"
    if mean > p.max_brightness:
        return "too_bright"
    if crop.sharpness < p.min_sharpness:
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


def is_blurred(img_bgr: np.ndarray, det: Detection, p: QualityProfile = LIVE) -> bool:
    """The face is softer than the profile's sharpness gate (the check() test on its own)."""
    return face_sharpness(face_crop_gray(img_bgr, det)) < p.min_sharpness
