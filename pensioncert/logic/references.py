"""Trusted references: what a live face may be compared with, and who vouches for each.

A certification (and the face side of real-name binding) compares the live face only with:

1. a photo staff took of the person in person (admin: pensioners → 比对照片, with a reason,
   audited): the agency vouches for it, and it is the most recent, so it comes first;
2. the registry photo, imported from the agency's business system: the agency vouches for it;
3. the identity authority's photo of that ID number (``pensioncert.identity``): the authority
   vouches for it; asked only when the agency has no photo (each comparison is a billed call).

Never an image the caller sent: not the ID card's portrait from real-name binding (the card is
checked against the live face, but a stranger can photograph any card and any face), not a
template stored on the account. With none of the three, no session opens (422 NO_REFERENCE_PHOTO,
which sends the retiree to the counter or a home visit, where staff can take the photo).
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pensioncert import identity
from pensioncert.errors import AppError, ErrorCode
from pensioncert.vision_client import VisionRefusal

if TYPE_CHECKING:
    from pensioncert.services import Services

STAFF_PHOTO = "staff_photo"
REGISTRY_PHOTO = "registry_photo"
IDENTITY_AUTHORITY = "identity_authority"


@dataclass(frozen=True)
class References:
    source: str | None  # one of the three above, or None: no trusted reference
    templates: tuple[tuple[float, ...], ...] = ()
    id_number: str | None = None  # for the identity authority
    name: str | None = None

    def __bool__(self) -> bool:
        return self.source is not None

    @property
    def template_lists(self) -> list[list[float]]:
        return [list(t) for t in self.templates]


NONE = References(None)


def compare_with_authority(svc: Services, references: References, image: bytes) -> tuple[float, str]:
    """The identity authority's (score, transaction id) for ``image``, with an IDENTITY_AUTHORITY
    reference (made by ``trusted`` only when an authority is configured, with the ID number and name)."""
    authority = identity.get_authority(svc.settings)
    if authority is None or references.id_number is None or references.name is None:
        raise RuntimeError("an identity-authority reference without the authority, or without its subject")
    return authority.compare(references.id_number, references.name, image)


def trusted(svc: Services, person, name: str, *, ask_authority: bool = True) -> References:
    """The person's trusted reference. ``name``: the name the subject is known by (eligibility has
    matched it with the registry). ``ask_authority``: whether to ask the authority now if it holds a
    photo (when a session opens); when deciding, its comparison itself answers that."""
    if person is None:
        return NONE
    if person.staff_reference_embedding:
        return References(STAFF_PHOTO, (tuple(person.staff_reference_embedding),))
    if person.reference_embedding:
        return References(REGISTRY_PHOTO, (tuple(person.reference_embedding),))
    return _authority_photo(svc, svc.vault.open(person.id_sealed), name, ask=ask_authority)


def for_binding(svc: Services, person, id_number: str, name: str) -> References:
    """The trusted reference real-name binding needs (issue 19, finding 1): the person's, and for
    someone outside the registry the identity authority's photo of that ID number. Never the card's
    portrait: a card can be drawn with anyone's face."""
    if person is not None:
        return trusted(svc, person, name)
    return _authority_photo(svc, id_number, name, ask=True)


def _authority_photo(svc: Services, id_number: str, name: str, *, ask: bool) -> References:
    """The identity authority's photo of ``id_number`` as the reference; with ``ask``, only if the
    authority says it holds one (otherwise its comparison answers that when deciding)."""
    authority = identity.get_authority(svc.settings)
    if authority is None:
        return NONE
    if ask:
        try:
            if not authority.has_record(id_number, name):
                return NONE
        except identity.AuthorityUnavailable:
            raise AppError(ErrorCode.SERVICE_UNAVAILABLE, retryable=True) from None
    return References(IDENTITY_AUTHORITY, id_number=id_number, name=name)


def decide(svc: Services, references: References, steps: list[dict], vision_decide) -> dict:
    """The session's decision against its trusted reference. ``vision_decide(templates)`` runs the
    vision function (liveness, and the match against the templates, which may be empty); with the
    identity authority, its most frontal live frame is then sent to the authority and the pass rule
    (``identity.passes``) decides. Refusals are VisionRefusal (counted as failures by the caller);
    no record at the authority is NO_REFERENCE_PHOTO, an unreachable authority 503 (not counted)."""
    if not references:
        raise AppError(ErrorCode.NO_REFERENCE_PHOTO)
    decision = dict(vision_decide(references.template_lists))
    decision["reference"] = references.source
    if references.source != IDENTITY_AUTHORITY:
        return decision
    try:
        score, transaction_id = compare_with_authority(svc, references, live_frame(steps, decision.get("best_frame")))
    except identity.NoAuthorityRecord:
        raise AppError(ErrorCode.NO_REFERENCE_PHOTO) from None
    except identity.AuthorityUnavailable:
        raise AppError(ErrorCode.SERVICE_UNAVAILABLE, retryable=True) from None
    decision["authority_transaction_id"] = transaction_id
    decision["similarity"] = score
    if not identity.passes(svc.settings, score):
        raise VisionRefusal("FACE_MISMATCH", f"authority_score:{score:.3f}:{transaction_id}",
                            prints=decision.get("prints"))
    return decision


def live_frame(steps: list[dict], best_frame) -> bytes:
    """The JPEG/PNG bytes of frame ``best_frame`` = [step, frame] of the steps as the app sent them."""
    step, frame = best_frame if best_frame else (0, 0)
    value = steps[step]["frames"][frame]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return base64.b64decode(value.split(",", 1)[1] if value.startswith("data:") else value)
