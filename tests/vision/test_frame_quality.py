import struct
import zlib

import cv2
import numpy as np
import pytest
from vision_images import jpeg

import vision
from vision import quality
from vision.decode import decode_image
from vision.frame import analyze


def _err(fn, *a):
    with pytest.raises(vision.VisionError) as e:
        fn(*a)
    return e.value


def test_non_image_bytes_are_image_invalid():
    assert _err(decode_image, b"%PDF-1.4 not an image").code == "IMAGE_INVALID"
    assert _err(decode_image, b"").code == "IMAGE_INVALID"


def test_pixel_limit_read_from_header_before_decoding():
    # A valid PNG header claiming 20000 x 20000 pixels, with no pixel data behind it.
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    e = _err(decode_image, png)
    assert e.code == "IMAGE_TOO_LARGE" and e.detail == "size:20000x20000"  # contract: at most 4096 px a side


def test_truncated_jpeg_is_image_invalid(photo):
    e = _err(decode_image, photo("obama.jpg")[:200])
    assert e.code == "IMAGE_INVALID"


@pytest.mark.parametrize("kind", ["blank", "noise"])
def test_blank_or_noise_gives_no_face(kind):
    rng = np.random.default_rng(1)
    im = np.full((480, 640, 3), 200, np.uint8) if kind == "blank" else rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    assert _err(analyze, jpeg(im), quality.LIVE).code == "NO_FACE"


def test_two_faces_give_multiple_faces(img):
    a, b = img("obama.jpg"), img("biden.jpg")
    b = cv2.resize(b, (int(b.shape[1] * a.shape[0] / b.shape[0]), a.shape[0]))
    both = np.hstack([a, b])
    e = _err(analyze, jpeg(both), quality.LIVE)
    assert e.code == "MULTIPLE_FACES"
    # and each half alone is one face that passes
    analyze(jpeg(a), quality.LIVE)


def test_dark_face_is_poor_quality(img):
    dark = (img("obama.jpg").astype(np.float32) * 0.25).astype(np.uint8)
    e = _err(analyze, jpeg(dark), quality.LIVE)
    assert (e.code, e.detail) == ("POOR_QUALITY", "too_dark")


def test_blurred_face_is_poor_quality(img):
    im = img("obama.jpg")
    blurred = cv2.GaussianBlur(im, (0, 0), 8)
    e = _err(analyze, jpeg(blurred), quality.LIVE)
    assert (e.code, e.detail) == ("POOR_QUALITY", "blur")


def test_half_face_is_refused_as_reference(photo):
    e = _err(vision.embed_reference, photo("obama_partial_face.jpg"))
    assert (e.code, e.detail) == ("POOR_QUALITY", "face_not_in_frame")


def test_dark_photo_is_never_stored_as_template(img):
    # 35 % brightness still passes a live frame's gate but not the template's stricter one.
    dim = (img("obama.jpg").astype(np.float32) * 0.35).astype(np.uint8)
    analyze(jpeg(dim), quality.LIVE)
    e = _err(vision.embed_reference, jpeg(dim))
    assert (e.code, e.detail) == ("POOR_QUALITY", "too_dark")


def test_turned_head_is_still_embedded_as_a_template(photo):
    """Issue 18: no frontal gate on a registry photo; test_photo_path checks what it matches."""
    assert len(vision.embed_reference(photo("obama2.jpg"))) == 128


# --- real video frames (../shared/vision-devset) --------------------------------------------------------
from pathlib import Path  # noqa: E402

DEVSET = Path(__file__).resolve().parents[3] / "shared" / "vision-devset" / "liveness"


def _dev(rel: str) -> list[bytes]:
    d = DEVSET / rel
    assert d.is_dir(), f"dev set missing: {d}"
    return [p.read_bytes() for p in sorted(d.glob("*.jpg"))]


@pytest.mark.parametrize("rel", ["genuine/blink/tpsmm-driving_1", "genuine/open_mouth/lp-d20_1", "genuine/blink/pcavs-00473_1"])
def test_sharp_real_frames_of_soft_small_or_older_faces_are_not_blur(rel):
    # p06 (about 60, soft video), p03 (film footage), p11 (about 75, 224 px crop): refused as blur before.
    for b in _dev(rel):
        analyze(b, quality.LIVE)


@pytest.mark.parametrize("rel", ["genuine/blink/tpsmm-driving_1", "genuine/blink/pcavs-00473_1"])
def test_really_blurred_real_frame_is_blur(rel):
    im = cv2.imdecode(np.frombuffer(_dev(rel)[0], np.uint8), cv2.IMREAD_COLOR)
    w = analyze(jpeg(im), quality.LIVE).det.width
    e = _err(analyze, jpeg(cv2.GaussianBlur(im, (0, 0), w / 30)), quality.LIVE)
    assert (e.code, e.detail) == ("POOR_QUALITY", "blur")


def _tight(cut_below_mouth: bool):
    """p04's frame cropped like a close selfie: chin and hair cut off; optionally through the mouth."""
    im = cv2.imdecode(np.frombuffer(_dev("genuine/blink/st-katiehill_1")[0], np.uint8), cv2.IMREAD_COLOR)
    f = analyze(jpeg(im), quality.LIVE)
    xy = f.mesh.xy
    lips = xy[list(quality.MOUTH_POINTS)]
    brow = xy[[70, 300, 105, 334]][:, 1].min()
    top = int(brow - 0.1 * (lips[:, 1].max() - brow))  # hair and forehead top cut off
    bottom = int(lips[:, 1].max() + 6) if cut_below_mouth else int(lips[:, 1].mean())
    x0, x1 = int(xy[:, 0].min()) + 4, int(xy[:, 0].max()) - 4  # ears and cheek edges cut off
    return jpeg(im[max(top, 0) : bottom, max(x0, 0) : x1])


def test_face_filling_the_frame_is_a_good_frame():
    analyze(_tight(cut_below_mouth=True), quality.LIVE)


def test_face_cut_through_the_mouth_is_not_in_frame():
    e = _err(analyze, _tight(cut_below_mouth=False), quality.LIVE)
    assert (e.code, e.detail) == ("POOR_QUALITY", "face_not_in_frame")
