"""Bytes → BGR image, refusing what is not a JPEG/PNG or is larger than the contract's limits.

The size is read from the header before decoding, so a decompression bomb or a strip image
(a 49 KB PNG of 64 x 262144 px used to hold the vision function for a minute) is refused in
microseconds without allocating its pixels. OpenCV's own pixel limit is set to the same figure
as a second guard, in case a header parser here and libpng/libjpeg ever disagree.
"""

import os
import struct

# The contract (v1.1 "Sizes"): at most 4096 px a side, 12 megapixels, an aspect ratio of 4:1; the
# same figures as the API's own header check (pensioncert/image_header.py: 12 MP read as a phone's
# 4032 x 3024 sensor and 4096 x 3072). The app sends ~640 px frames.
MAX_SIDE = 4096
MAX_PIXELS = 4096 * 3072
MAX_ASPECT = 4.0
# A request body is at most 6 MB (a synchronous Lambda invoke), so no single image can be larger.
MAX_BYTES = 6 * 1024 * 1024
MIN_SIDE = 64

# Read by OpenCV at its first decode: must be set before any image is decoded in this process.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from .errors import VisionError  # noqa: E402

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless...): C0-CF except DHT C4, JPG C8, DAC CC.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG or JPEG header; VisionError IMAGE_INVALID otherwise."""
    if data[:8] == _PNG_SIG and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    if data[:2] == b"\xff\xd8":
        i = 2
        n = len(data)
        while i + 4 <= n:
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker == 0xFF:
                i += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (seglen,) = struct.unpack(">H", data[i + 2 : i + 4])
            if marker in _SOF:
                if i + 9 > n:
                    break
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            if marker == 0xDA:  # start of scan before any frame header
                break
            i += 2 + seglen
        raise VisionError("IMAGE_INVALID", "jpeg_without_frame_header")
    raise VisionError("IMAGE_INVALID", "not_jpeg_or_png")


def check_size(w: int, h: int) -> None:
    """The contract's limits on a header's dimensions: IMAGE_TOO_LARGE, or IMAGE_INVALID for a
    strip or a degenerate image."""
    if min(w, h) < MIN_SIDE:
        raise VisionError("IMAGE_INVALID", f"too_small:{w}x{h}")
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise VisionError("IMAGE_INVALID", f"aspect:{w}x{h}")
    if w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        raise VisionError("IMAGE_TOO_LARGE", f"size:{w}x{h}")


def decode_image(data: bytes) -> np.ndarray:
    """Decode to an 8-bit BGR array (EXIF orientation applied)."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise VisionError("IMAGE_INVALID", "empty")
    if len(data) > MAX_BYTES:
        raise VisionError("IMAGE_TOO_LARGE", "too_many_bytes")
    data = bytes(data)
    check_size(*image_size(data))
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:  # OpenCV's own pixel limit (the second guard): only if a header misled the check above
        raise VisionError("IMAGE_TOO_LARGE", "opencv_pixel_limit") from None
    if img is None:
        raise VisionError("IMAGE_INVALID", "undecodable")
    return img
