"""dlib's face descriptor network converted to ONNX at build time (layers/vision/dlib_resnet_onnx.py) and
run by onnxruntime gives dlib's own descriptor on real faces, and the converter refuses a file that is
not that network.

Real faces: the dev set's 28 reference frames and the first photo of each of the 19 people of its
face folder, through the package's own detector (tiled, with the full-range fallback) and dlib's
5-point chip. dlib's net is loaded here only as the reference (the package no longer loads it).
"""

import devset
import dlib
import numpy as np
import pytest

from vision import models
from vision.decode import decode_image
from vision.detector import get_detector
from vision.embedder import DIM, get_embedder

DAT = models.EMBEDDER_DLIB_FILE
# Measured on 47 dev-set faces (AVX-512 build machine, onnxruntime 1.32.0 against dlib-bin 20.0.1.post1):
# largest element difference 3.4e-7, largest euclidean distance 1.3e-6, against descriptors of norm ~1
# and a match threshold whose scale is 0.1. Both libraries sum the convolutions in float32 in their own
# order; the bounds below leave ~10x for another CPU's kernels and are still far below anything a
# similarity score can feel.
MAX_ABS_DIFF = 1e-5
MAX_DISTANCE = 2e-5


def _face_images():
    root = devset.root()
    refs = sorted((root / "reference").glob("*.jpg"))
    faces = [sorted(d.glob("*.jpg"))[0] for d in sorted((root / "faces").iterdir()) if d.is_dir()]
    assert len(refs) >= 28 and len(faces) >= 19
    return refs + faces


@pytest.fixture(scope="module")
def faces():
    """[(path, BGR image, first detection)] for every dev-set photo in which the detector finds a face."""
    out = []
    for path in _face_images():
        img = decode_image(path.read_bytes())
        dets = get_detector().detect(img, tiled=True)
        if dets:
            out.append((path, img, dets[0]))
    assert len(out) >= 45, f"only {len(out)} dev-set photos gave a face"
    return out


@pytest.fixture(scope="module")
def dlib_net():
    return dlib.face_recognition_model_v1(str(models.model_path(DAT)))


def test_onnx_descriptor_equals_dlibs_on_real_faces(faces, dlib_net):
    emb = get_embedder()
    diffs, dists = [], []
    for path, img, det in faces:
        chip = emb.chip(img, det)
        assert chip.shape == (150, 150, 3) and chip.dtype == np.uint8
        ours = emb.embed(img, det)              # the public path: aligner, chip, ONNX network
        ref = np.array(dlib_net.compute_face_descriptor(chip), np.float32)
        assert ours.shape == (DIM,) and ours.dtype == np.float32
        diffs.append(float(np.abs(ours - ref).max()))
        dists.append(float(np.linalg.norm(ours - ref)))
        assert diffs[-1] <= MAX_ABS_DIFF and dists[-1] <= MAX_DISTANCE, (path.name, diffs[-1], dists[-1])
    print(f"\n{len(faces)} faces: max |onnx - dlib| {max(diffs):.2e}, max distance {max(dists):.2e}")


def test_descriptors_still_tell_people_apart(faces):
    """Parity with dlib is the claim; this guards against a converter that made every face the same."""
    emb = get_embedder()
    vecs = np.stack([emb.embed(img, det) for _, img, det in faces[:10]])
    d = np.linalg.norm(vecs[:, None] - vecs[None], axis=-1)
    assert d[~np.eye(len(vecs), dtype=bool)].min() > 0.2


def test_cached_onnx_was_converted_from_the_cached_dat():
    import dlib_resnet_onnx

    assert dlib_resnet_onnx.is_current(models.model_path(DAT), models.model_path(models.EMBEDDER_FILE))


@pytest.fixture(scope="module")
def dat_bytes():
    return models.model_path(DAT).read_bytes()


def _convert_bytes(tmp_path, data: bytes):
    import dlib_resnet_onnx

    src, dst = tmp_path / "net.dat", tmp_path / "net.onnx"
    src.write_bytes(data)
    try:
        dlib_resnet_onnx.convert(src, dst)
    finally:
        assert not dst.exists(), "a refused file must not leave an .onnx behind"


@pytest.mark.parametrize("keep", [0, 1000, 0.5, -1], ids=["empty", "head", "half", "last_byte"])
def test_converter_refuses_a_truncated_dat(tmp_path, dat_bytes, keep):
    import dlib_resnet_onnx

    n = int(len(dat_bytes) * keep) if isinstance(keep, float) else (keep if keep >= 0 else len(dat_bytes) + keep)
    with pytest.raises(dlib_resnet_onnx.DlibFormatError, match="truncated"):
        _convert_bytes(tmp_path, dat_bytes[:n])


def test_converter_refuses_trailing_bytes(tmp_path, dat_bytes):
    import dlib_resnet_onnx

    with pytest.raises(dlib_resnet_onnx.DlibFormatError, match="bytes left after the network"):
        _convert_bytes(tmp_path, dat_bytes + b"\x01\x00")


def test_converter_refuses_a_corrupt_layer_version(tmp_path, dat_bytes):
    import dlib_resnet_onnx

    i = dat_bytes.index(b"con_")     # the first convolution's version string
    bad = dat_bytes[:i] + b"cXn_" + dat_bytes[i + 4:]
    with pytest.raises(dlib_resnet_onnx.DlibFormatError, match="unexpected version 'cXn_"):
        _convert_bytes(tmp_path, bad)


def test_converter_refuses_another_dlib_model(tmp_path):
    import dlib_resnet_onnx

    with pytest.raises(dlib_resnet_onnx.DlibFormatError):
        _convert_bytes(tmp_path, models.model_path(models.SHAPE5_FILE).read_bytes())
