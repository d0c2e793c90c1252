"""Transaction conflicts on the dashboard counters at the season's peak: one item per counter
against COUNTER_SHARDS shards, in a model of DynamoDB's conflict rule (the emulator serialises
requests, so it never shows a conflict).

The model: certifications arrive at random (Poisson) at RATE per second. Each is one
TransactWriteItems over the items the code really writes: its certification item and the counter
items ``stats.certification_deltas`` gives, passed through ``stats.add_to_transaction`` (so the
shard draw is the code's own). A transaction holds its items for DURATION (uniform 0.5x-1.5x);
DynamoDB cancels a transaction that touches an item another transaction holds (TransactionConflict),
and the code (``dal.certifications._transact``, through ``dal.transactions.retry_conflicts``)
retries after ``dal.transactions.conflict_pause``, uniform(5, 50 ms) x the attempt number, at most
``_CONFLICT_RETRIES`` times. People are spread over 10 regions (the capital a third), 40 units
each, 90 % by app.

Prints, per rate and layout: transactions, conflicts, retries, share of certifications that met
at least one conflict, given up, and the added wait (p50/p99). Asserts nothing.
Run: .venv/bin/python bench/counters_bench.py [--seconds 60] [--duration-ms 25] [--rates 50,100,200,400]
"""
from __future__ import annotations

import argparse
import heapq
import random
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pensioncert.dal import stats
from pensioncert.dal.certifications import _CONFLICT_RETRIES

REGIONS = [("西安市", 10)] + [(f"地市{n}", 2) for n in range(9)]  # the capital ~ a third
UNITS = 40
METHODS = [("app", 90), ("proxy_app", 6), ("home_visit", 3), ("agency", 1)]


class _Recorder:
    """Stands in for a TransactWrite: records the keys the code would update."""

    def __init__(self) -> None:
        self.keys: list[tuple[str, str]] = []

    def update(self, item, actions=None, condition=None) -> None:
        self.keys.append((item.scope, item.metric))


def _pick(weighted, rng):
    names, weights = zip(*weighted)
    return rng.choices(names, weights)[0]


def items_of(n: int, shards: int, rng: random.Random) -> frozenset:
    """The items certification n's transaction touches, with a fresh shard draw."""
    region = _pick(REGIONS, rng)
    deltas = stats.certification_deltas(2027, region, f"单位{rng.randrange(UNITS)}", _pick(METHODS, rng), "01")
    recorder = _Recorder()
    stats.add_to_transaction(recorder, deltas, shard=rng.randrange(shards))
    return frozenset([("certification", str(n)), *recorder.keys])


def backoff(attempt: int, rng: random.Random) -> float:
    """dal.transactions.conflict_pause before retry ``attempt`` (1-based), from the bench's seeded ``rng``."""
    return rng.uniform(0.005, 0.05) * attempt


def simulate(rate: float, seconds: float, duration: float, shards: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    events: list = []
    t, n = 0.0, 0
    while True:
        t += rng.expovariate(rate)
        if t > seconds:
            break
        heapq.heappush(events, (t, 0, "start", n, 0, t))  # (time, tie, kind, id, attempt, arrived)
        n += 1
    held: Counter = Counter()
    holding: dict[int, frozenset] = {}
    conflicts = retries = given_up = 0
    met_conflict: set[int] = set()
    waits: list[float] = []
    tie = 1
    while events:
        now, _, kind, cid, attempt, arrived = heapq.heappop(events)
        if kind == "end":
            for item in holding.pop(cid):
                held[item] -= 1
            continue
        items = items_of(cid, shards, rng)  # each attempt draws its shard again, as the code does
        if any(held[item] for item in items):
            conflicts += 1
            met_conflict.add(cid)
            if attempt == _CONFLICT_RETRIES:
                given_up += 1
                continue
            retries += 1
            heapq.heappush(events, (now + backoff(attempt + 1, rng), tie, "start", cid, attempt + 1, arrived))
            tie += 1
            continue
        for item in items:
            held[item] += 1
        holding[cid] = items
        waits.append(now - arrived)
        heapq.heappush(events, (now + duration * rng.uniform(0.5, 1.5), tie, "end", cid, attempt, arrived))
        tie += 1
    waits.sort()
    return {"transactions": n, "conflicts": conflicts, "retries": retries,
            "met_conflict_pct": 100 * len(met_conflict) / max(n, 1), "given_up": given_up,
            "wait_p50_ms": 1000 * statistics.median(waits) if waits else 0.0,
            "wait_p99_ms": 1000 * waits[int(0.99 * (len(waits) - 1))] if waits else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--duration-ms", type=float, default=25, help="time a transaction holds its items")
    parser.add_argument("--rates", default="25,50,100,200", help="certifications per second")
    parser.add_argument("--shards", default=f"1,{stats.COUNTER_SHARDS}",
                        help="layouts to compare (1: one item per counter, as before sharding)")
    args = parser.parse_args(argv)
    duration = args.duration_ms / 1000
    print(f"model: {args.seconds:.0f} s of Poisson arrivals, each transaction holds its items "
          f"{args.duration_ms:.0f} ms (x0.5-1.5), retries as dal.certifications (max {_CONFLICT_RETRIES})")
    print(f"{'rate/s':>7} {'layout':>16} {'txns':>7} {'conflicts':>9} {'retries':>8} "
          f"{'met≥1 %':>8} {'gave up':>7} {'wait p50 ms':>11} {'wait p99 ms':>11}")
    for rate in (float(r) for r in args.rates.split(",")):
        for shards in (int(n) for n in args.shards.split(",")):
            label = "one item" if shards == 1 else f"{shards} shards"
            r = simulate(rate, args.seconds, duration, shards)
            print(f"{rate:7.0f} {label:>16} {r['transactions']:7d} {r['conflicts']:9d} {r['retries']:8d} "
                  f"{r['met_conflict_pct']:8.1f} {r['given_up']:7d} {r['wait_p50_ms']:11.1f} {r['wait_p99_ms']:11.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
