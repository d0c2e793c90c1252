"""vision_contract.images (the header walk the API and the vision function share): sizes from real JPEG/PNG headers, and the contract's rules (v1.1)."""
from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from vision_contract.images import MAX_JPEG_SCANS, MAX_JPEG_SEGMENTS, ImageRefused, check, image_size


def png(width, height) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))


@pytest.mark.parametrize("extension", [".jpg", ".png"])
def test_the_size_of_a_real_encoded_image_is_read_from_its_header(extension):
    ok, encoded = cv2.imencode(extension, np.zeros((480, 640, 3), np.uint8))
    assert ok
    assert image_size(encoded.tobytes()) == (640, 480) == check(encoded.tobytes())


def test_a_progressive_jpeg_with_exif_before_the_frame_is_read():
    _ok, encoded = cv2.imencode(".jpg", np.zeros((300, 200, 3), np.uint8), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    data = encoded.tobytes()
    exif = b"\xff\xe1" + struct.pack(">H", 2 + 5000) + b"Exif\x00\x00" + b"\x00" * 4994
    assert image_size(data[:2] + exif + data[2:]) == (200, 300)


@pytest.mark.parametrize("data, code", [
    (png(64, 262144), "IMAGE_INVALID"),
    (png(4100, 1000), "IMAGE_INVALID"),
    (png(0, 10), "IMAGE_INVALID"),
    (png(4097, 3000), "IMAGE_TOO_LARGE"),
    (png(4096, 3500), "IMAGE_TOO_LARGE"),
    (b"GIF89a" + b"\x00" * 40, "IMAGE_INVALID"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "IMAGE_INVALID"),
])
def test_refusals_name_the_contract_code(data, code):
    with pytest.raises(ImageRefused) as refused:
        check(data)
    assert refused.value.code == code


def test_the_limits_admit_a_12_megapixel_phone_photo_and_4_to_1():
    assert check(png(4032, 3024)) == (4032, 3024)
    assert check(png(4096, 1024)) == (4096, 1024)


# --- issue 19, finding 9: a progressive JPEG's scans are counted before anything decodes it ---------

def test_a_4096_by_3072_progressive_jpeg_with_95000_empty_scans_is_refused_as_invalid():
    from hostile_media import progressive_jpeg_with_empty_scans

    with pytest.raises(ImageRefused) as refused:
        check(progressive_jpeg_with_empty_scans(4096, 3072, 95_000))
    assert (refused.value.code, refused.value.detail) == ("IMAGE_INVALID", f"jpeg_scans:>{MAX_JPEG_SCANS}")


def test_a_progressive_jpeg_at_the_scan_limit_is_admitted_and_one_more_scan_is_not():
    from hostile_media import jpeg_scan_count, progressive_jpeg_with_empty_scans

    encoder_scans = jpeg_scan_count(progressive_jpeg_with_empty_scans(640, 480, 0))
    at_limit = progressive_jpeg_with_empty_scans(640, 480, MAX_JPEG_SCANS - encoder_scans)
    assert check(at_limit) == (640, 480)
    with pytest.raises(ImageRefused):
        check(progressive_jpeg_with_empty_scans(640, 480, MAX_JPEG_SCANS - encoder_scans + 1))


def test_a_jpeg_of_endless_segments_is_refused():
    _ok, encoded = cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))
    data = encoded.tobytes()
    comments = (b"\xff\xfe" + struct.pack(">H", 3) + b"x") * (MAX_JPEG_SEGMENTS + 1)
    with pytest.raises(ImageRefused) as refused:
        check(data[:2] + comments + data[2:])
    assert refused.value.detail == f"jpeg_segments:>{MAX_JPEG_SEGMENTS}"


def test_stuffed_bytes_and_restart_markers_in_scan_data_are_not_segments():
    _ok, encoded = cv2.imencode(".jpg", np.random.default_rng(7).integers(0, 256, (480, 640, 3), np.uint8),
                                [cv2.IMWRITE_JPEG_RST_INTERVAL, 1])
    data = encoded.tobytes()
    assert data.count(b"\xff\xd0") + data.count(b"\xff\x00") > MAX_JPEG_SEGMENTS
    assert check(data) == (640, 480)
