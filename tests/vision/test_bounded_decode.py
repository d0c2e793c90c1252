"""Issue 19, finding 9 in the vision function: a progressive JPEG's scans are counted before OpenCV
decodes it (the time budget is checked between decodes, not inside one). How long the refusal and
the old decode take: bench/bounded_input_bench.py."""
from __future__ import annotations

import base64

import pytest
from hostile_media import progressive_jpeg_with_empty_scans
from test_id_card import decodes, handler


@pytest.fixture(scope="module")
def many_scans() -> bytes:
    return progressive_jpeg_with_empty_scans(4096, 3072, 95_000)


def test_decode_refuses_95000_scans_without_calling_the_decoder(many_scans, monkeypatch):
    from vision.decode import MAX_JPEG_SCANS, decode_image
    from vision.errors import VisionError

    with decodes(monkeypatch) as calls, pytest.raises(VisionError) as refused:
        decode_image(many_scans)
    assert (refused.value.code, refused.value.detail, calls) == ("IMAGE_INVALID", f"jpeg_scans:>{MAX_JPEG_SCANS}", [])


def test_the_frame_fingerprint_refuses_it_too(many_scans, monkeypatch):
    from vision import fingerprint
    from vision.errors import VisionError

    with decodes(monkeypatch) as calls, pytest.raises(VisionError) as refused:
        fingerprint.hashes(many_scans)
    assert (refused.value.code, calls) == ("IMAGE_INVALID", [])


@pytest.mark.parametrize("action", ["embed_reference", "read_id_card"])
def test_the_handler_answers_image_invalid_for_a_staff_photo_or_card_of_20000_scans(action, monkeypatch):
    photo = progressive_jpeg_with_empty_scans(4096, 3072, 20_000)
    with decodes(monkeypatch) as calls:
        answer = handler({"action": action, "image": base64.b64encode(photo).decode()})
    assert (answer.get("ok"), answer.get("code"), calls) == (False, "IMAGE_INVALID", [])


def test_a_genuine_progressive_jpeg_still_decodes():
    from vision.decode import decode_image

    assert decode_image(progressive_jpeg_with_empty_scans(640, 480, 0)).shape == (480, 640, 3)
