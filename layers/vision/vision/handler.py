"""AWS Lambda entry point of the vision function. Never raises for bad input: errors are answers."""

import base64
import binascii
import json
import logging

from . import (
    VisionError,
    decide_session,
    embed_id_card_portrait,
    embed_reference,
    embed_reference_and_mirror,
    fingerprint,
    matching,
    read_id_card,
    warm_up,
)
from .budget import VisionBusy, budget

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
        if not isinstance(s, dict) or not isinstance(s.get("frames"), list) or not isinstance(s.get("challenge"), str):
            raise VisionError("IMAGE_INVALID", "malformed_step")
        out.append((s["challenge"], [_b64(f) for f in s["frames"]]))
    return out


def _references(event) -> list[list[float]]:
    refs = event.get("references", [])
    if not isinstance(refs, list) or not all(
        isinstance(r, list) and len(r) == 128 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in r) for r in refs
    ):
        raise VisionError("IMAGE_INVALID", "malformed_references")
    return [[float(x) for x in r] for r in refs]


_s3 = None


class EvidenceUnavailable(Exception):
    """The evidence object could not be read: raised out of the handler, never answered."""


def _evidence_steps(event, s3) -> list[tuple[str, list[bytes]]]:
    """The steps from the session's evidence object ({"steps": [...]} as the API stored it)."""
    bucket, key = event.get("bucket"), event.get("key")
    if not isinstance(bucket, str) or not isinstance(key, str) or not bucket or not key:
        raise VisionError("IMAGE_INVALID", "evidence_not_named")
    global _s3
    if s3 is None:
        if _s3 is None:
            import boto3  # in the Lambda runtime; the local stage passes its own client

            _s3 = boto3.client("s3")
        s3 = _s3
    try:
        raw = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as error:  # storage trouble is an outage (a function error), not bad input
        raise EvidenceUnavailable() from error
    try:
        bundle = json.loads(raw)
    except ValueError:
        raise VisionError("IMAGE_INVALID", "evidence_not_json") from None
    if not isinstance(bundle, dict):
        raise VisionError("IMAGE_INVALID", "evidence_not_an_object")
    return _steps(bundle)


def _match_with_previous(live, refs, previous) -> dict:
    """The live template against the trusted references (the lowest decides, as in decide_session)
    and the previous templates (the highest): matching.matched_by decides; FACE_MISMATCH otherwise
    (in the review band by the trusted reference alone)."""
    sim_reference = min(matching.similarity(live, ref) for ref in refs)
    sim_previous = max(matching.similarity(live, p) for p in previous)
    by = matching.matched_by(sim_reference, sim_previous)
    if by is None:
        raise matching.mismatch(sim_reference)
    return {"similarity": sim_reference if by == matching.BY_REFERENCE else sim_previous, "matched_by": by,
            "reference_similarity": sim_reference, "previous_similarity": sim_previous}


def _decision(steps, event) -> dict:
    refs, previous = _references(event), _references({"references": event.get("previous", [])})
    # With a previous template (issue 18) the match is matching.matched_by's, not decide_session's.
    d = decide_session(steps, [] if previous else refs)
    answer = {"ok": True, "similarity": d.similarity, "live_embedding": d.live_embedding, "timings_ms": d.timings_ms,
              "best_frame": list(d.best_frame) if d.best_frame else None,
              "matched_by": matching.BY_REFERENCE if refs else None}
    return {**answer, **_match_with_previous(d.live_embedding, refs, previous)} if previous and refs else answer


def _prints(steps) -> list[list[list[str]]]:
    """Per step, each frame's perceptual hash and its mirror's (hex): the API ties frames to the session."""
    return [[[f"{h:x}", f"{m:x}"] for h, m in fingerprint.step_prints(frames)] for _, frames in steps]


def _prints_if_decodable(steps) -> dict:
    """``{"prints": ...}``, or nothing when a frame cannot be hashed (the API then asks
    ``fingerprint_evidence`` and hears that frame's refusal)."""
    try:
        return {"prints": _prints(steps)}
    except VisionError:
        return {}


def lambda_handler(event, context, s3=None):
    """``s3``: an S3 client for evidence reads (the in-process local stage passes the emulator's)."""
    try:
        with budget():
            return _handle(event, s3)
    except VisionError as e:
        return e.answer()
    except VisionBusy as e:
        log.warning("vision call over its time budget at %s", e)
        return {"ok": False, "code": "VISION_BUSY", "detail": f"time_budget:{e}"}
    except EvidenceUnavailable as e:
        raise (e.__cause__ or e) from None
    except Exception:  # a bug, not bad input: log it, answer without leaking internals
        log.exception("vision handler failed")
        return {"ok": False, "code": "IMAGE_INVALID", "detail": "internal_error"}


def _handle(event, s3):
    """One action within the call's time budget; raises for refusals (answered above)."""
    if not isinstance(event, dict):
        raise VisionError("IMAGE_INVALID", "event_not_an_object")
    action = event.get("action")
    if action == "decide_session":
        return _decision(_steps(event), event)
    if action == "decide_session_evidence":
        # The frames' prints come with the answer, a pass's or a refusal's: the API ties the frames to
        # the session from them without a second invoke that reads and decodes the evidence again.
        steps = _evidence_steps(event, s3)
        try:
            answer = _decision(steps, event)
        except VisionError as refusal:
            return {**refusal.answer(), **_prints_if_decodable(steps)}
        return {**answer, **_prints_if_decodable(steps)}
    if action == "fingerprint_evidence":
        return {"ok": True, "steps": _prints(_evidence_steps(event, s3))}
    if action == "similarity":
        # A template (from embed_reference) against trusted references: the lowest similarity
        # decides, at the one shipped threshold (matching.MATCH_THRESHOLD).
        live = _references({"references": [event.get("embedding")]})[0]
        refs = _references(event)
        if not refs:
            raise VisionError("IMAGE_INVALID", "no_references")
        sim = min(matching.similarity(live, ref) for ref in refs)
        return {"ok": True, "similarity": sim, "match": matching.is_match(sim),
                "threshold": matching.MATCH_THRESHOLD}
    if action == "match_rule":
        # The one shipped threshold and the distance it stands for (similarity = 1 - d / scale):
        # what the duplicate-face search (pensioncert/logic/duplicate_faces.py) lists at.
        return {"ok": True, "threshold": matching.MATCH_THRESHOLD, "distance_scale": matching.DISTANCE_SCALE}
    if action == "embed_reference":
        return {"ok": True, "embedding": embed_reference(_b64(event.get("image")))}
    if action == "embed_reference_and_mirror":
        embedding, mirror = embed_reference_and_mirror(_b64(event.get("image")))
        return {"ok": True, "embedding": embedding, "mirror_embedding": mirror}
    if action == "embed_id_card_portrait":
        return {"ok": True, "embedding": embed_id_card_portrait(_b64(event.get("image")))}
    if action == "read_id_card":
        return {"ok": True, **read_id_card(_b64(event.get("image")))}
    raise VisionError("IMAGE_INVALID", f"unknown_action:{action}")
