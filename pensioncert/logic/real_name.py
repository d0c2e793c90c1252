"""Real-name binding (实名注册): the card read (its printed name and number are the claim), its
portrait and the live face matched, and the live face matched with the trusted reference."""
from __future__ import annotations

from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.dal import registry
from pensioncert.errors import (
    ALREADY_VERIFIED,
    BINDING_DETAILS_MISMATCH,
    NO_REFERENCE_FOR_BINDING,
    NO_TRUSTED_FACE,
    AppError,
    ErrorCode,
)
from pensioncert.logic import accounts as account_logic
from pensioncert.logic import liveness, references
from pensioncert.logic.subjects import SELF
from pensioncert.vision_client import VisionRefusal

if TYPE_CHECKING:
    from pensioncert.services import Services


def start(svc: Services, account, *, name: str, id_number: str) -> dict:
    if account.real_name_verified:
        # Binding again would let whoever holds the password re-run it with another face: only
        # staff change a verified identity.
        raise AppError(ErrorCode.FORBIDDEN, ALREADY_VERIFIED)
    claimed_name = normalize.name(name)
    claimed_id = normalize.id_number(id_number)
    if claimed_name != account.name or svc.vault.lookup("id", claimed_id) != account.id_key:
        raise AppError(ErrorCode.NOT_FOUND, BINDING_DETAILS_MISMATCH)
    person = registry.get_person(account.id_key)
    _trusted_face(svc, account, person)
    return liveness.open_session(svc, purpose="real_name", user_id=account.user_id, subject=SELF,
                                 subject_key=account.id_key, region=person.region if person else None)


def _trusted_face(svc: Services, account, person=None) -> references.References:
    """A binding takes the ID claim, and card login then returns that account: a card and a face
    that match each other are not proof (anyone can draw a card with their own face), so binding
    needs a trusted reference to match (issue 19, finding 1): the registry's or a staff photo for a
    person in the registry, the identity authority's for anyone. With none, binding is refused and
    claims nothing: the pensioner logs in by card, anyone else goes to the counter."""
    person = person or registry.get_person(account.id_key)
    found = references.for_binding(svc, person, svc.vault.open(account.id_sealed), account.name)
    if not found:
        raise AppError(ErrorCode.NO_REFERENCE_PHOTO, NO_REFERENCE_FOR_BINDING if person is not None else NO_TRUSTED_FACE)
    return found


def complete(svc: Services, account, session_id: str, id_card_image: bytes, steps: list[dict]) -> dict:
    """Once per session (a retry gets the stored answer); a failure takes one of the account's
    attempts for 24 hours (``liveness.counted_binding_attempt``)."""
    return liveness.complete_once(
        svc, session_id=session_id, user_id=account.user_id, purpose="real_name", steps=steps,
        decide=lambda session: _counted(svc, account, session, id_card_image, steps))


def _counted(svc: Services, account, session, id_card_image: bytes, steps: list[dict]) -> dict:
    with liveness.counted_binding_attempt(svc, account):
        return _bind(svc, account, session, id_card_image, steps)


def _bind(svc: Services, account, session, id_card_image: bytes, steps: list[dict]) -> dict:
    evidence_key = liveness.store_evidence(svc, session, steps, {"id_card_image": _b64(id_card_image)})
    portrait = _read_card(svc, account, id_card_image)
    # The live face must match the card's portrait and the person's trusted reference (staff photo,
    # registry photo, or the identity authority's): a card and a face that merely match each other
    # prove nothing (anyone can photograph a card).
    trusted = _trusted_face(svc, account)  # again: the reference may have gone since the session opened
    try:
        references.decide(
            svc, trusted, steps,
            lambda templates: svc.vision.decide_session_evidence(
                svc.settings.evidence_bucket, evidence_key, [portrait, *templates]))
    except VisionRefusal as refusal:
        raise liveness.refusal_error(refusal) from None
    # The ID claim, the verified mark and the token-version bump: one transaction (409 when
    # another account proved this ID number first). The portrait is not kept as a reference.
    return account_logic.complete_binding(svc, account, reference_embedding=None, proved_with=trusted.source)


def _read_card(svc: Services, account, id_card_image: bytes) -> list[float]:
    """The card's printed name and number must be the claim (both normalised as any input is);
    returns the portrait's template."""
    try:
        card = svc.vision.read_id_card(id_card_image)
    except VisionRefusal as refusal:
        if refusal.code in ("IMAGE_INVALID", "IMAGE_TOO_LARGE"):
            raise liveness.refusal_error(refusal) from None
        raise AppError(ErrorCode.ID_CARD_UNREADABLE) from None
    try:
        same = (normalize.name(card["name"]) == account.name
                and normalize.id_number(card["id_number"]) == svc.vault.open(account.id_sealed))
    except AppError:  # what was read is no valid name or number at all: not the claimed ones
        same = False
    if not same:
        raise AppError(ErrorCode.ID_CARD_MISMATCH)
    return card["embedding"]


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()
