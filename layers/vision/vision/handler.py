"""AWS Lambda entry point of the vision function. Never raises for bad input: errors are answers."""

import base64
import binascii
import logging

from . import VisionError, decide_session, embed_id_card_portrait, embed_reference, warm_up

log = logging.getLogger(__name__)
warm_up()  # at init, so model loading is billed to the cold start and not to the first request


def _b64(s) -> bytes:
    if not isinstance(s, str):
        raise VisionError("IMAGE_INVALID", "not_base64_string")
    try:
        return base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raise VisionError("IMAGE_INVALID", "bad_base64") from None


def _steps(event) -> list[tuple[str, list[bytes]]]:
    steps = event.get("steps")
    if not isinstance(steps, list):
        raise VisionError("IMAGE_INVALID", "steps_not_a_list")
    out = []
    for s in steps:
        if not isinstance(s, dict) or not isinstance(s.get("frames"), list):
            raise VisionError("IMAGE_INVALID", "malformed_step")
        out.append((s.get("challenge"), [_b64(f) for f in s["frames"]]))
    return out


def _references(event) -> list[list[float]]:
    refs = event.get("references", [])
    if not isinstance(refs, list) or not all(
        isinstance(r, list) and len(r) == 128 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in r) for r in refs
    ):
        raise VisionError("IMAGE_INVALID", "malformed_references")
    return [[float(x) for x in r] for r in refs]


def lambda_handler(event, context):
    try:
        if not isinstance(event, dict):
            raise VisionError("IMAGE_INVALID", "event_not_an_object")
        action = event.get("action")
        if action == "decide_session":
            d = decide_session(_steps(event), _references(event))
            return {"ok": True, "similarity": d.similarity, "live_embedding": d.live_embedding, "timings_ms": d.timings_ms}
        if action == "embed_reference":
            return {"ok": True, "embedding": embed_reference(_b64(event.get("image")))}
        if action == "embed_id_card_portrait":
            return {"ok": True, "embedding": embed_id_card_portrait(_b64(event.get("image")))}
        raise VisionError("IMAGE_INVALID", f"unknown_action:{action}")
    except VisionError as e:
        return {"ok": False, "code": e.code, "detail": e.detail}
    except Exception:  # a bug, not bad input: log it, answer without leaking internals
        log.exception("vision handler failed")
        return {"ok": False, "code": "IMAGE_INVALID", "detail": "internal_error"}
