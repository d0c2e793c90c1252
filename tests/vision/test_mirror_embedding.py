"""The visit photo's template and its mirror's (issue 19's copy check): a mirrored copy of a
reference, mirrored back by vision, is the reference again; the photo itself is not its mirror."""
from __future__ import annotations

import base64
import io

import devset
from PIL import Image, ImageOps


def mirrored(data: bytes) -> bytes:
    out = io.BytesIO()
    ImageOps.mirror(Image.open(io.BytesIO(data)).convert("RGB")).save(out, "PNG")
    return out.getvalue()


def embed_pair(data: bytes) -> tuple[list[float], list[float]]:
    from vision.handler import lambda_handler

    answer = lambda_handler({"action": "embed_reference_and_mirror", "image": base64.b64encode(data).decode()}, None)
    assert answer["ok"] is True, answer
    return answer["embedding"], answer["mirror_embedding"]


def test_a_mirrored_reference_mirrored_back_is_the_reference_again():
    from vision import similarity

    reference = devset.reference_photo("p06").read_bytes()
    template, _ = embed_pair(reference)
    as_sent, back = embed_pair(mirrored(reference))
    assert similarity(back, template) > similarity(as_sent, template)
    assert similarity(back, template) > 0.95
