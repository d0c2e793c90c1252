"""The data-matching rules (rules/life_events.py) on their own: points, dates, months."""
from __future__ import annotations

from datetime import date

from pensioncert.rules import life_events as rules
from pensioncert.rules.life_events import Event

TODAY = date(2026, 6, 30)


def test_one_strong_event_qualifies_and_one_weak_never_does():
    assert rules.qualifying([Event("bank_counter", date(2026, 2, 1), "中国银行")], 2026, TODAY, None)
    rides = [Event("transit_ride", date(2026, 2, d), "公交") for d in (1, 5, 28)]
    assert rules.qualifying(rides, 2026, TODAY, None) == []  # one month, however many rides
    two_months = rides + [Event("transit_ride", date(2026, 3, 1), "公交")]
    assert rules.qualifying(two_months, 2026, TODAY, None) == two_months


def test_events_of_another_year_after_a_death_or_in_the_future_do_not_count():
    events = [Event("bank_counter", date(2025, 12, 31), "a"), Event("bank_counter", date(2026, 7, 1), "b"),
              Event("medical_settlement", date(2026, 4, 2), "c"), Event("exit_abroad", date(2026, 1, 2), "d")]
    assert rules.counting(events, 2026, TODAY, None) == [events[2]]
    assert rules.counting(events, 2026, TODAY, date(2026, 4, 1)) == []


def test_payments_stop_the_month_after_death_and_the_months_paid_after_are_overpaid():
    assert rules.payments_stop(date(2025, 12, 20)) == date(2026, 1, 1)
    assert rules.overpaid_months(date(2025, 12, 20), date(2026, 3, 1)) == ["2026-01", "2026-02", "2026-03"]
    assert rules.overpaid_months(date(2026, 3, 31), date(2026, 3, 31)) == []  # the month of death is due
    assert rules.months_between(date(2027, 1, 1), date(2027, 2, 10)) == ["2027-01", "2027-02"]


def test_every_event_type_has_one_effect_and_a_chinese_label():
    kinds = [set(rules.PROOF), set(rules.STOPS), set(rules.FLAGS)]
    assert sum(len(k) for k in kinds) == len(set().union(*kinds)) == len(rules.EVENT_TYPES)
    assert set(rules.LABELS) == set(rules.EVENT_TYPES)
    assert rules.evidence_text("medical_settlement", "2026-03-14", "西安市第一医院") == "2026-03-14 医保结算（西安市第一医院）"
    assert rules.shown_source("medical_settlement", "西安市第一医院", to_relative=True) == "医疗机构"
    assert rules.shown_source("bank_counter", "中国银行", to_relative=True) == "中国银行"
