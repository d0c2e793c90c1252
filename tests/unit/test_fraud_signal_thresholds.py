"""The thresholds of rules/fraud_signals.py at their edges (the admin tests build each signal's
situation through the API; these pin where the line falls)."""
from __future__ import annotations

from pensioncert.rules import fraud_signals as rules

THRESHOLD = 0.65


def test_sixteen_visits_fit_a_working_day():
    assert rules.VISITS_POSSIBLE_PER_DAY == 16


def test_a_day_of_seventeen_visit_outcomes_is_listed_and_one_of_sixteen_is_not():
    outcomes = {("busy", "2026-03-01"): [{}] * 17, ("steady", "2026-03-01"): [{}] * 16}
    assert list(rules.visits_beyond_a_day(outcomes)) == [("busy", "2026-03-01")]


def test_the_band_starts_at_the_threshold_and_ends_before_threshold_plus_band():
    edges = [THRESHOLD - 0.0001, THRESHOLD, THRESHOLD + rules.NEAR_MATCH_BAND - 0.0001, THRESHOLD + rules.NEAR_MATCH_BAND]
    assert [rules.near_threshold(value, THRESHOLD) for value in edges] == [False, True, True, False]


def test_a_certification_without_a_similarity_is_not_near_the_threshold():
    assert rules.near_threshold(None, THRESHOLD) is False


def test_twenty_unfinished_sessions_are_listed_and_nineteen_are_not():
    assert [rules.sessions_unfinished(20, 0), rules.sessions_unfinished(20, 1)] == [True, False]


def test_five_different_people_certified_by_proxy_are_listed_and_one_person_five_times_is_not():
    rows = {"many": [{"subject_key": str(n)} for n in range(5)], "one": [{"subject_key": "0"}] * 5}
    assert list(rules.proxy_certified_many(rows)) == ["many"]
