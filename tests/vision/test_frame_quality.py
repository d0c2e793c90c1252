import struct
import zlib

import cv2
import numpy as np
import pytest
from conftest import jpeg

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
    assert e.code == "IMAGE_INVALID" and e.detail.startswith("too_many_pixels")


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


def test_turned_head_is_not_frontal_for_a_template(photo):
    e = _err(vision.embed_reference, photo("obama2.jpg"))
    assert (e.code, e.detail) == ("POOR_QUALITY", "not_frontal")
