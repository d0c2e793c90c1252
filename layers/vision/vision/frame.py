"""One image: decode, detect, landmarks, quality. The unit the session and the reference side share."""

import time
from dataclasses import dataclass, field

import numpy as np

from . import budget, quality
from .decode import decode_image
from .detector import Detection, get_detector
from .errors import VisionError
from .landmarks import Mesh, eye_aspect_ratio, get_mesher, head_pose, mouth_aspect_ratio

# A second face counts only if it is at least this fraction of the largest face's width: a distant
# passer-by is ignored, anyone near enough to share the frame with the retiree is not.
SECOND_FACE_MIN_REL = 0.5


@dataclass
class Frame:
    image: np.ndarray
    det: Detection
    mesh: Mesh
    yaw: float
    pitch: float
    roll: float
    ear: float
    mar: float
    # The grey frame, its face crop of the photometric checks and the crop's sharpness, each computed
    # once (quality.FaceCrop).
    crop: quality.FaceCrop | None = field(default=None, repr=False)

    @property
    def face_crop(self) -> quality.FaceCrop:
        if self.crop is None:
            self.crop = quality.FaceCrop(self.image, self.det)
        return self.crop

    @property
    def image_gray(self) -> np.ndarray:
        """The whole frame in grey (cv2.COLOR_BGR2GRAY), computed once."""
        return self.face_crop.image_gray

    @property
    def face_gray(self) -> np.ndarray:
        """quality.face_crop_gray(image, det), computed once."""
        return self.face_crop.gray

    @property
    def sharpness(self) -> float:
        """quality.face_sharpness of face_gray, computed once."""
        return self.face_crop.sharpness


@dataclass
class Timer:
    ms: dict[str, float] = field(default_factory=lambda: {"decode": 0.0, "detect": 0.0, "landmarks": 0.0, "embed": 0.0, "rules": 0.0})

    def add(self, stage: str, t0: float) -> float:
        now = time.perf_counter()
        self.ms[stage] = self.ms.get(stage, 0.0) + (now - t0) * 1000.0
        return now


def analyze(
    data: bytes,
    profile: quality.QualityProfile,
    timer: Timer | None = None,
    tiled: bool = False,
) -> Frame:
    timer = timer or Timer()
    budget.check("frame")
    t = time.perf_counter()
    img = decode_image(data)
    t = timer.add("decode", t)
    return analyze_image(img, profile, timer, tiled, t)


def analyze_image(img: np.ndarray, profile: quality.QualityProfile, timer: Timer | None = None, tiled: bool = False, t: float | None = None) -> Frame:
    timer = timer or Timer()
    t = t or time.perf_counter()
    dets = get_detector().detect(img, tiled=tiled)
    t = timer.add("detect", t)
    if not dets:
        raise VisionError("NO_FACE", "no_face_detected")
    if len(dets) > 1 and dets[1].width >= SECOND_FACE_MIN_REL * dets[0].width:
        raise VisionError("MULTIPLE_FACES", f"faces:{sum(d.width >= SECOND_FACE_MIN_REL * dets[0].width for d in dets)}")
    det = dets[0]
    mesh = get_mesher().mesh(img, det)
    yaw, pitch, roll = head_pose(mesh, img.shape)
    t = timer.add("landmarks", t)
    crop = quality.FaceCrop(img, det)
    failed = quality.check(img, det, mesh, (yaw, pitch, roll), profile, crop)
    timer.add("rules", t)
    if failed:
        raise VisionError("POOR_QUALITY", failed)
    return Frame(img, det, mesh, yaw, pitch, roll, eye_aspect_ratio(mesh), mouth_aspect_ratio(mesh), crop)
