"""Inputs built to make a decoder work without end (issue 19, finding 9), built in the test that uses them."""
from __future__ import annotations

import struct

import cv2
import numpy as np


def progressive_jpeg_with_empty_scans(width: int, height: int, empty_scans: int) -> bytes:
    """A real progressive JPEG of width x height (flat grey) followed by ``empty_scans`` scan headers
    with no data: a decoder walks the whole frame once per scan, ~12 bytes each on the wire."""
    ok, encoded = cv2.imencode(".jpg", np.full((height, width, 3), 128, np.uint8),
                               [cv2.IMWRITE_JPEG_PROGRESSIVE, 1, cv2.IMWRITE_JPEG_QUALITY, 50])
    assert ok
    data = encoded.tobytes()
    assert data.endswith(b"\xff\xd9")
    last_scan = data.rindex(b"\xff\xda")
    (length,) = struct.unpack(">H", data[last_scan + 2:last_scan + 4])
    scan_header = data[last_scan:last_scan + 2 + length]
    return data[:-2] + scan_header * empty_scans + b"\xff\xd9"


def jpeg_scan_count(data: bytes) -> int:
    """How many scan headers a JPEG holds, counted without any parser of the code under test."""
    return data.count(b"\xff\xda")


def dense_text_card(width: int = 1280, height: int = 808, rows: int = 40, words_per_row: int = 9) -> bytes:
    """A card-sized JPEG covered in short printed words (issue 19, finding 10: one such image held
    the OCR for 16 s): every word is a text box for the detector, each recognised on its own."""
    image = np.full((height, width, 3), 255, np.uint8)
    row_height = height // rows
    column_width = width // words_per_row
    for row in range(rows):
        for column in range(words_per_row):
            cv2.putText(image, f"W{row:02d}{column}X", (column * column_width + 6, (row + 1) * row_height - 5),
                        cv2.FONT_HERSHEY_SIMPLEX, row_height / 32, (0, 0, 0), 1, cv2.LINE_AA)
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return encoded.tobytes()
