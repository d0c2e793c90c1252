"""A frame's fingerprint: a perceptual hash that survives what a replay does to a frame.

A replayed frame comes back re-encoded (another JPEG quality), shifted by a pixel or two, scaled a
little or mirrored. The hash is the sign of the low-frequency DCT of the frame in grey at 64 x 64
(each bit: one of the 16 x 16 lowest frequencies, DC left out, above or below their median): JPEG
noise and a pixel's shift move the high frequencies it ignores. 8 x 8 (64 bits) was measured too:
it also survives a 5 % scale, but cannot tell a blink or an open mouth from the same face 1-2 s
earlier in a fixed camera, so real steps of one recording collided (measure_fingerprints.py). A mirror
is hashed too (the grey frame flipped before it is reduced: flipping the reduced frame, or the
signs of its odd horizontal frequencies, missed by up to 32 bits), so the mirror image's hash is sent
with each frame and a stored frame is caught either way round. 256 bits (32 bytes) per frame: not a face, nothing to
rebuild one from, and a year of a subject's sessions fits in one DynamoDB item.

How close two hashes must be to be "the same frame" is the API's rule (pensioncert/rules/frames.py),
set from layers/vision/measure_fingerprints.py.
"""

import cv2
import numpy as np

from .decode import MAX_BYTES, check_size, image_size
from .errors import VisionError

SIDE = 64  # the grey frame is reduced to SIDE x SIDE before its DCT
KEEP = 16  # the KEEP x KEEP lowest frequencies make the hash (KEEP * KEEP - 1 bits + 1 spare)
BITS = KEEP * KEEP


def _grey(data: bytes) -> np.ndarray:
    """The frame in grey, decoded at a quarter of its size (libjpeg's DCT scaling: cheap)."""
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise VisionError("IMAGE_INVALID", "empty")
    if len(data) > MAX_BYTES:
        raise VisionError("IMAGE_TOO_LARGE", "too_many_bytes")
    check_size(*image_size(bytes(data)))
    try:
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_4)
    except cv2.error:
        raise VisionError("IMAGE_TOO_LARGE", "opencv_pixel_limit") from None
    if img is None:
        raise VisionError("IMAGE_INVALID", "undecodable")
    return img


def _bits(block: np.ndarray) -> int:
    flat = block.flatten()
    ac = flat[1:]  # DC (overall brightness) says nothing about which frame it is
    bits = np.concatenate([[0], (ac > np.median(ac)).astype(np.uint8)])
    return int("".join(map(str, bits)), 2)


def hashes(data: bytes) -> tuple[int, int]:
    """(the frame's hash, its mirror image's hash), each ``BITS`` bits."""
    grey = _grey(data)
    return _hash(grey), _hash(cv2.flip(grey, 1))


def _hash(grey: np.ndarray) -> int:
    small = cv2.resize(grey, (SIDE, SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    return _bits(cv2.dct(small)[:KEEP, :KEEP])


def step_prints(frames: list[bytes]) -> list[tuple[int, int]]:
    return [hashes(frame) for frame in frames]
