"""Where the model files are, and the process-wide, lazily loaded model instances.

Models load once per process (Lambda container reuse). Neither a LiteRT Interpreter nor dlib's
shape predictor may be invoked from two threads at once, so each loaded model carries its own lock.
"""

import os
import threading
from pathlib import Path

DETECTOR_FILE = "face_detection_short_range.tflite"
DETECTOR_FULL_FILE = "face_detection_full_range_sparse.tflite"
MESH_FILE = "face_landmark.tflite"
# dlib's face descriptor network, converted from its .dat at build time (layers/vision/dlib_resnet_onnx.py)
# and run by onnxruntime. The .dat stays in the cache as the conversion's source and the parity test's reference.
EMBEDDER_FILE = "dlib_face_recognition_resnet_model_v1.onnx"
EMBEDDER_DLIB_FILE = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE5_FILE = "shape_predictor_5_face_landmarks.dat"
# What the package loads at run time.
MODEL_FILES = (DETECTOR_FILE, DETECTOR_FULL_FILE, MESH_FILE, EMBEDDER_FILE, SHAPE5_FILE)

LAYER_MODEL_DIR = Path("/opt/models")
# layers/vision/vision/models.py -> repository root is three levels up.
REPO_CACHE_MODEL_DIR = Path(__file__).resolve().parents[3] / ".cache" / "vision" / "models"


def model_dir() -> Path:
    env = os.environ.get("VISION_MODEL_DIR")
    if env:
        return Path(env)
    if LAYER_MODEL_DIR.is_dir():
        return LAYER_MODEL_DIR
    return REPO_CACHE_MODEL_DIR


def model_path(name: str) -> Path:
    path = model_dir() / name
    if not path.is_file():
        raise FileNotFoundError(
            f"vision model {name} not found in {path.parent}; run `make models` "
            "(python layers/vision/build_models.py) or set VISION_MODEL_DIR"
        )
    return path


_load_lock = threading.Lock()
_instances: dict[str, object] = {}


def singleton(key: str, factory):
    """Return the instance built by factory() for key, building it once per process."""
    inst = _instances.get(key)
    if inst is None:
        with _load_lock:
            inst = _instances.get(key)
            if inst is None:
                inst = factory()
                _instances[key] = inst
    return inst
