"""BlazeFace short-range face detector (MediaPipe's face_detection_short_range.tflite) on LiteRT.

Anchor layout and box decoding follow MediaPipe's face_detection_short_range graph
(SsdAnchorsCalculator: 4 layers, strides 8/16/16/16, 128x128 input, fixed anchor size;
TensorsToDetectionsCalculator: x/y/w/h scale 128, score clipping 100, then weighted NMS).
"""

import threading
from dataclasses import dataclass

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from . import budget, models
from .errors import VisionError

INPUT_SIZE = 128
# MediaPipe's face_detection_short_range graph: min_score_thresh 0.5, min_suppression_threshold 0.3.
MIN_SCORE = 0.5
NMS_IOU = 0.3
SCORE_CLIP = 100.0
# Tiled search: windows of the shorter side and of half of it, at half-window steps. An image within
# the 4:1 aspect limit needs at most 7 + 45 = 52 windows (~3 ms each here); a strip image needed
# ~16 000 (the 64 x 262144 PNG: a minute). Past this cap the image is refused, never searched.
MAX_TILES = 64


@dataclass
class Detection:
    box: np.ndarray  # x0, y0, x1, y1 in image pixels
    keypoints: np.ndarray  # 6x2 image pixels: right eye, left eye, nose, mouth, right ear, left ear (subject's sides)
    score: float

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])


def _anchors() -> np.ndarray:
    strides = [8, 16, 16, 16]
    out = []
    i = 0
    while i < len(strides):
        stride = strides[i]
        per_cell = 0
        while i < len(strides) and strides[i] == stride:
            per_cell += 2  # aspect ratio 1.0 plus the interpolated scale, both fixed size 1x1
            i += 1
        n = INPUT_SIZE // stride
        for y in range(n):
            for x in range(n):
                for _ in range(per_cell):
                    out.append(((x + 0.5) / n, (y + 0.5) / n))
    return np.array(out, np.float32)


class FaceDetector:
    def __init__(self, path: str, num_threads: int = 1):
        self._lock = threading.Lock()
        self._it = Interpreter(model_path=path, num_threads=num_threads)
        self._it.allocate_tensors()
        self._in = self._it.get_input_details()[0]["index"]
        outs = {tuple(d["shape"])[-1]: d["index"] for d in self._it.get_output_details()}
        self._reg, self._cls = outs[16], outs[1]
        self._anchors = _anchors()

    def _infer(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = (x.astype(np.float32) / 127.5 - 1.0)[None]
        with self._lock:
            self._it.set_tensor(self._in, x)
            self._it.invoke()
            reg = self._it.get_tensor(self._reg)[0].copy()
            cls = self._it.get_tensor(self._cls)[0, :, 0].copy()
        return reg, cls

    def _detect_square(self, img_bgr: np.ndarray, x0: int, y0: int, side: int, min_score: float) -> list[Detection]:
        """Detect in the side x side window at (x0, y0), zero-padding past the image edge."""
        h, w = img_bgr.shape[:2]
        scale = INPUT_SIZE / side
        xs, ys = max(x0, 0), max(y0, 0)
        xe, ye = min(x0 + side, w), min(y0 + side, h)
        # Resize only the part inside the image, then pad: cheaper than padding a full-size square.
        tw = max(1, min(INPUT_SIZE, round((xe - xs) * scale)))
        th = max(1, min(INPUT_SIZE, round((ye - ys) * scale)))
        small = cv2.resize(img_bgr[ys:ye, xs:xe], (tw, th), interpolation=cv2.INTER_AREA)
        win = np.zeros((INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
        ox = min(round((xs - x0) * scale), INPUT_SIZE - tw)
        oy = min(round((ys - y0) * scale), INPUT_SIZE - th)
        win[oy : oy + th, ox : ox + tw] = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        reg, cls = self._infer(win)
        scores = 1.0 / (1.0 + np.exp(-np.clip(cls.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))
        keep = np.nonzero(scores >= min_score)[0]
        dets = []
        for k in keep:
            a = self._anchors[k]
            r = reg[k] / INPUT_SIZE
            cx, cy, bw, bh = r[0] + a[0], r[1] + a[1], r[2], r[3]
            box = np.array([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], np.float32)
            kp = r[4:16].reshape(6, 2) + a
            dets.append(Detection(box * side + [x0, y0, x0, y0], kp * side + [x0, y0], float(scores[k])))
        return dets

    def detect(self, img_bgr: np.ndarray, tiled: bool = False, min_score: float = MIN_SCORE) -> list[Detection]:
        """Faces sorted by width, largest first.

        The short-range model expects a face to fill a good part of the frame (selfie distance).
        With tiled=True (reference photos, ID cards) windows of half the shorter side are searched
        too, for faces that are small in a large photo.
        """
        h, w = img_bgr.shape[:2]
        side = max(h, w)
        dets = self._detect_square(img_bgr, (w - side) // 2, (h - side) // 2, side, min_score)
        if tiled and not dets:
            windows = 0
            for s in (min(h, w), min(h, w) // 2):
                step = max(s // 2, 1)
                for y in range(0, max(h - s, 0) + 1, step):
                    for x in range(0, max(w - s, 0) + 1, step):
                        windows += 1
                        if windows > MAX_TILES:
                            raise VisionError("IMAGE_INVALID", f"too_many_tiles:{w}x{h}")
                        budget.check("detect_tile")
                        dets += self._detect_square(img_bgr, x, y, s, min_score)
                if dets:
                    break
        return sorted(_weighted_nms(dets), key=lambda d: -d.width)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _weighted_nms(dets: list[Detection]) -> list[Detection]:
    """MediaPipe's WEIGHTED NMS: overlapping boxes are averaged by score instead of dropped."""
    remaining = sorted(dets, key=lambda d: -d.score)
    out = []
    while remaining:
        top = remaining[0]
        group = [d for d in remaining if _iou(top.box, d.box) > NMS_IOU]
        remaining = [d for d in remaining if _iou(top.box, d.box) <= NMS_IOU]
        wts = np.array([d.score for d in group])
        box = sum(d.box * s for d, s in zip(group, wts)) / wts.sum()
        kp = sum(d.keypoints * s for d, s in zip(group, wts)) / wts.sum()
        out.append(Detection(box, kp, top.score))
    return out


def get_detector() -> FaceDetector:
    return models.singleton("detector", lambda: FaceDetector(str(models.model_path(models.DETECTOR_FILE))))
