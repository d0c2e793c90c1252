"""Evidence for every manual certification (home visit, counter, overseas consular or video call).

A manual ``passed`` needs a photo of the person taken at the visit, the visit's date and address
and the visiting staff. The photo passes the registry photos' quality gate (``embed_reference``)
and is matched against the person's trusted reference (logic/references.py) by the vision
function; it is stored in the evidence bucket under the same prefix, encryption and lifecycle as
the app's liveness evidence. At or above the match threshold the visit certifies; below it (or
with no trusted reference to compare with) a provincial reviewer must confirm: a review case
(logic/reviews.open_manual) instead of a certification. At or above it a second staff member who
did not visit confirms (rules/four_eyes.py). A photo that is a copy of a reference (the reference
itself, a crop, a mirror or a re-photo of it: ``four_eyes.is_copy``) is refused before anything is
stored.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pensioncert import identity, normalize
from pensioncert.admin import labels
from pensioncert.admin.principal import covers
from pensioncert.clock import BEIJING
from pensioncert.dal import evidence
from pensioncert.errors import PHOTO_FAILED_QUALITY, AppError, ErrorCode
from pensioncert.logic import references as trusted_references
from pensioncert.logic.registry_import import PHOTO_REFUSALS, is_photo_file
from pensioncert.rules import four_eyes
from pensioncert.vision_client import VisionRefusal

if TYPE_CHECKING:
    from pensioncert.services import Services

PHOTO_REQUIRED = labels.VISIT_PHOTO_REQUIRED
PHOTO_REFUSED = labels.VISIT_PHOTO_REFUSED
DATE_REQUIRED = labels.VISIT_DATE_REQUIRED
ADDRESS_REQUIRED = labels.VISIT_ADDRESS_REQUIRED
VISITOR_REQUIRED = labels.VISITOR_REQUIRED
MAX_TEXT = 200


@dataclass(frozen=True)
class VisitFacts:
    """What staff enter with a passed visit."""

    photo: bytes | None
    visited_on: str  # YYYY-MM-DD
    address: str
    visited_by: str  # a staff username


@dataclass(frozen=True)
class Evidence:
    evidence_key: str
    similarity: float | None  # None: no template to compare with (identity authority unreachable)
    matched: bool
    reference: str | None  # the trusted reference's source, None when the person has none
    detail: str
    visited_on: str
    address: str
    visited_by: str  # username
    visited_by_name: str

    @property
    def score_label(self) -> str:
        if self.similarity is None:
            return labels.NO_TRUSTED_REFERENCE if self.reference is None else labels.NOT_COMPARED
        return f"{self.similarity:.2f}"


def check(svc: Services, person, facts: VisitFacts, *, kind: str, ref_id: str) -> Evidence:
    """Check the facts, the photo's quality and its match; store the evidence object. Raises
    BAD_REQUEST (with the reason in Chinese) before anything is stored."""
    now = svc.clock.now()
    image = facts.photo or b""
    if not is_photo_file(image):
        raise AppError(ErrorCode.BAD_REQUEST, PHOTO_REQUIRED)
    visited_on = _visit_date(facts.visited_on, now)
    address = normalize.nfkc(facts.address or "")
    if not address or len(address) > MAX_TEXT:
        raise AppError(ErrorCode.BAD_REQUEST, ADDRESS_REQUIRED)
    visitor = svc.staff.get(facts.visited_by or "") if facts.visited_by else None
    if visitor is None or not visitor.active or not covers(visitor.role, visitor.regions, person.region):
        raise AppError(ErrorCode.BAD_REQUEST, VISITOR_REQUIRED)
    try:
        template, mirror = svc.vision.embed_reference_and_mirror(image)
    except VisionRefusal as refusal:
        reason = PHOTO_REFUSALS.get(refusal.code, PHOTO_FAILED_QUALITY)
        raise AppError(ErrorCode.BAD_REQUEST, PHOTO_REFUSED.format(reason=reason),
                       vision_code=refusal.code) from None
    copy_score = closest_to_a_reference(svc, person, template, mirror)
    if copy_score is not None and four_eyes.is_copy(copy_score):
        raise AppError(ErrorCode.BAD_REQUEST, four_eyes.COPY.format(score=copy_score))
    similarity, matched, reference, detail = _match(svc, person, template, image)
    key = (f"{evidence.EVIDENCE_PREFIX}{kind}/{now.astimezone(BEIJING).year}/"
           f"{ref_id}-{now.strftime('%Y%m%dT%H%M%S%f')}.json")
    evidence.put_json(svc.client("s3"), svc.settings.evidence_bucket, key, {
        "kind": kind, "ref_id": ref_id, "photo": base64.b64encode(image).decode(),
        # Sealed as the address is in DynamoDB: only what the vault opens reads it.
        "visited_on": visited_on, "address_sealed": svc.vault.seal(address), "visited_by": visitor.username,
        "similarity": similarity, "matched": matched, "reference": reference, "detail": detail,
    })
    return Evidence(key, similarity, matched, reference, detail, visited_on, address,
                    visitor.username, visitor.display_name)


def closest_to_a_reference(svc: Services, person, template: list[float], mirror: list[float]) -> float | None:
    """The four-eyes copy score: the highest similarity of the photo, or of its mirror, to any of the
    person's reference templates (staff photo and registry photo); None with no template."""
    references = [list(t) for t in (person.staff_reference_embedding, person.reference_embedding) if t]
    if not references:
        return None
    return round(max(svc.vision.similarity(face, [reference])["similarity"]
                     for face in (template, mirror) for reference in references), 4)


def photo_of(svc: Services, evidence_key: str) -> bytes | None:
    """The visit photo of a stored evidence object (None once it has expired)."""
    import json

    try:
        bundle = json.loads(evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket, evidence_key))
    except Exception:  # noqa: BLE001 - expired by the lifecycle rule, or never stored
        return None
    photo = bundle.get("photo")
    return base64.b64decode(photo) if photo else None


def _match(svc: Services, person, template: list[float], image: bytes) -> tuple[float | None, bool, str | None, str]:
    references = trusted_references.trusted(svc, person, person.corrected_name or person.name,
                                            ask_authority=False)
    if not references:
        return None, False, None, "no_trusted_reference"
    if references.templates:
        answer = svc.vision.similarity(template, references.template_lists)
        return round(answer["similarity"], 4), bool(answer["match"]), references.source, "template"
    try:
        score, transaction_id = trusted_references.compare_with_authority(svc, references, image)
    except identity.NoAuthorityRecord:
        return None, False, None, "no_trusted_reference"
    except identity.AuthorityUnavailable:
        raise AppError(ErrorCode.SERVICE_UNAVAILABLE, labels.IDENTITY_SERVICE_DOWN) from None
    return round(score, 4), identity.passes(svc.settings, score), references.source, f"authority:{transaction_id}"


def _visit_date(value: str, now: datetime) -> str:
    try:
        day = datetime.strptime((value or "")[:10], "%Y-%m-%d").date()
    except ValueError:
        raise AppError(ErrorCode.BAD_REQUEST, DATE_REQUIRED) from None
    today = now.astimezone(BEIJING).date()
    if day > today or day.year != today.year:
        raise AppError(ErrorCode.BAD_REQUEST, DATE_REQUIRED)
    return day.isoformat()
