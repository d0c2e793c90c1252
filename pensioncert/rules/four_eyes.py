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

HOME_VISIT, OVERSEAS, STAFF_PHOTO, EVENT_FEED, DEATH_RECORD, REVIEW = (
    "home_visit", "overseas", "staff_photo", "event_feed", "death_record", "review")
KINDS = {
    HOME_VISIT: "上门认证（待第二人确认）",
    OVERSEAS: "境外人员认证（待第二人确认）",
    STAFF_PHOTO: "更换比对照片（待省级管理员批准）",
    EVENT_FEED: "未签名的比对数据文件（待第二人批准）",
    DEATH_RECORD: "比对数据中的死亡记录（确认后停发）",
    REVIEW: "APP认证申诉复核通过（待第二人确认）",
}
PROVINCIAL_ONLY = frozenset({STAFF_PHOTO})

SAME_PERSON = "同一工作人员不能既提交又批准：须由另一名工作人员确认"
VISITOR = "上门（核验）人员不能确认自己的上门认证：须由未参与上门的工作人员确认"
PROVINCIAL = "更换比对照片须由省级管理员批准"
COPY = ("现场照片与比对照片过于相似（相似度 {score:.2f}），像是比对照片的复制、裁剪、镜像或翻拍："
        "须上传本次上门（核验）时新拍摄的本人照片")

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
