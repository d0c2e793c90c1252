"""Find the portrait on the front of an ID card photo, crop it, and hand the crop to the embedder."""

import cv2
import numpy as np

from . import quality
from .decode import decode_image
from .detector import get_detector
from .errors import VisionError
from .frame import Frame, analyze_image

# The portrait is cropped with this many face widths of margin on each side (MediaPipe's mesh ROI
# needs 1.5x the box, dlib's chip 1.25x), then scaled so the face is PORTRAIT_FACE_PX wide.
CROP_MARGIN = 0.6
PORTRAIT_FACE_PX = 200
# A card portrait is printed small (the Chinese resident ID portrait is 26 x 32 mm) and photographed
# through glare and laminate: the face may be small and a little soft, but still frontal.
ID_CARD = quality.QualityProfile(
    min_face_px=60,
    min_brightness=50,
    max_brightness=220,
    min_sharpness=40,
    max_abs_yaw=25,
    max_abs_roll=20,
    min_mesh_score=0.8,
)


def crop_portrait(img: np.ndarray) -> np.ndarray:
    dets = get_detector().detect(img, tiled=True)
    if not dets:
        raise VisionError("ID_CARD_UNREADABLE", "no_portrait")
    det = dets[0]  # the largest face: the portrait, not a ghost image or a background face
    h, w = img.shape[:2]
    fw = det.width
    x0, y0, x1, y1 = det.box
    a, b = int(max(x0 - CROP_MARGIN * fw, 0)), int(max(y0 - CROP_MARGIN * fw, 0))
    c, d = int(min(x1 + CROP_MARGIN * fw, w)), int(min(y1 + CROP_MARGIN * fw, h))
    crop = img[b:d, a:c]
    scale = PORTRAIT_FACE_PX / max(fw, 1.0)
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interp)


def portrait_frame(data: bytes) -> Frame:
    img = decode_image(data)
    crop = crop_portrait(img)
    try:
        return analyze_image(crop, ID_CARD)
    except VisionError as e:
        if e.code in ("NO_FACE", "MULTIPLE_FACES"):
            raise VisionError("ID_CARD_UNREADABLE", f"portrait_{e.code.lower()}") from e
        raise
