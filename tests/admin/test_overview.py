"""The overview's figures equal what the data layer holds, on a known dataset."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from admin_support import import_people, operator_for, unique_region

from pensioncert.admin import overview
from pensioncert.dal import certifications
from pensioncert.errors import AppError
from pensioncert.logic.certification import record_certification


def test_overview_figures_match_a_known_dataset(svc, province_admin):
    a, b = unique_region(), unique_region()
    before = overview.summary(svc, province_admin)
    ids = import_people(svc, [
        ("p1", "张一", a, "甲单位", "recipient"), ("p2", "张二", a, "甲单位", "recipient"),
        ("p3", "张三", a, "乙单位", "recipient"), ("p4", "张四", a, "乙单位", "suspended"),
        ("p5", "李五", b, "丙单位", "recipient"), ("p6", "李六", b, "丙单位", "recipient"),
        ("p7", "李七", b, "丙单位", "deceased"),
    ])
    key = {label: svc.vault.lookup("id", number) for label, number in ids.items()}
    svc.clock._now = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
    record_certification(svc, key["p1"], 2026, "home_visit", "上门", a, "甲单位")
    svc.clock._now = datetime(2026, 5, 3, 2, 0, tzinfo=timezone.utc)
    record_certification(svc, key["p3"], 2026, "agency", "经办", a, "乙单位")
    record_certification(svc, key["p5"], 2026, "overseas", "境外", b, "丙单位")
    with pytest.raises(AppError) as error:
        record_certification(svc, key["p5"], 2026, "home_visit", "上门", b, "丙单位")
    assert error.value.extra["reason"] == "ALREADY_CERTIFIED"
    certifications.record_failure(key["p2"], 2026, "FACE_MISMATCH", svc.clock.now())
    certifications.record_failure(key["p2"], 2026, "FACE_MISMATCH", svc.clock.now())
    certifications.record_failure(key["p6"], 2026, "NO_FACE", svc.clock.now())

    scoped = overview.summary(svc, operator_for(a, b), 2026)
    assert scoped["recipients"] == 5
    assert scoped["certified"] == 3
    assert scoped["certified_rate"] == 60.0
    assert scoped["by_method"] == {"app": 0, "proxy_app": 0, "home_visit": 1, "overseas": 1, "agency": 1,
                                  "data_match": 0}
    assert scoped["by_month"] == [0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0]
    assert {line["name"]: (line["recipients"], line["certified"], line["due"]) for line in scoped["by_region"]} == {
        a: (3, 2, 1), b: (2, 1, 1)}
    assert {line["name"]: (line["recipients"], line["certified"], line["rate"]) for line in scoped["by_unit"]} == {
        "甲单位": (2, 1, 50.0), "乙单位": (1, 1, 100.0), "丙单位": (2, 1, 50.0)}
    assert scoped["failed_attempts"] == 3
    assert scoped["failures_by_reason"] == {"FACE_MISMATCH": 2, "NO_FACE": 1}
    assert scoped["due"] == 2 and scoped["overdue"] == 0 and scoped["due_by"] == "2026-12-31"

    one_region = overview.summary(svc, operator_for(b), 2026)
    assert (one_region["recipients"], one_region["certified"], one_region["failed_attempts"]) == (2, 1, 1)

    # The province sees the same dataset on top of whatever other tests wrote.
    after = overview.summary(svc, province_admin, 2026)
    assert after["recipients"] - before["recipients"] == 5
    assert {line["name"]: line["recipients"] for line in after["by_region"] if line["name"] in (a, b)} == {a: 3, b: 2}

    # Overdue once the year's due date has passed.
    svc.clock._now = datetime(2027, 1, 2, 2, 0, tzinfo=timezone.utc)
    assert overview.summary(svc, operator_for(a, b), 2026)["overdue"] == 2


def test_reimport_and_status_change_move_recipient_counters(svc):
    from pensioncert.logic.registry_import import import_registry

    region = unique_region()
    ids = import_people(svc, [("x", "王一", region, "丁单位", "recipient"), ("y", "王二", region, "丁单位", "recipient")])
    operator = operator_for(region)
    assert overview.summary(svc, operator)["recipients"] == 2
    text = ("id_number,name,region,unit,status,card_status,card_password,photo\n"
            f"{ids['x']},王一,{region},丁单位,recipient,,,\n{ids['y']},王二,{region},丁单位,deceased,,,\n")
    first = import_registry(svc, text, None, lambda *_: None)
    assert (first.written, first.unchanged) == (1, 1)
    assert overview.summary(svc, operator)["recipients"] == 1
    again = import_registry(svc, text, None, lambda *_: None)
    assert (again.written, again.unchanged) == (0, 2)
    assert overview.summary(svc, operator)["recipients"] == 1
