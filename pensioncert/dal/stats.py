"""Dashboard counters: which items a write moves, and reading a scope's counters back.

A writer adds ``counter_updates(...)`` to the DynamoDB transaction of the write it counts, so a
counter never drifts from the data: the write and its count land together or not at all. A
dashboard then reads a handful of items per scope instead of scanning tables.
"""
from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from pensioncert.dal.admin_tables import StatsTable

PROVINCE = "province"
RECIPIENT = "recipient"


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


def add_to_transaction(transaction, deltas: Counter) -> None:
    for (scope, metric), amount in sorted(deltas.items()):
        transaction.update(StatsTable(scope, metric), actions=[StatsTable.value.add(amount)])


@contextlib.contextmanager
def transact_write():
    """A TransactWrite for a write and its counters."""
    with TransactWrite(connection=connection()) as transaction:
        yield transaction


def connection() -> Connection:
    meta = StatsTable.Meta
    return Connection(region=meta.region, host=meta.host, max_retry_attempts=meta.max_retry_attempts)


def read_scope(scope: str) -> dict[str, int]:
    """Every counter of a scope: one query (paged by DynamoDB past 1 MB)."""
    return {item.metric: int(item.value or 0) for item in StatsTable.query(scope, consistent_read=True)}


def read_scopes(scopes: Iterable[str]) -> dict[str, int]:
    """The sum of several scopes' counters (an operator with more than one region)."""
    total: Counter = Counter()
    for scope in scopes:
        total.update(read_scope(scope))
    return dict(total)
