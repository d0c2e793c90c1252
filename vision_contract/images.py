"""An image's size from its PNG or JPEG header, and the contract's size rules, without decoding it.

The API checks every image here before anything stores or decodes it, and the vision function checks
again before its decoder runs (it is invoked by the admin as well): a 49 KB PNG of 64 x 262144 px
once held the vision function for a minute.
"""
from __future__ import annotations

import re
import struct

# Contract v1.1: at most 4096 px a side, 12 megapixels, an aspect ratio of 4:1. "12 MP" is read as
# a phone's 12 MP sensor (4032 x 3024 = 12.19 million pixels) and 4096 x 3072, both 12 MiP.
MAX_SIDE = 4096
MAX_PIXELS = 4096 * 3072
MAX_ASPECT = 4.0
# A progressive JPEG is decoded scan by scan over the whole frame: 95,000 empty scans in 3 MB held a
# decode for 97 s and the admin's staff-photo upload for 25 s with 20,000 (issue 19). Encoders write
# 10 scans (libjpeg's progressive script) and rarely more than 20; past these counts the image is
# refused before anything decodes it.
MAX_JPEG_SCANS = 64
MAX_JPEG_SEGMENTS = 512
# The vision function's own floor: below 64 px a side there is no face to find (the app sends ~640 px
# frames). The API does not apply it: the contract names no smallest size, and vision answers it.
VISION_MIN_SIDE = 64

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless...): C0-CF except DHT C4, JPG C8, DAC CC.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# The next marker: 0xFF and a byte that is not stuffing (00), a restart (D0-D7), TEM (01) or fill (FF).
# Two fixed bytes, so a search over any data is linear.
_MARKER = re.compile(rb"\xff[^\x00\x01\xd0-\xd7\xff]")


class ImageRefused(ValueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # IMAGE_INVALID | IMAGE_TOO_LARGE
        self.detail = detail


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR or a JPEG's start-of-frame; ImageRefused otherwise (also for
    a JPEG with more scans or segments than any encoder writes)."""
    if data[:8] == _PNG_SIGNATURE and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    raise ImageRefused("IMAGE_INVALID", "not_jpeg_or_png")


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
            raise ImageRefused("IMAGE_INVALID", f"jpeg_segments:>{MAX_JPEG_SEGMENTS}")
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in _SOF and size is None:
            if i + 9 > n:
                break
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            size = (width, height)
        elif marker == 0xDA:  # start of scan
            if size is None:
                break
            scans += 1
            if scans > MAX_JPEG_SCANS:
                raise ImageRefused("IMAGE_INVALID", f"jpeg_scans:>{MAX_JPEG_SCANS}")
        i += 2 + length
    if size is None:
        raise ImageRefused("IMAGE_INVALID", "jpeg_without_frame_header")
    return size


def check_size(width: int, height: int, min_side: int = 1) -> None:
    """The contract's limits on a header's dimensions: IMAGE_TOO_LARGE, or IMAGE_INVALID for an empty,
    too small (under ``min_side``) or strip image."""
    if width == 0 or height == 0:
        raise ImageRefused("IMAGE_INVALID", "empty_image")
    if min(width, height) < min_side:
        raise ImageRefused("IMAGE_INVALID", f"too_small:{width}x{height}")
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageRefused("IMAGE_INVALID", f"aspect:{width}x{height}")
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        raise ImageRefused("IMAGE_TOO_LARGE", f"size:{width}x{height}")


def check(data: bytes, min_side: int = 1) -> tuple[int, int]:
    """The image's (width, height) if the contract accepts its size, else ImageRefused."""
    width, height = image_size(data)
    check_size(width, height, min_side)
    return width, height
