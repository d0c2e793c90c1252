"""Sharded dashboard counters: after concurrent certifications (and concurrent duplicates, of
which one wins) the overview equals a hand count, and no certification wrote a province-wide or
region-wide item: only shards (dal/stats.py)."""
from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from admin_support import import_people, operator_for, unique_region

from pensioncert.admin import overview
from pensioncert.dal import certifications, stats
from pensioncert.dal.admin_tables import StatsTable
from pensioncert.errors import AppError
from pensioncert.logic.certification import record_certification

METHODS = ("home_visit", "agency", "overseas")


def test_the_overview_equals_a_hand_count_after_concurrent_certifications(svc, province_admin):
    a, b = unique_region(), unique_region()
    people = [(f"p{n}", "测" + "一二三四五六七八九十"[n % 10] + "甲乙丙丁"[n // 10], a if n % 3 else b, f"单位{n % 4}", "recipient") for n in range(36)]
    ids = import_people(svc, people)
    place = {label: (region, unit) for label, _, region, unit, _ in people}
    key = {label: svc.vault.lookup("id", number) for label, number in ids.items()}
    svc.clock._now = datetime(2026, 4, 2, 2, 0, tzinfo=timezone.utc)
    before = overview.summary(svc, province_admin, 2026)

    certified = [label for n, (label, *_) in enumerate(people) if n % 6 != 5]  # 30 of 36
    jobs = [(label, METHODS[n % 3]) for n, label in enumerate(certified)]
    jobs += [(label, "agency") for label in certified[:8]]  # the same people again, at once
    failures = [label for n, (label, *_) in enumerate(people) if n % 6 == 5]

    def certify(job):
        label, method = job
        region, unit = place[label]
        try:
            return record_certification(svc, key[label], 2026, method, "并发测试", region, unit).method
        except AppError as refused:
            return refused.extra.get("reason")

    def fail(label):
        certifications.record_failure(key[label], 2026, "FACE_MISMATCH", svc.clock.now())

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(certify, jobs))
        list(pool.map(fail, failures * 2))
    assert Counter(outcomes)["ALREADY_CERTIFIED"] == 8  # exactly one of each pair won

    stored = {label: certifications.for_year(key[label], 2026) for label in certified}
    hand = Counter(place[label][0] for label in certified)
    by_method = Counter(item.method for item in stored.values())
    by_unit = Counter(place[label] for label in certified)
    scoped = overview.summary(svc, operator_for(a, b), 2026)
    assert scoped["recipients"] == 36 and scoped["certified"] == 30
    assert {m: n for m, n in scoped["by_method"].items() if n} == dict(by_method)
    assert {line["name"]: line["certified"] for line in scoped["by_region"]} == dict(hand)
    assert {(line["region"], line["name"]): line["certified"] for line in scoped["by_unit"]} == dict(by_unit)
    assert scoped["failed_attempts"] == 12 and scoped["failures_by_reason"] == {"FACE_MISMATCH": 12}
    assert scoped["by_month"][3] == 30

    after = overview.summary(svc, province_admin, 2026)
    assert after["certified"] - before["certified"] == 30
    assert after["failed_attempts"] - before["failed_attempts"] == 12

    # Nothing went to the unsharded items: the region's own scope is empty, the province scope
    # holds no counter of these regions; the shards used are many.
    assert list(StatsTable.query(stats.year_scope(2026, a), consistent_read=True)) == []
    province_base = {item.metric for item in StatsTable.query(stats.year_scope(2026), consistent_read=True)}
    assert not {m for m in province_base if a in m or b in m}
    used = [shard for shard in range(stats.COUNTER_SHARDS)
            if list(StatsTable.query(stats.shard_scope(stats.year_scope(2026, a), shard), consistent_read=True))]
    assert len(used) >= 5
