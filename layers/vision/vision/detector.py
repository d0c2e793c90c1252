"""BlazeFace face detectors (MediaPipe 0.10.14's .tflite models) on LiteRT.

Anchor layout and box decoding follow MediaPipe's graphs (SsdAnchorsCalculator with fixed anchor
size; TensorsToDetectionsCalculator: x/y/w/h scaled by the input size, score clipping 100, then
WEIGHTED non-max suppression at IoU 0.3):
- short range (face_detection_short_range_common.pbtxt): 128x128 input, 4 layers with strides
  8/16/16/16, two anchors per cell and layer (aspect 1.0 plus interpolated_scale_aspect_ratio 1.0),
  896 anchors, min_score_thresh 0.5. Made for selfies at arm's length; live frames use it alone.
- full range (face_detection_full_range_common.pbtxt): 192x192 input, 1 layer with stride 4, one
  anchor per cell (interpolated_scale_aspect_ratio 0.0), 48 x 48 = 2304 anchors,
  min_score_thresh 0.6. For faces up to ~5 m away; photos (tiled=True) fall back to it.
"""

import threading
from dataclasses import dataclass

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

from . import budget, models
from .errors import VisionError

NMS_IOU = 0.3
SCORE_CLIP = 100.0
# Tiled search: windows of the shorter side and of half of it, at half-window steps. An image within
# the 4:1 aspect limit needs at most 7 + 45 = 52 windows (~3 ms each here); a strip image needed
# ~16 000 (the 64 x 262144 PNG: a minute). Past this cap the image is refused, never searched.
MAX_TILES = 64
# A face found in a photo is re-detected by the short-range model in a square of REFINE_SIDE face
# widths around it, twice. dlib's 5-point aligner needs a tight box: the 111 dev photos pasted 1:1 into
# 6x, 8x and 12x larger canvases (333 cases, face 3-10 % of the side) embed, against the same photo
# alone, at similarity p5 0.44 with the tile/full-range box as found, p5 0.91 refined (2.0: 0.91,
# 3.0: 0.92; one pass: 7 below 0.8, two: 4). On the dev face pairs it lifts TAR at FAR 0 from 0.48 to
# 0.64 (the closest impostor pair drops from 0.650 to 0.623).
REFINE_SIDE = 2.5
REFINE_PASSES = 2
# Where BlazeFace finds no face in a photo, dlib's HOG frontal detector looks, upsampled once as
# dlib's own pipeline does (face_recognition's default), on the photo brought to at most
# HOG_MAX_SIDE px (the dev faces are at most 640 px; ~0.06 s for 250 px, ~0.4 s at 640 px on one core).
HOG_UPSAMPLE = 1
HOG_MAX_SIDE = 640
# A HOG box's eyes, nose and mouth in box units (dlib's 5 points on the HOG boxes of the dev set's
# reference frames, rounded): only the eye line is read downstream (the mesh's ROI rotation).
HOG_KEYPOINTS = np.array([[0.32, 0.38], [0.68, 0.38], [0.5, 0.6], [0.5, 0.78], [0.05, 0.45], [0.95, 0.45]], np.float32)


@dataclass(frozen=True)
class BlazeSpec:
    file: str
    input_size: int
    strides: tuple[int, ...]
    anchors_per_layer: int  # 2 with an interpolated scale (aspect 1.0 + interpolated), 1 without
    min_score: float


SHORT_RANGE = BlazeSpec(models.DETECTOR_FILE, 128, (8, 16, 16, 16), 2, 0.5)
FULL_RANGE = BlazeSpec(models.DETECTOR_FULL_FILE, 192, (4,), 1, 0.6)


@dataclass
class Detection:
    box: np.ndarray  # x0, y0, x1, y1 in image pixels
    keypoints: np.ndarray  # 6x2 image pixels: right eye, left eye, nose, mouth, right ear, left ear (subject's sides)
    score: float
    source: str = "blazeface"  # or "dlib_hog": the photo path's fallback (hog_faces), whose box is dlib's own

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])


def _anchors(spec: BlazeSpec) -> np.ndarray:
    """Anchor centres in [0, 1]; layers of equal stride share one grid (SsdAnchorsCalculator)."""
    out = []
    i = 0
    while i < len(spec.strides):
        stride = spec.strides[i]
        per_cell = 0
        while i < len(spec.strides) and spec.strides[i] == stride:
            per_cell += spec.anchors_per_layer
            i += 1
        n = spec.input_size // stride
        for y in range(n):
            for x in range(n):
                for _ in range(per_cell):
                    out.append(((x + 0.5) / n, (y + 0.5) / n))
    return np.array(out, np.float32)


class BlazeFace:
    """One BlazeFace model: detection in a square window, and in a whole image (optionally tiled)."""

    def __init__(self, path: str, spec: BlazeSpec, num_threads: int = 1):
        self.spec = spec
        self._lock = threading.Lock()
        self._it = Interpreter(model_path=path, num_threads=num_threads)
        self._it.allocate_tensors()
        self._in = self._it.get_input_details()[0]["index"]
        outs = {tuple(d["shape"])[-1]: d["index"] for d in self._it.get_output_details()}
        self._reg, self._cls = outs[16], outs[1]
        self._anchors = _anchors(spec)
        n_out = int(np.prod(self._it.get_output_details()[0]["shape"][:-1]))
        if len(self._anchors) != n_out:
            raise ValueError(f"{spec.file}: {n_out} boxes, {len(self._anchors)} anchors")

    def _infer(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = (x.astype(np.float32) / 127.5 - 1.0)[None]
        with self._lock:
            self._it.set_tensor(self._in, x)
            self._it.invoke()
            reg = self._it.get_tensor(self._reg)[0].copy()
            cls = self._it.get_tensor(self._cls)[0, :, 0].copy()
        return reg, cls

    def detect_square(self, img_bgr: np.ndarray, x0: int, y0: int, side: int, min_score: float) -> list[Detection]:
        """Detect in the side x side window at (x0, y0), zero-padding past the image edge."""
        size = self.spec.input_size
        h, w = img_bgr.shape[:2]
        scale = size / side
        xs, ys = max(x0, 0), max(y0, 0)
        xe, ye = min(x0 + side, w), min(y0 + side, h)
        # Resize only the part inside the image, then pad: cheaper than padding a full-size square.
        tw = max(1, min(size, round((xe - xs) * scale)))
        th = max(1, min(size, round((ye - ys) * scale)))
        small = cv2.resize(img_bgr[ys:ye, xs:xe], (tw, th), interpolation=cv2.INTER_AREA)
        win = np.zeros((size, size, 3), np.uint8)
        ox = min(round((xs - x0) * scale), size - tw)
        oy = min(round((ys - y0) * scale), size - th)
        win[oy : oy + th, ox : ox + tw] = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
        reg, cls = self._infer(win)
        scores = 1.0 / (1.0 + np.exp(-np.clip(cls.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)))
        keep = np.nonzero(scores >= min_score)[0]
        # Every kept anchor decoded at once, in the dtypes one at a time gave (float32, then float64
        # once the window's integer offset is added).
        a = self._anchors[keep]
        r = reg[keep] / size
        cx, cy, bw, bh = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1], r[:, 2], r[:, 3]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1).astype(np.float32) * side + np.array([x0, y0, x0, y0])
        kps = (r[:, 4:16].reshape(-1, 6, 2) + a[:, None, :]) * side + np.array([x0, y0])
        return [Detection(box, kp, float(score)) for box, kp, score in zip(boxes, kps, scores[keep])]

    def detect(self, img_bgr: np.ndarray, tiled: bool = False) -> list[Detection]:
        """Faces in the whole image (letterboxed to a square); with tiled=True and none found, in
        tiles (see tiles())."""
        h, w = img_bgr.shape[:2]
        side = max(h, w)
        dets = self.detect_square(img_bgr, (w - side) // 2, (h - side) // 2, side, self.spec.min_score)
        if tiled and not dets:
            dets = self.tiles(img_bgr)
        return sorted(_weighted_nms(dets), key=lambda d: -d.width)

    def tiles(self, img_bgr: np.ndarray) -> list[Detection]:
        """Raw detections in windows of the shorter side, then (if none) of half of it, at half-window
        steps: for faces small in a large photo."""
        h, w = img_bgr.shape[:2]
        dets: list[Detection] = []
        windows = 0
        for s in (min(h, w), min(h, w) // 2):
            step = max(s // 2, 1)
            # One resize per window size, then windows cut from it: a 12 MP photo costs one resize
            # instead of one per window.
            f = min(1.0, self.spec.input_size / s)
            small = cv2.resize(img_bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img_bgr
            for y in range(0, max(h - s, 0) + 1, step):
                for x in range(0, max(w - s, 0) + 1, step):
                    windows += 1
                    if windows > MAX_TILES:
                        raise VisionError("IMAGE_INVALID", f"too_many_tiles:{w}x{h}")
                    budget.check("detect_tile")
                    found = self.detect_square(small, round(x * f), round(y * f), round(s * f), self.spec.min_score)
                    dets += [Detection(d.box / f, d.keypoints / f, d.score) for d in found]
            if dets:
                break
        return dets


class FaceDetector:
    """The short-range model for live frames; for photos (tiled=True) also the full-range model,
    searched only when the short-range one finds no face."""

    def __init__(self, short_path: str, full_path: str, num_threads: int = 1):
        self.short = BlazeFace(short_path, SHORT_RANGE, num_threads)
        self.full = BlazeFace(full_path, FULL_RANGE, num_threads)

    def detect(self, img_bgr: np.ndarray, tiled: bool = False) -> list[Detection]:
        """Faces sorted by width, largest first.

        tiled=False (live frames): the short-range model on the whole frame, nothing else.
        tiled=True (reference photos, ID cards, the match evaluation): every face found is re-detected
        by the short-range model framed as a selfie (refine), which tightens its box and drops what
        is not a face. If no face of the whole photo survives, the short-range model's tiles, then
        the full-range model on the whole photo and its tiles, are searched the same way; if still
        none, dlib's HOG detector (hog_faces): a photo dlib's own pipeline embeds is embedded.
        """
        dets = self.short.detect(img_bgr)
        if not tiled:
            return dets
        refined = [r for r in (self.refine(img_bgr, d) for d in dets) if r is not None]
        if not refined:
            # A whole-page "face" the refine does not confirm (a form, a wall) is no face either.
            found = _weighted_nms(self.short.tiles(img_bgr)) or self.full.detect(img_bgr, tiled=True)
            refined = [r for r in (self.refine(img_bgr, d) for d in found) if r is not None] or dets
        if not refined:
            return hog_faces(img_bgr)
        return sorted(_weighted_nms(refined), key=lambda d: -d.width)

    def refine(self, img_bgr: np.ndarray, det: Detection) -> Detection | None:
        """The short-range model on a square of REFINE_SIDE face widths around det (a selfie's
        framing, as the live frames are detected), repeated on its own answer; None if it sees no
        face centred in det's box."""
        for i in range(REFINE_PASSES):
            cx, cy = (det.box[:2] + det.box[2:]) / 2
            side = max(int(round(REFINE_SIDE * max(det.box[2] - det.box[0], det.box[3] - det.box[1]))), 8)
            near = self.short.detect_square(img_bgr, int(round(cx - side / 2)), int(round(cy - side / 2)), side, self.short.spec.min_score)
            near = [d for d in _weighted_nms(near) if _inside((d.box[:2] + d.box[2:]) / 2, det.box)]
            if not near:
                return det if i else None
            det = min(near, key=lambda d: float(np.linalg.norm((d.box[:2] + d.box[2:]) / 2 - (cx, cy))))
        return det


def hog_faces(img_bgr: np.ndarray) -> list[Detection]:
    """dlib's HOG frontal face detector, upsampled HOG_UPSAMPLE times, on the photo scaled to at most
    HOG_MAX_SIDE px; boxes in the photo's pixels, largest first, source "dlib_hog"."""
    import dlib

    budget.check("detect_hog")
    h, w = img_bgr.shape[:2]
    f = min(1.0, HOG_MAX_SIDE / max(h, w))
    small = cv2.resize(img_bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1.0 else img_bgr
    hog, lock = models.singleton("hog", lambda: (dlib.get_frontal_face_detector(), threading.Lock()))
    with lock:
        rects, scores, _ = hog.run(cv2.cvtColor(small, cv2.COLOR_BGR2RGB), HOG_UPSAMPLE, 0.0)
    out = []
    for r, sc in zip(rects, scores):
        box = np.array([r.left(), r.top(), r.right(), r.bottom()], np.float32) / f
        kp = box[:2] + HOG_KEYPOINTS * (box[2:] - box[:2])
        out.append(Detection(box, kp, float(sc), source="dlib_hog"))
    return sorted(out, key=lambda d: -d.width)


def _inside(pt: np.ndarray, box: np.ndarray) -> bool:
    return bool(box[0] <= pt[0] <= box[2] and box[1] <= pt[1] <= box[3])


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _ious(top: np.ndarray, dets: list[Detection]) -> list[float] | np.ndarray:
    """_iou(top, d.box) for every d, at once; the same values (float64 boxes, every coordinate finite:
    the live path's), else one by one."""
    boxes = [d.box for d in dets]
    if not boxes:
        return []
    if top.dtype != np.float64 or any(b.dtype != np.float64 for b in boxes):
        return [_iou(top, b) for b in boxes]
    b = np.array(boxes)
    if not (np.isfinite(b).all() and np.isfinite(top).all()):
        return [_iou(top, x) for x in boxes]
    ix = np.maximum(0.0, np.minimum(top[2], b[:, 2]) - np.maximum(top[0], b[:, 0]))
    iy = np.maximum(0.0, np.minimum(top[3], b[:, 3]) - np.maximum(top[1], b[:, 1]))
    inter = ix * iy
    union = (top[2] - top[0]) * (top[3] - top[1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _weighted_nms(dets: list[Detection]) -> list[Detection]:
    """MediaPipe's WEIGHTED NMS: overlapping boxes are averaged by score instead of dropped."""
    remaining = sorted(dets, key=lambda d: -d.score)
    out = []
    while remaining:
        top = remaining[0]
        ious = _ious(top.box, remaining[1:])
        # The top box is its own group's first member even when its IoU with itself is not 1 (a box
        # of zero area reads 0): it stayed in `remaining` and the loop never ended.
        group = [top] + [d for d, v in zip(remaining[1:], ious) if v > NMS_IOU]
        remaining = [d for d, v in zip(remaining[1:], ious) if v <= NMS_IOU]
        wts = np.array([d.score for d in group])
        box = sum(d.box * s for d, s in zip(group, wts)) / wts.sum()
        kp = sum(d.keypoints * s for d, s in zip(group, wts)) / wts.sum()
        out.append(Detection(box, kp, top.score))
    return out


def get_detector() -> FaceDetector:
    return models.singleton(
        "detector",
        lambda: FaceDetector(str(models.model_path(models.DETECTOR_FILE)), str(models.model_path(models.DETECTOR_FULL_FILE))),
    )
