"""The Lambda layer zip: contents, size, and that it imports in a clean python3.12 (the runtime it targets)."""

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

# The pyenv build first: a pyenv shim on PATH may name a python3.12 that is not installed.
_PYENV312 = Path("/root/.pyenv/versions/3.12.1/bin/python3.12")
PY312 = str(_PYENV312) if _PYENV312.exists() else (shutil.which("python3.12") or str(_PYENV312))


@pytest.fixture(scope="module")
def layer(tmp_path_factory):
    import build_layer

    out, size = build_layer.build(tmp_path_factory.mktemp("layer") / "vision-layer.zip")
    return out, size


def test_layer_contents(layer):
    out, size = layer
    names = set(zipfile.ZipFile(out).namelist())
    for m in ("face_detection_short_range.tflite", "face_detection_full_range_sparse.tflite", "face_landmark.tflite",
              "dlib_face_recognition_resnet_model_v1.onnx", "shape_predictor_5_face_landmarks.dat"):
        assert f"models/{m}" in names
    # Not loaded at run time: dlib's 68-point predictor, and the descriptor's .dat (converted to the .onnx).
    assert "models/shape_predictor_68_face_landmarks.dat" not in names
    assert "models/dlib_face_recognition_resnet_model_v1.dat" not in names
    assert "python/vision/__init__.py" in names and "python/vision/handler.py" in names
    assert any(n.startswith("python/cv2/") for n in names) and any(n.startswith("python/ai_edge_litert/") for n in names)
    assert any(n.endswith("cpython-312-x86_64-linux-gnu.so") for n in names)  # built for the 3.12 runtime
    print(f"\nvision layer unzipped: {size / 2**20:.1f} MiB")


@pytest.mark.skipif(not Path(PY312).exists(), reason="python3.12 not installed")
def test_layer_imports_in_clean_python312(layer, tmp_path, photo_dir):
    out, _ = layer
    zipfile.ZipFile(out).extractall(tmp_path)
    from localstage.demo_cards import draw_card

    card = tmp_path / "card.jpg"  # a drawn card: the OCR engine and its models load from the layer too
    card.write_bytes(draw_card("王建国", "610102194803150011", photo_dir / "obama.jpg"))
    code = (
        "import sys, os; sys.path.insert(0, sys.argv[1]); os.environ['VISION_MODEL_DIR'] = sys.argv[2];"
        "import vision, vision.handler; assert vision.MATCH_THRESHOLD;"
        "c = vision.read_id_card(open(sys.argv[4], 'rb').read()); print(c['name'], c['id_number']);"
        "e = vision.embed_reference(open(sys.argv[3], 'rb').read()); print(len(e))"
    )
    r = subprocess.run(
        [PY312, "-I", "-S", "-c", code, str(tmp_path / "python"), str(tmp_path / "models"), str(photo_dir / "obama.jpg"),
         str(card)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-2:] == ["王建国 610102194803150011", "128"]
