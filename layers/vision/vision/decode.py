"""Bytes → BGR image, refusing what is not a JPEG/PNG or is larger than the pixel limit.

The size is read from the header before decoding, so a decompression bomb is refused without
allocating its pixels.
"""

import struct

import cv2
import numpy as np

from .errors import VisionError

# 16.7 MP: a 12 MP phone photo or a scanned ID card fits; nothing the app sends needs more.
MAX_PIXELS = 4096 * 4096
MAX_BYTES = 15 * 1024 * 1024
MIN_SIDE = 64

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


def decode_image(data: bytes) -> np.ndarray:
    """Decode to an 8-bit BGR array (EXIF orientation applied)."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) == 0:
        raise VisionError("IMAGE_INVALID", "empty")
    if len(data) > MAX_BYTES:
        raise VisionError("IMAGE_INVALID", "too_many_bytes")
    data = bytes(data)
    w, h = image_size(data)
    if w * h > MAX_PIXELS:
        raise VisionError("IMAGE_INVALID", f"too_many_pixels:{w}x{h}")
    if min(w, h) < MIN_SIDE:
        raise VisionError("IMAGE_INVALID", f"too_small:{w}x{h}")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise VisionError("IMAGE_INVALID", "undecodable")
    return img
