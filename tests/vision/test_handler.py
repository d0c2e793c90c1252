import base64
import io
import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def handler():
    from vision.handler import lambda_handler

    return lambda_handler


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_embed_reference_ok(handler, photo):
    r = handler({"action": "embed_reference", "image": b64(photo("obama.jpg"))}, None)
    assert r["ok"] is True and len(r["embedding"]) == 128


def test_decide_session_round_trip(handler):
    # A real step of a real person (dev set p04, ../shared/vision-devset) against her reference photo.
    dev = Path(__file__).resolve().parents[3] / "shared" / "vision-devset"
    ref = handler({"action": "embed_reference", "image": b64((dev / "reference" / "p04.jpg").read_bytes())}, None)["embedding"]
    frames = [b64(p.read_bytes()) for p in sorted((dev / "liveness" / "genuine" / "blink" / "st-katiehill_1").glob("*.jpg"))]
    r = handler({"action": "decide_session", "steps": [{"challenge": "blink", "frames": frames}], "references": [ref]}, None)
    assert r["ok"] is True and r["similarity"] >= 0.5 and len(r["live_embedding"]) == 128
    other = handler({"action": "embed_reference", "image": b64((dev / "reference" / "p06.jpg").read_bytes())}, None)["embedding"]
    r = handler({"action": "decide_session", "steps": [{"challenge": "blink", "frames": frames}], "references": [other]}, None)
    # The facts travel as fields, never parsed from the detail: far below the review band here.
    assert r == {"ok": False, "code": "FACE_MISMATCH", "detail": f"similarity:{r['similarity']:.3f}",
                 "similarity": r["similarity"], "review_band": False}
    from vision.matching import REVIEW_THRESHOLD

    assert r["similarity"] < REVIEW_THRESHOLD


class _EvidenceStore:
    """The one evidence object the handler reads (an S3 client's get_object, nothing else)."""

    def __init__(self, bundle: dict) -> None:
        self._body = json.dumps(bundle).encode()

    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(self._body)}


def test_a_decision_from_evidence_carries_the_frames_prints_passed_or_refused(handler):
    dev = Path(__file__).resolve().parents[3] / "shared" / "vision-devset"
    ref = handler({"action": "embed_reference", "image": b64((dev / "reference" / "p04.jpg").read_bytes())}, None)["embedding"]
    other = handler({"action": "embed_reference", "image": b64((dev / "reference" / "p06.jpg").read_bytes())}, None)["embedding"]
    frames = [b64(p.read_bytes()) for p in sorted((dev / "liveness" / "genuine" / "blink" / "st-katiehill_1").glob("*.jpg"))]
    s3 = _EvidenceStore({"steps": [{"challenge": "blink", "frames": frames}]})
    named = {"bucket": "evidence", "key": "evidence/certify/2026/s.json"}
    prints = handler({"action": "fingerprint_evidence", **named}, None, s3=s3)["steps"]
    assert len(prints) == 1 and len(prints[0]) == len(frames)
    passed = handler({"action": "decide_session_evidence", **named, "references": [ref]}, None, s3=s3)
    assert passed["ok"] is True and passed["prints"] == prints
    refused = handler({"action": "decide_session_evidence", **named, "references": [other]}, None, s3=s3)
    assert (refused["ok"], refused["code"], refused["prints"]) == (False, "FACE_MISMATCH", prints)


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        {},
        {"action": "launch"},
        {"action": "embed_reference"},
        {"action": "embed_reference", "image": "***not base64***"},
        {"action": "embed_reference", "image": b64(b"hello")},
        {"action": "embed_id_card_portrait", "image": 12},
        {"action": "decide_session", "steps": "x"},
        {"action": "decide_session", "steps": [{"challenge": "blink"}]},
        {"action": "decide_session", "steps": [{"challenge": "blink", "frames": [b64(b"x")] * 3}], "references": [[1, 2]]},
        {"action": "decide_session", "steps": [{"challenge": "blink", "frames": [b64(b"x")] * 3}], "references": "no"},
    ],
)
def test_bad_input_never_raises(handler, event):
    r = handler(event, None)
    assert r["ok"] is False and r["code"] == "IMAGE_INVALID" and r["detail"]
