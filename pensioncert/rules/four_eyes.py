"""Four eyes: no certification, reference or stop of payments that staff can cause rests on one person.

The one place of the rule (issue 19, findings 2-4). What needs a second person, and who that is:

| what | first person | second person (never the first, never the visitor) |
|---|---|---|
| a home-visit or overseas certification whose photo matches | the staff who records it | any active staff of the person's region, or a provincial administrator, who did not visit |
| a new trusted reference photo taken by staff (staff photo) | the staff who took it | a provincial administrator |
| a life-event feed uploaded without its source system's signature | the uploading staff | another staff member of that scope (the feed then applies as uploaded) |
| a death record from any feed (signed or approved) | the feed | any staff of the region, before payments stop |

A visit photo must also be a capture, not the reference again: ``is_copy`` refuses a photo whose
template (or its mirror's: a mirrored copy mirrored back is the reference) is closer to a trusted
reference than any genuine second photo of a person comes. The threshold is placed by code
(``place_copy_threshold``) from the measurement ``bench/visit_photo_copies.py`` writes beside this
file (``visit_photo_copies.json``): copies made of each dev-face reference (mirrored, cropped,
re-photographed) against every other photo of the same person.

A feed is from its source system when it carries an HMAC-SHA256 of the file's bytes under the key
registered for that source (``PC_FEED_SOURCE_KEYS``); ``feed_signed_by`` checks it in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pensioncert.errors import (
    APPROVER_IS_SUBMITTER,
    APPROVER_MADE_THE_VISIT,
    PHOTO_NEEDS_PROVINCE_ADMIN,
    VISIT_PHOTO_A_COPY,
)
from pensioncert.labels import FOUR_EYES_KINDS

HOME_VISIT, OVERSEAS, STAFF_PHOTO, EVENT_FEED, DEATH_RECORD, REVIEW = (
    "home_visit", "overseas", "staff_photo", "event_feed", "death_record", "review")
KINDS = {kind: FOUR_EYES_KINDS[kind] for kind in (HOME_VISIT, OVERSEAS, STAFF_PHOTO, EVENT_FEED, DEATH_RECORD, REVIEW)}
PROVINCIAL_ONLY = frozenset({STAFF_PHOTO})

SAME_PERSON = APPROVER_IS_SUBMITTER
VISITOR = APPROVER_MADE_THE_VISIT
PROVINCIAL = PHOTO_NEEDS_PROVINCE_ADMIN
COPY = VISIT_PHOTO_A_COPY

MEASURED = Path(__file__).with_name("visit_photo_copies.json")


@dataclass(frozen=True)
class Request:
    """What a second person is asked to approve."""

    kind: str
    requested_by: str  # staff username (or the importer's actor for a feed's death record)
    visited_by: str | None = None


def refusal(request: Request, *, approver: str, approver_is_province_admin: bool) -> str | None:
    """Why ``approver`` may not approve ``request`` (a Chinese message), or None: they may."""
    if approver == request.requested_by:
        return SAME_PERSON
    if request.visited_by and approver == request.visited_by:
        return VISITOR
    if request.kind in PROVINCIAL_ONLY and not approver_is_province_admin:
        return PROVINCIAL
    return None


def place_copy_threshold(copies_min: float, genuine_max: float) -> float:
    """A third of the gap from the nearest copy towards the closest genuine photo (the liveness
    calibration's rule, in favour of the genuine visit); 2 % beyond the genuine extreme when they
    overlap (the copies inside are then left to the second person's eyes)."""
    if copies_min > genuine_max:
        return round(copies_min - (copies_min - genuine_max) / 3, 4)
    return round(min(1.0, genuine_max * 1.02), 4)


@cache
def copy_threshold() -> float:
    figures = json.loads(MEASURED.read_text())
    copies_min = min(kind["min"] for kind in figures["copies"].values())
    return place_copy_threshold(copies_min, figures["genuine_second_photo"]["max"])


def is_copy(score: float) -> bool:
    """``score``: the higher similarity of the visit photo and of its mirror to a trusted reference."""
    return score >= copy_threshold()


def feed_signature(data: bytes, key: str) -> str:
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


def feed_signed_by(data: bytes, source: str, signature: str, keys: dict[str, str]) -> bool:
    """Whether ``signature`` is the HMAC of ``data`` under ``source``'s registered key."""
    key = keys.get(source)
    if not key or not signature:
        return False
    return hmac.compare_digest(feed_signature(data, key), signature.strip().lower())
