"""What certification and real-name binding share: sessions with random challenges, the steps
the app sends checked against them, the evidence kept in S3, and vision's refusals in Chinese."""
from __future__ import annotations

import json
import secrets
from datetime import timedelta

from pensioncert.clock import iso_beijing
from pensioncert.dal import liveness_sessions
from pensioncert.dal.tables import LivenessSessionTable
from pensioncert.errors import AppError, ErrorCode
from pensioncert.rules.certification import pick_challenges
from pensioncert.vision_client import CONTRACT_CODES, VisionRefusal

EVIDENCE_PREFIX = "evidence/"

# Which check failed, in words a retiree can act on (the vision layer's detail → message).
DETAIL_MESSAGES = {
    "too_dark": "光线太暗，请到光线充足的地方，正对手机后重试",
    "too_bright": "光线太强或逆光，请避开强光后重试",
    "blur": "画面模糊，请保持手机稳定后重试",
    "face_too_small": "脸部太小，请将手机靠近一些，使脸部充满人像框",
    "not_frontal": "请正对手机屏幕，不要侧脸或低头",
    "face_cut_off": "脸部没有完整出现在画面中，请将整张脸放入人像框",
}


def open_session(svc, *, purpose: str, user_id: str, subject: str, subject_key: str) -> dict:
    now = svc.clock.now()
    expires_at = now + timedelta(seconds=svc.settings.liveness_session_ttl_seconds)
    session = LivenessSessionTable(
        secrets.token_urlsafe(18),
        purpose=purpose,
        user_id=user_id,
        subject=subject,
        subject_key=subject_key,
        challenges=pick_challenges(svc.settings.liveness_min_challenges),
        nonce=secrets.token_hex(16),
        expires_at=int(expires_at.timestamp()),
    )
    liveness_sessions.create(session)
    return {"session_id": session.session_id, "challenges": list(session.challenges),
            "expires_at": iso_beijing(expires_at)}


def take_session(svc, *, session_id: str, user_id: str, purpose: str,
                 steps: list[dict]) -> LivenessSessionTable:
    """Check the steps against the session's challenges, then use the session up (once)."""
    now = svc.clock.now()
    if not 0 < len(session_id) <= 64:  # not an id this API ever issued: a malformed request
        raise AppError(ErrorCode.BAD_REQUEST, "session_id 格式有误", field="session_id")
    current = liveness_sessions.get(session_id)
    if (current is None or current.user_id != user_id or current.purpose != purpose
            or current.used_at is not None or current.expires_at <= int(now.timestamp())):
        raise AppError(ErrorCode.SESSION_EXPIRED)
    sent = [step["challenge"] for step in steps]
    if sent != list(current.challenges):
        raise AppError(
            ErrorCode.BAD_REQUEST,
            "steps 须按 challenges 的顺序逐项提交：" + "、".join(current.challenges),
            field="steps",
        )
    taken = liveness_sessions.take(session_id, user_id, purpose, now)
    if taken is None:
        raise AppError(ErrorCode.SESSION_EXPIRED)
    return taken


def store_evidence(svc, session: LivenessSessionTable, steps: list[dict], extra: dict | None = None) -> str:
    """One encrypted object per session under the expiring prefix; DynamoDB keeps only its key."""
    year = svc.clock.now().year
    key = f"{EVIDENCE_PREFIX}{session.purpose}/{year}/{session.session_id}.json"
    bundle = {"session_id": session.session_id, "nonce": session.nonce,
              "challenges": list(session.challenges), "steps": steps, **(extra or {})}
    svc.client("s3").put_object(
        Bucket=svc.settings.evidence_bucket, Key=key, Body=json.dumps(bundle).encode(),
        ContentType="application/json",
    )
    return key


def refusal_error(refusal: VisionRefusal, **extra) -> AppError:
    if refusal.code == "IMAGE_INVALID":
        return AppError(ErrorCode.BAD_REQUEST, "照片无法识别，请重新拍摄（仅支持 JPEG、PNG）",
                        field="steps", **extra)
    code = ErrorCode[refusal.code] if refusal.code in CONTRACT_CODES else ErrorCode.LIVENESS_FAILED
    message = DETAIL_MESSAGES.get(refusal.detail) if code is ErrorCode.POOR_QUALITY else None
    return AppError(code, message, **extra)
