"""Real-name binding (实名注册): the ID card's portrait and a live face, matched."""
from __future__ import annotations

from pensioncert import normalize
from pensioncert.dal import registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.logic import accounts as account_logic
from pensioncert.logic import liveness
from pensioncert.logic.subjects import SELF
from pensioncert.vision_client import VisionRefusal


def start(svc, account, *, name: str, id_number: str) -> dict:
    claimed_name = normalize.name(name)
    claimed_id = normalize.id_number(id_number)
    if claimed_name != account.name or svc.vault.lookup("id", claimed_id) != account.id_key:
        raise AppError(ErrorCode.NOT_FOUND, "姓名或身份证号码与注册信息不一致，请核对后重新输入")
    return liveness.open_session(svc, purpose="real_name", user_id=account.user_id, subject=SELF,
                                 subject_key=account.id_key)


def complete(svc, account, session_id: str, id_card_image: bytes, steps: list[dict]) -> dict:
    """Once per session (a retry gets the stored answer); a failure takes one of the account's
    attempts for 24 hours (``liveness.counted_binding_attempt``)."""
    return liveness.complete_once(
        svc, session_id=session_id, user_id=account.user_id, purpose="real_name", steps=steps,
        decide=lambda session: _counted(svc, account, session, id_card_image, steps))


def _counted(svc, account, session, id_card_image: bytes, steps: list[dict]) -> dict:
    with liveness.counted_binding_attempt(svc, account):
        return _bind(svc, account, session, id_card_image, steps)


def _bind(svc, account, session, id_card_image: bytes, steps: list[dict]) -> dict:
    evidence_key = liveness.store_evidence(svc, session, steps, {"id_card_image": _b64(id_card_image)})
    try:
        portrait = svc.vision.embed_id_card_portrait(id_card_image)
    except VisionRefusal as refusal:
        if refusal.code == "IMAGE_INVALID":
            raise liveness.refusal_error(refusal) from None
        raise AppError(ErrorCode.ID_CARD_UNREADABLE) from None
    references = [portrait]
    person = registry.get_person(account.id_key)
    if person is not None and person.reference_embedding:
        references.append(list(person.reference_embedding))
    try:
        svc.vision.decide_session_evidence(svc.settings.evidence_bucket, evidence_key, references)
    except VisionRefusal as refusal:
        raise liveness.refusal_error(refusal) from None
    # The ID claim, the verified mark and the token-version bump: one transaction (409 when
    # another account proved this ID number first).
    return account_logic.complete_binding(account, reference_embedding=portrait)


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()
