"""Calling the vision function: the API never imports OpenCV, LiteRT or dlib itself.

Deployed, the vision code runs in its own Lambda function (with the vision layer) and is invoked
with a JSON event; locally the same handler is called in-process with the same event, so both
paths exchange exactly the same messages.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Protocol

from pensioncert.errors import AppError, ErrorCode

# Per step, each frame's (perceptual hash, its mirror's hash) (vision/fingerprint.py).
StepPrints = tuple[tuple[tuple[int, int], ...], ...]

# The vision package's refusal codes that the contract lets the app see as they are.
CONTRACT_CODES = {"NO_FACE", "MULTIPLE_FACES", "POOR_QUALITY", "LIVENESS_FAILED", "FACE_MISMATCH",
                  "ID_CARD_UNREADABLE", "IMAGE_TOO_LARGE"}


@dataclass(frozen=True)
class VisionRefusal(Exception):
    code: str  # a vision code: NO_FACE ... or IMAGE_INVALID
    detail: str
    # FACE_MISMATCH from a face comparison: its similarity, and whether vision puts it in the review
    # band just below the match threshold (a person should look: the likeliest genuine).
    similarity: float | None = None
    review_band: bool = False
    # The session's frame prints when vision read them with the decision (decide_session_evidence).
    prints: StepPrints | None = None


class VisionTransport(Protocol):
    def invoke(self, event: dict[str, Any]) -> dict[str, Any]: ...


class InProcessTransport:
    def __init__(self, s3_client: Any) -> None:
        # The function's own S3 client, deployed; here the emulator's, as the API uses it.
        self._s3 = s3_client

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        from vision.handler import lambda_handler  # imported on first use only

        return lambda_handler(json.loads(json.dumps(event)), None, s3=self._s3)


class LambdaTransport:
    def __init__(self, lambda_client, function_name: str) -> None:
        self._client = lambda_client
        self._function_name = function_name

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        response = self._client.invoke(
            FunctionName=self._function_name, Payload=json.dumps(event).encode()
        )
        if response.get("FunctionError"):
            raise AppError(ErrorCode.VISION_UNAVAILABLE, retryable=True)
        return json.loads(response["Payload"].read())


class VisionClient:
    def __init__(self, transport: VisionTransport) -> None:
        self._transport = transport

    def decide_session(self, steps: list[dict], references: list[list[float]]) -> dict[str, Any]:
        """``steps`` as the app sent them (base64 frames); returns similarity and the live template."""
        return self._call({"action": "decide_session", "steps": steps, "references": references})

    def decide_session_evidence(self, bucket: str, key: str, references: list[list[float]],
                                previous: list[list[float]] | None = None) -> dict[str, Any]:
        """As ``decide_session``, with the steps read by vision from the session's evidence object:
        the invoke carries a key, not megabytes of frames (a synchronous invoke carries 6 MB).
        ``previous``: the live template of the subject's previous clean app certification (issue 18):
        the answer's ``matched_by`` says whether it or the trusted reference certified the face.
        The answer's ``prints`` (and a refusal's) are the frames' ``StepPrints``, or None when a
        frame could not be hashed."""
        answer = self._call({"action": "decide_session_evidence", "bucket": bucket, "key": key,
                             "references": references, **({"previous": previous} if previous else {})})
        return {**answer, "prints": _step_prints_if_sent(answer.get("prints"))}

    def fingerprint_evidence(self, bucket: str, key: str) -> StepPrints:
        """Per step, each frame's (hash, mirror hash) (vision/fingerprint.py), from the evidence object."""
        return _step_prints(self._call({"action": "fingerprint_evidence", "bucket": bucket, "key": key})["steps"])

    def embed_reference(self, image: bytes) -> list[float]:
        return self._call({"action": "embed_reference", "image": _b64(image)})["embedding"]

    def embed_reference_and_mirror(self, image: bytes) -> tuple[list[float], list[float]]:
        """The photo's template and its left-right mirror's (the four-eyes copy check)."""
        answer = self._call({"action": "embed_reference_and_mirror", "image": _b64(image)})
        return answer["embedding"], answer["mirror_embedding"]

    def similarity(self, embedding: list[float], references: list[list[float]]) -> dict[str, Any]:
        """A template (``embed_reference``'s) against trusted references: ``{"similarity"`` (the
        lowest), ``"match"`` (at vision's threshold), ``"threshold"}``."""
        answer = self._call({"action": "similarity", "embedding": embedding, "references": references})
        return {"similarity": answer["similarity"], "match": answer["match"], "threshold": answer["threshold"]}

    def match_rule(self) -> tuple[float, float]:
        """Vision's (MATCH_THRESHOLD, distance scale): similarity = 1 - distance / scale."""
        answer = self._call({"action": "match_rule"})
        return float(answer["threshold"]), float(answer["distance_scale"])

    def embed_id_card_portrait(self, image: bytes) -> list[float]:
        return self._call({"action": "embed_id_card_portrait", "image": _b64(image)})["embedding"]

    def read_id_card(self, image: bytes) -> dict[str, Any]:
        """The name and number printed on an ID card front (OCR), and its portrait's template."""
        answer = self._call({"action": "read_id_card", "image": _b64(image)})
        return {"name": answer["name"], "id_number": answer["id_number"], "embedding": answer["embedding"]}

    def _call(self, event: dict[str, Any]) -> dict[str, Any]:
        answer = self._transport.invoke(event)
        if answer.get("code") == "VISION_BUSY":  # over the call's time budget: an outage, not a decision
            raise AppError(ErrorCode.VISION_UNAVAILABLE, retryable=True)
        if not answer.get("ok"):
            similarity = answer.get("similarity")
            raise VisionRefusal(answer.get("code", "IMAGE_INVALID"), answer.get("detail", ""),
                                None if similarity is None else float(similarity), bool(answer.get("review_band")),
                                _step_prints_if_sent(answer.get("prints")))
        return answer


def _step_prints(steps: list[list[list[str]]]) -> StepPrints:
    return tuple(tuple((int(h, 16), int(m, 16)) for h, m in step) for step in steps)


def _step_prints_if_sent(steps: list[list[list[str]]] | None) -> StepPrints | None:
    """A decision's prints; None when vision could not hash a frame and sent none."""
    return None if steps is None else _step_prints(steps)


def _b64(image: bytes) -> str:
    return base64.b64encode(image).decode()
