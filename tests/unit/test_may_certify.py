"""The one pre-check of every door that certifies (issue 21): "may this person certify now", the
pure rule (rules.certification.eligibility_reason with a CertifyPath) and the decision
(logic.eligibility.may_certify) on plain records, the DynamoDB reads replaced by stand-ins that
count what is read. Each reason, and each path's named difference from the app's."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from pensioncert.clock import FakeClock
from pensioncert.logic import eligibility
from pensioncert.rules.certification import (
    ALREADY_CERTIFIED,
    APP,
    APPEAL,
    DATA_MATCH,
    DATA_MATCH_COUNTED,
    HOME_VISIT,
    OVERSEAS,
    RegistryFacts,
    eligibility_reason,
)

TODAY = "20260301"  # FakeClock's start, 2026-03-01 09:00 UTC, is 17:00 in Beijing
SVC = SimpleNamespace(clock=FakeClock(datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)))
KEY = "key-1"


def person(status="recipient", name="王建国", *, corrected_name=None, corrected_status=None,
           correction_effective=None):
    return SimpleNamespace(id_key=KEY, name=name, status=status, corrected_name=corrected_name,
                           corrected_status=corrected_status, correction_effective=correction_effective)


# A status correction set today that counts only from tomorrow.
SUSPENDED_TOMORROW = person(corrected_status="suspended", correction_effective="20260302")


@pytest.fixture
def reads(monkeypatch):
    """The dal's reads as stand-ins: ``certified`` says whether the year's certification is
    stored, ``registry`` what get_person finds; every read is recorded."""
    state = SimpleNamespace(certified=False, registry=person(), calls=[])

    def for_year(subject_key, year):
        state.calls.append(("for_year", subject_key, year))
        return SimpleNamespace(method="app") if state.certified else None

    def get_person(subject_key, today=None):
        state.calls.append(("get_person", subject_key, today))
        return state.registry

    monkeypatch.setattr(eligibility.certifications, "for_year", for_year)
    monkeypatch.setattr(eligibility.registry, "get_person", get_person)
    return state


@pytest.mark.parametrize("path", [APP, HOME_VISIT, OVERSEAS, DATA_MATCH])
@pytest.mark.parametrize("record, certified, reason", [
    (None, False, "NOT_FOUND"),
    (RegistryFacts("王建国", "not_recipient"), False, "NOT_A_RECIPIENT"),
    (RegistryFacts("王建国", "suspended"), True, "SUSPENDED_DECEASED"),
    (RegistryFacts("王建国", "deceased"), False, "SUSPENDED_DECEASED"),
    (RegistryFacts("王建国", "recipient"), True, ALREADY_CERTIFIED),
    (RegistryFacts("王建国", "recipient"), False, None),
])
def test_every_path_that_asks_the_record_gives_its_reasons_before_the_years(path, record, certified, reason):
    assert eligibility_reason(record, "王建国", certified, path) == reason


def test_only_the_app_compares_the_claimed_name():
    record = RegistryFacts("王建国", "recipient")
    assert eligibility_reason(record, "王建民", False, APP) == "RECORD_MISMATCH"
    assert [eligibility_reason(record, None, False, path) for path in (HOME_VISIT, OVERSEAS, DATA_MATCH)] == [None] * 3


@pytest.mark.parametrize("path", [APPEAL, DATA_MATCH_COUNTED])
def test_an_appeal_and_a_counted_feed_row_ask_only_whether_the_year_is_certified(path):
    deceased = RegistryFacts("王建国", "deceased")
    assert eligibility_reason(deceased, None, True, path) == ALREADY_CERTIFIED
    assert eligibility_reason(deceased, None, False, path) is None
    assert eligibility_reason(None, None, False, path) is None


def test_the_app_reads_the_record_current_today_and_compares_the_name(reads):
    reads.registry = person(name="王建国")
    decision = eligibility.may_certify(SVC, KEY, APP, claimed_name="王建民")
    assert (decision.reason, decision.allowed) == ("RECORD_MISMATCH", False)
    assert reads.calls == [("get_person", KEY, TODAY)]  # the name refuses: the year is not read


def test_staff_paths_read_the_record_they_hold_whatever_its_validity(reads):
    for path in (HOME_VISIT, OVERSEAS):
        eligibility.may_certify(SVC, KEY, path)
    assert [call for call in reads.calls if call[0] == "get_person"] == [("get_person", KEY, None)] * 2


def test_no_record_is_not_found_and_reads_no_certification(reads):
    reads.registry = None
    decision = eligibility.may_certify(SVC, KEY, HOME_VISIT)
    assert (decision.reason, decision.person, decision.facts) == ("NOT_FOUND", None, None)
    assert [call[0] for call in reads.calls] == ["get_person"]


def test_the_years_certification_is_read_for_the_beijing_year_once_the_record_allows(reads):
    reads.certified = True
    decision = eligibility.may_certify(SVC, KEY, APP, claimed_name="王建国")
    assert decision.reason == ALREADY_CERTIFIED and not decision.allowed
    assert reads.calls[-1] == ("for_year", KEY, 2026)


def test_allowed_when_the_record_allows_and_the_year_is_not_certified(reads):
    decision = eligibility.may_certify(SVC, KEY, APP, claimed_name="王建国")
    assert decision.allowed and decision.reason is None
    assert decision.facts == RegistryFacts("王建国", "recipient")


def test_overseas_takes_a_status_correction_at_once_the_app_and_home_visits_from_its_day(reads):
    answers = {path.name: eligibility.may_certify_person(SVC, KEY, SUSPENDED_TOMORROW, path,
                                                         claimed_name="王建国", certified=False)
               for path in (APP, HOME_VISIT, OVERSEAS, DATA_MATCH)}
    assert {name: decision.reason for name, decision in answers.items()} == {
        "app": None, "home_visit": None, "overseas": "SUSPENDED_DECEASED", "data_match": None}
    assert answers["overseas"].facts == RegistryFacts("王建国", "suspended")


def test_overseas_takes_a_correction_even_without_an_effective_date(reads):
    corrected = person(corrected_status="deceased")
    assert eligibility.may_certify_person(SVC, KEY, corrected, OVERSEAS, certified=False).reason == "SUSPENDED_DECEASED"
    assert eligibility.may_certify_person(SVC, KEY, corrected, HOME_VISIT, certified=False).reason is None


def test_a_certified_person_whose_record_now_refuses(reads):
    """Data matching certifies from events only for a recipient (not_recipient first), but counts
    a proof row of someone certified this year as already certified whatever the record says."""
    suspended = person(status="suspended")
    assert eligibility.may_certify_person(SVC, KEY, suspended, DATA_MATCH, certified=True).reason == "SUSPENDED_DECEASED"
    assert eligibility.may_certify_person(SVC, KEY, suspended, DATA_MATCH_COUNTED, certified=True).reason == ALREADY_CERTIFIED
    assert eligibility.may_certify_person(SVC, KEY, suspended, APPEAL, certified=True).reason == ALREADY_CERTIFIED
    assert reads.calls == []  # the caller's answer is used: nothing read


def test_a_caller_that_read_the_year_is_not_read_again(reads):
    reads.certified = True  # what DynamoDB would say; the caller's (stale) answer wins
    assert eligibility.may_certify_person(SVC, KEY, person(), DATA_MATCH, certified=False).allowed
    assert reads.calls == []


def test_an_appeal_without_its_certification_is_allowed_whatever_the_record(reads):
    decision = eligibility.may_certify_person(SVC, KEY, person(status="deceased"), APPEAL)
    assert decision.allowed and decision.facts is None
    assert reads.calls == [("for_year", KEY, 2026)]


@pytest.mark.parametrize("stored", [True, False])
def test_the_once_a_year_write_decides_and_a_loser_is_told_one_way(monkeypatch, stored):
    """The pre-check only answers early: store_once's conditional write decides. A door that counts
    a lost write as an outcome gets None (record_unless_certified); the others a 409 ALREADY_CERTIFIED."""
    from pensioncert.errors import AppError
    from pensioncert.logic import certification

    lifted = []
    monkeypatch.setattr(certification.certifications, "store_once", lambda item: stored)
    monkeypatch.setattr(certification.suspensions, "lift_after_certification",
                        lambda key, at: lifted.append(key))
    args = (SVC, KEY, 2026, "home_visit", "上门", "西安市", "某单位")
    kept = certification.record_unless_certified(*args)
    assert (kept is not None, lifted) == (stored, [KEY] if stored else [])
    if stored:
        assert certification.record_certification(*args).method == "home_visit"
    else:
        with pytest.raises(AppError) as refused:
            certification.record_certification(*args)
        assert refused.value.extra["reason"] == ALREADY_CERTIFIED
