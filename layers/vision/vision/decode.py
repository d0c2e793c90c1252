"""Bytes → BGR image, refusing what is not a JPEG/PNG or is larger than the contract's limits.

The size is read from the header before decoding, so a decompression bomb or a strip image
(a 49 KB PNG of 64 x 262144 px used to hold the vision function for a minute) is refused in
microseconds without allocating its pixels. OpenCV's own pixel limit is set to the same figure
as a second guard, in case a header parser here and libpng/libjpeg ever disagree.
"""

import os
import re
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
# A progressive JPEG is decoded scan by scan over the whole frame: 95,000 empty scans in 3 MB held one
# decode for 97 s and the admin's staff-photo upload for 25 s with 20,000 (issue 19), and the time
# budget is only checked between decodes. Encoders write 10 scans (libjpeg's progressive script) and
# rarely more than 20; past these counts the image is refused before anything decodes it (the same
# figures as pensioncert/image_header.py).
MAX_JPEG_SCANS = 64
MAX_JPEG_SEGMENTS = 512

# Read by OpenCV at its first decode: must be set before any image is decoded in this process.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from .errors import VisionError  # noqa: E402

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless...): C0-CF except DHT C4, JPG C8, DAC CC.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# The next marker: 0xFF and a byte that is not stuffing (00), a restart (D0-D7), TEM (01) or fill (FF).
# Two fixed bytes, so a search over any data is linear.
_MARKER = re.compile(rb"\xff[^\x00\x01\xd0-\xd7\xff]")


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG or JPEG header; VisionError IMAGE_INVALID otherwise (also for a JPEG
    with more scans or segments than any encoder writes)."""
    if data[:8] == _PNG_SIG and len(data) >= 24 and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    raise VisionError("IMAGE_INVALID", "not_jpeg_or_png")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """The frame's size, after walking every segment to the end of the image: entropy-coded data is
    skipped by a search, so the walk is linear in the bytes whatever they hold."""
    size: tuple[int, int] | None = None
    scans = segments = 0
    i, n = 2, len(data)
    while (found := _MARKER.search(data, i)) is not None and found.start() + 4 <= n:
        i = found.start()
        marker = data[i + 1]
        if marker == 0xD9:  # end of image
            break
        if marker == 0xD8:
            i += 2
            continue
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise VisionError("IMAGE_INVALID", f"jpeg_segments:>{MAX_JPEG_SEGMENTS}")
        (seglen,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF and size is None:
            if i + 9 > n:
                break
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            size = (w, h)
        elif marker == 0xDA:  # start of scan
            if size is None:
                break
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise VisionError("IMAGE_INVALID", f"jpeg_scans:>{MAX_JPEG_SCANS}")
        i += 2 + seglen
    if size is None:
        raise VisionError("IMAGE_INVALID", "jpeg_without_frame_header")
    return size


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
