"""The four-eyes rule (rules/four_eyes.py) on its own: who may approve, where the copy threshold
lies, what a feed's signature proves."""
from __future__ import annotations

import json

from pensioncert.rules import four_eyes


def request(kind=four_eyes.HOME_VISIT, visited_by="visitor"):
    return four_eyes.Request(kind, "recorder", visited_by)


def test_the_one_who_asked_never_approves():
    assert four_eyes.refusal(request(), approver="recorder", approver_is_province_admin=True) == four_eyes.SAME_PERSON


def test_the_visitor_never_confirms_the_visit():
    assert four_eyes.refusal(request(), approver="visitor", approver_is_province_admin=True) == four_eyes.VISITOR


def test_anyone_else_confirms_a_visit():
    assert four_eyes.refusal(request(), approver="colleague", approver_is_province_admin=False) is None


def test_a_staff_photo_needs_a_provincial_administrator():
    photo = request(four_eyes.STAFF_PHOTO, None)
    assert four_eyes.refusal(photo, approver="colleague", approver_is_province_admin=False) == four_eyes.PROVINCIAL
    assert four_eyes.refusal(photo, approver="province", approver_is_province_admin=True) is None


def test_the_copy_threshold_lies_a_third_of_the_gap_from_the_copies():
    assert four_eyes.place_copy_threshold(0.80, 0.77) == 0.79
    assert four_eyes.place_copy_threshold(0.70, 0.77) == round(0.77 * 1.02, 4)  # overlap: beyond the genuine


def test_the_shipped_threshold_is_placed_from_the_measurement_beside_the_rule():
    figures = json.loads(four_eyes.MEASURED.read_text())
    copies = min(kind["min"] for kind in figures["copies"].values())
    genuine = figures["genuine_second_photo"]["max"]
    assert genuine < four_eyes.copy_threshold() < copies
    assert not four_eyes.is_copy(genuine) and four_eyes.is_copy(copies)


def test_a_feed_signature_holds_only_for_its_key_and_its_bytes():
    keys = {"civil_affairs": "the-registered-key"}
    data = b"id_number,name,event_type,event_date,source,source_ref\n"
    good = four_eyes.feed_signature(data, "the-registered-key")
    assert four_eyes.feed_signed_by(data, "civil_affairs", good, keys)
    assert not four_eyes.feed_signed_by(data, "civil_affairs", four_eyes.feed_signature(data, "another"), keys)
    assert not four_eyes.feed_signed_by(data + b"x", "civil_affairs", good, keys)
    assert not four_eyes.feed_signed_by(data, "unregistered", good, keys)
    assert not four_eyes.feed_signed_by(data, "civil_affairs", "", keys)
