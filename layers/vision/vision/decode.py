"""Bytes → BGR image, refusing what is not a JPEG/PNG or is larger than the contract's limits.

The size is read from the header before decoding (vision_contract.images, the walk and the limits the
API applies too), so a decompression bomb or a strip image (a 49 KB PNG of 64 x 262144 px used to
hold the vision function for a minute) is refused in microseconds without allocating its pixels.
OpenCV's own pixel limit is set to the same figure as a second guard, in case the header walk and
libpng/libjpeg ever disagree.
"""

import os

from vision_contract import images
from vision_contract.images import MAX_JPEG_SCANS, MAX_JPEG_SEGMENTS, MAX_PIXELS  # noqa: F401 (read by tests)

# A request body is at most 6 MB (a synchronous Lambda invoke), so no single image can be larger.
MAX_BYTES = 6 * 1024 * 1024

# Read by OpenCV at its first decode: must be set before any image is decoded in this process.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_PIXELS))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from .errors import VisionError  # noqa: E402


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG or JPEG header (vision_contract.images); VisionError IMAGE_INVALID
    otherwise (also for a JPEG with more scans or segments than any encoder writes)."""
    try:
        return images.image_size(data)
    except images.ImageRefused as refused:
        raise VisionError(refused.code, refused.detail) from None


def check_size(w: int, h: int) -> None:
    """The contract's limits on a header's dimensions, with vision's floor of VISION_MIN_SIDE px:
    IMAGE_TOO_LARGE, or IMAGE_INVALID for a strip, an empty or a too small image."""
    try:
        images.check_size(w, h, images.VISION_MIN_SIDE)
    except images.ImageRefused as refused:
        raise VisionError(refused.code, refused.detail) from None


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
