"""Dashboard counters: which items a write moves, and reading a scope's counters back.

A writer adds ``counter_updates(...)`` to the DynamoDB transaction of the write it counts, so a
counter never drifts from the data: the write and its count land together or not at all. A
dashboard then reads a handful of items per scope instead of scanning tables.

Every counter is split into ``COUNTER_SHARDS`` items: a transaction adds to the shard it draws at
random (``<scope>#shard#NN``), a read sums the scope's shards (and the unsharded scope itself,
where counters written before sharding and the overseas region markers live). Without shards
every certification of the province updated the same nine province- and region-wide items in its
transaction; two transactions on one item at the same moment cancel one of them
(TransactionConflict), so at the season's peak the hot items, not DynamoDB's capacity, set the
pace. bench/counters_bench.py models it with the real items each write touches.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from pensioncert.dal.admin_tables import StatsTable

PROVINCE = "province"
RECIPIENT = "recipient"
# 32 shards, from bench/counters_bench.py (a model of DynamoDB's conflict rule with the items the
# code writes; 25 ms per transaction assumed): at 100 certifications/s, well above a province's
# first-week peak, 8.1 % of certifications meet a conflict and retry (p99 +48 ms, none gives up),
# against 97.5 % with one item per counter, where 3 536 of 6 082 gave up after 20 retries; at
# 25/s it is 2.4 % against 64.4 %. Raising it later is safe (reads sum every shard up to the
# constant); lowering it would hide the upper shards' counts.
COUNTER_SHARDS = 32
# A scope's 1 + COUNTER_SHARDS partitions are queried this many at a time.
READ_THREADS = 8


def year_scope(year: int, region: str | None = None) -> str:
    return f"{year}#region#{region}" if region else f"{year}#{PROVINCE}"


def registry_scope(region: str | None = None) -> str:
    return f"registry#region#{region}" if region else f"registry#{PROVINCE}"


def unit_metric(prefix: str, region: str, unit: str) -> str:
    return f"{prefix}#unit#{region}#{unit}"


def certification_deltas(year: int, region: str, unit: str, method: str, month: str) -> Counter:
    """The counters one stored certification moves (province and its region)."""
    deltas: Counter = Counter()
    for scope in (year_scope(year), year_scope(year, region)):
        deltas[(scope, "certified")] += 1
        deltas[(scope, f"certified#method#{method}")] += 1
        deltas[(scope, f"certified#month#{month}")] += 1
        deltas[(scope, unit_metric("certified", region, unit))] += 1
    deltas[(year_scope(year), f"certified#region#{region}")] += 1
    return deltas


def failure_deltas(year: int, region: str | None, reason: str) -> Counter:
    deltas: Counter = Counter()
    scopes = [year_scope(year)] + ([year_scope(year, region)] if region else [])
    for scope in scopes:
        deltas[(scope, "failed")] += 1
        deltas[(scope, f"failed#{reason}")] += 1
    return deltas


def recipient_deltas(before: tuple[str, str] | None, after: tuple[str, str] | None) -> Counter:
    """A registry row moving from (region, unit) ``before`` to ``after`` as a counted recipient
    (None: not a recipient); returns the net change of every counter it touches."""
    deltas: Counter = Counter()
    for place, sign in ((before, -1), (after, +1)):
        if place is None:
            continue
        region, unit = place
        for scope in (registry_scope(), registry_scope(region)):
            deltas[(scope, "recipients")] += sign
            deltas[(scope, unit_metric("recipients", region, unit))] += sign
        deltas[(registry_scope(), f"recipients#region#{region}")] += sign
    return Counter({key: value for key, value in deltas.items() if value})


def counted_place(status: str | None, corrected_status: str | None, region: str | None,
                  unit: str | None) -> tuple[str, str] | None:
    """Where a registry record counts as a recipient: a scheduled status correction counts at
    once (the record's effective status from its effective date; the counters do not wait)."""
    if (corrected_status or status) == RECIPIENT and region and unit:
        return (region, unit)
    return None


def shard_scope(scope: str, shard: int) -> str:
    return f"{scope}#shard#{shard:02d}"


def add_to_transaction(transaction, deltas: Counter, shard: int | None = None) -> None:
    """Add ``deltas`` to one shard of each counter, drawn at random for the transaction (one draw
    for all its counters: a retry of the transaction draws again)."""
    shard = random.randrange(COUNTER_SHARDS) if shard is None else shard
    for (scope, metric), amount in sorted(deltas.items()):
        transaction.update(StatsTable(shard_scope(scope, shard), metric), actions=[StatsTable.value.add(amount)])


def read_scope(scope: str) -> dict[str, int]:
    """Every counter of a scope, summed over its shards: 1 + COUNTER_SHARDS queries of small
    partitions (each paged by DynamoDB past 1 MB), READ_THREADS at a time."""
    def partition(key: str) -> list[tuple[str, int]]:
        return [(item.metric, int(item.value or 0)) for item in StatsTable.query(key, consistent_read=True)]

    keys = [scope, *(shard_scope(scope, shard) for shard in range(COUNTER_SHARDS))]
    total: Counter = Counter()
    with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
        for rows in pool.map(partition, keys):
            for metric, value in rows:
                total[metric] += value
    return dict(total)


def read_scopes(scopes: Iterable[str]) -> dict[str, int]:
    """The sum of several scopes' counters (an operator with more than one region)."""
    total: Counter = Counter()
    for scope in scopes:
        total.update(read_scope(scope))
    return dict(total)
