"""同一人脸对应多名待遇人员 (issue 22): the pairs of two ID numbers whose reference photos are the same
face by the face-match rule (``logic.duplicate_faces``), for the agency to examine: both records,
both photos, the similarity. A pair shows to the staff of either person's region (each side's item
is listed in its own region), once."""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING

from pensioncert import normalize
from pensioncert.admin import audit, labels
from pensioncert.admin.principal import require_staff
from pensioncert.dal import duplicate_faces as duplicates_dal
from pensioncert.dal import evidence, registry
from pensioncert.errors import AppError, ErrorCode
from pensioncert.jobs import regions as regions_with_recipients
from pensioncert.logic.duplicate_faces import LIST_TITLE

if TYPE_CHECKING:
    from pensioncert.services import Services

TITLE = LIST_TITLE
SOURCE_LABELS = {source: labels.DUPLICATE_PHOTO_SOURCES[source]
                 for source in (duplicates_dal.REGISTRY_PHOTO, duplicates_dal.STAFF_PHOTO)}
SAME_PERSON = duplicates_dal.SAME_PERSON
FINDINGS = {finding: labels.DUPLICATE_FINDINGS[finding]
            for finding in (duplicates_dal.SAME_PERSON, duplicates_dal.DIFFERENT_PEOPLE)}
STATE_LABELS = {duplicates_dal.OPEN: labels.DUPLICATE_OPEN, **FINDINGS}
STATUS_LABELS = labels.DUPLICATE_PERSON_STATUS


def pairs(svc: Services, principal) -> list[dict]:
    """The list in the principal's regions, most alike first; each pair once."""
    principal = require_staff(principal)
    shown: dict[str, dict] = {}
    for region in principal.named_regions(regions_with_recipients):
        for item in duplicates_dal.listed_in(region):
            detail = json.loads(item.detail or "{}")
            pair_id = pair_key(item.subject_key, detail["other"])
            if pair_id in shown:
                continue
            other = registry.get_person(detail["other"])
            shown[pair_id] = {
                "pair_id": pair_id, "state": STATE_LABELS.get(item.state or "", item.state or ""),
                "reason": item.reason or "", "similarity": f"{detail['similarity']:.3f}", "listed_at": item.listed_at[:16],
                "name": item.name or "", "id": _masked(svc, item.id_sealed), "region": item.region or "",
                "source": SOURCE_LABELS.get(detail.get("source"), ""),
                "other_name": other.name if other else "", "other_id": _masked(svc, other.id_sealed if other else None),
                "other_region": other.region if other else "",
                "other_source": SOURCE_LABELS.get(detail.get("other_source"), ""),
            }
    return sorted(shown.values(), key=lambda row: row["similarity"], reverse=True)


def pair_detail(svc: Services, principal, pair_id: str) -> dict:
    """Both records of a listed pair, each with its reference photos (data URIs)."""
    return {"pair_id": pair_id, "people": [_record(svc, person) for person in _pair(principal, pair_id)]}


def decide(svc: Services, principal, pair_id: str, *, finding: str, reason: str) -> dict:
    """The agency's finding on a pair (the same person under two ID numbers, or two people), with
    a reason, audited; a pair is decided once."""
    people = _pair(principal, pair_id)
    if finding not in FINDINGS:
        raise AppError(ErrorCode.BAD_REQUEST, labels.DUPLICATE_FINDING_NEEDED)
    reason_text = (reason or "").strip()[:200]
    if not reason_text:
        raise AppError(ErrorCode.BAD_REQUEST, labels.DUPLICATE_OPINION_NEEDED)
    target = " / ".join(f"{p.name} {_masked(svc, p.id_sealed)}" for p in people)
    if not duplicates_dal.decide_pair(
            people[0].id_key, people[1].id_key, finding=finding, reason=reason_text, now=svc.clock.now(),
            audit=audit.fields(principal, "duplicate_face_decide", target=target, region=people[0].region,
                               after={labels.DUPLICATE_FINDING: FINDINGS[finding]}, reason=reason_text)):
        raise AppError(ErrorCode.BAD_REQUEST, labels.DUPLICATE_ALREADY_DECIDED)
    return {"pair_id": pair_id, "state": STATE_LABELS[finding]}


def _pair(principal, pair_id: str) -> list:
    """The pair's two records, in key order, if one of them is in the principal's regions."""
    principal = require_staff(principal)
    one_key, _, other_key = pair_id.partition("|")
    people = [registry.get_person(one_key), registry.get_person(other_key)]
    if any(person is None for person in people) or not any(principal.can_see(p.region) for p in people if p):
        raise AppError(ErrorCode.NOT_FOUND, labels.DUPLICATE_PAIR_NOT_FOUND)
    return sorted(people, key=lambda person: person.id_key)


def pair_key(one: str, other: str) -> str:
    return "|".join(sorted((one, other)))


def _record(svc: Services, person) -> dict:
    return {
        "name": person.name, "id": _masked(svc, person.id_sealed), "region": person.region, "unit": person.unit,
        "status": STATUS_LABELS.get(person.status, person.status),
        "photos": [{"label": SOURCE_LABELS[source], "src": src}
                   for source, key in ((duplicates_dal.REGISTRY_PHOTO, person.photo_key),
                                       (duplicates_dal.STAFF_PHOTO, person.staff_photo_key))
                   if key and (src := _photo(svc, key))],
    }


def _masked(svc: Services, id_sealed: str | None) -> str:
    return normalize.mask_id_number(svc.vault.open(id_sealed)) if id_sealed else ""


def _photo(svc: Services, key: str) -> str | None:
    try:
        image = evidence.get_object(svc.client("s3"), svc.settings.evidence_bucket, key)
    except Exception:  # noqa: BLE001 - a missing object shows as no photo
        return None
    kind = "png" if image.startswith(b"\x89PNG") else "jpeg"
    return f"data:image/{kind};base64,{base64.b64encode(image).decode()}"
