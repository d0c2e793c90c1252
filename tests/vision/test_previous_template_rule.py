"""The previous-template rule (issue 18, vision.matching.matched_by) on similarities recorded on the
dev set (layers/vision, 2026-12-07): p06's eight sessions against its reference frame squeezed to
0.72 of its width (a registry photo scanned at the wrong aspect) score 0.604-0.639, in the review
band; two sessions of p06 score 0.809-0.859 with each other (a template a year old stands in for one);
p06's sessions against p21's reference (another person) 0.384-0.410. No real case puts one person's
sessions on both sides of MATCH_THRESHOLD against one photo, so the rule is tested here as a unit."""
from __future__ import annotations

from vision import matching

SQUEEZED_REFERENCE, OTHER_SESSION, OTHER_PERSON = 0.604, 0.809, 0.410


def test_the_template_certifies_a_face_the_reference_sends_to_review():
    assert matching.in_review_band(SQUEEZED_REFERENCE)
    assert matching.matched_by(SQUEEZED_REFERENCE, None) is None
    assert matching.matched_by(SQUEEZED_REFERENCE, OTHER_SESSION) == matching.BY_PREVIOUS_TEMPLATE


def test_the_trusted_reference_stays_a_floor():
    assert OTHER_PERSON < matching.REFERENCE_FLOOR
    assert matching.matched_by(OTHER_PERSON, OTHER_SESSION) is None
    assert matching.matched_by(matching.REFERENCE_FLOOR, matching.MATCH_THRESHOLD) == matching.BY_PREVIOUS_TEMPLATE
    below = matching.REFERENCE_FLOOR - 0.001
    assert matching.matched_by(below, 1.0) is None


def test_the_template_must_itself_clear_match_threshold():
    assert matching.matched_by(SQUEEZED_REFERENCE, matching.MATCH_THRESHOLD - 0.001) is None


def test_the_reference_alone_still_certifies():
    assert matching.matched_by(matching.MATCH_THRESHOLD, None) == matching.BY_REFERENCE
    assert matching.matched_by(matching.MATCH_THRESHOLD, 0.0) == matching.BY_REFERENCE


def test_the_floor_is_named_beside_the_thresholds():
    assert matching.REVIEW_THRESHOLD <= matching.REFERENCE_FLOOR < matching.MATCH_THRESHOLD
