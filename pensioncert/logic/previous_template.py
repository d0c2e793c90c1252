"""The previous template (issue 18): a retiree who certified by app before is compared with the face
that passed last time as well as with the trusted reference, so the age gap shrinks to a year.

Kept: the live template of an app (or proxy app) certification that passed on its own, i.e. every
certification ``certification._decide`` stores; a session that went to review never passes there
(a review, a home visit, overseas, agency or data matching certify through
``record_certification``, which keeps no template). Only against a reference the API holds as a
template (staff or registry photo; the identity authority compares its own photo). Sealed by the
PII vault, as ID numbers are, beside a keyed digest of the trusted reference it was verified
against: when that reference is replaced (a staff photo, a new registry photo, an overseas
resident's photo) the digest no longer matches and the template stops counting, wherever the
replacement was made. The decision rule (the trusted reference as a floor) is vision's
(``matching.matched_by``).
"""
from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pensioncert.dal import certifications
from pensioncert.logic import references as trusted_references

if TYPE_CHECKING:
    from pensioncert.services import Services

KEPT_FROM = (trusted_references.STAFF_PHOTO, trusted_references.REGISTRY_PHOTO)


@dataclass(frozen=True)
class Previous:
    year: int
    template: list[float]


def reference_digest(svc: Services, references: trusted_references.References) -> str | None:
    """A keyed digest of the trusted reference's template(s); None when it is not one we hold."""
    if references.source not in KEPT_FROM or not references.templates:
        return None
    packed = b"".join(struct.pack(f"<{len(t)}f", *t) for t in references.templates)
    return svc.vault.lookup("reference-template", f"{references.source}:{base64.b64encode(packed).decode()}")


def seal(svc: Services, template: list[float]) -> str:
    return svc.vault.seal(base64.b64encode(struct.pack(f"<{len(template)}f", *template)).decode())


def _open(svc: Services, sealed: str) -> list[float]:
    raw = base64.b64decode(svc.vault.open(sealed))
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def find(svc: Services, subject_key: str, year: int,
         references: trusted_references.References) -> Previous | None:
    """The newest earlier certification's template verified against today's trusted reference."""
    digest = reference_digest(svc, references)
    if digest is None:
        return None
    for item in certifications.history(subject_key):
        if item.year < year and item.live_template_sealed and item.template_reference == digest:
            return Previous(int(item.year), _open(svc, item.live_template_sealed))
    return None


def to_keep(svc: Services, references: trusted_references.References, decision: dict) -> dict:
    """The certification's template fields for a passed session's ``decision``."""
    digest = reference_digest(svc, references)
    live = decision.get("live_embedding")
    if digest is None or not live:
        return {}
    return {"live_template_sealed": seal(svc, live), "template_reference": digest}
