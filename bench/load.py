"""`make bench-load`: a bounded load run on loopback against a stack it starts itself (`make run` on
free ports), plain asyncio + httpx.

N concurrent virtual users, for a fixed time, each picking from a mix of
  phone login (the demo account), card login (imported card holders), this year's status query,
  and a genuine certification: `POST /certify/sessions` (timed as certify_session), then the
  session's drawn challenges answered with a dev-set person's labelled real steps (tests/devset.py)
  and `POST .../complete` (timed as certify), decided by the real vision layer.
Each certification uses a fresh subject (one certification per subject per year), from a pool
imported before the clock starts with that person's dev-set reference frame as registry photo; when
the pool is used up the users go on with the rest of the mix. Prints throughput, p50/p99 per
endpoint and the error count.

    python bench/load.py [--users 8] [--duration 60] [--subjects 30] [--seed 1]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "tests" / "reliability"))
sys.path.insert(0, str(REPO / "layers" / "vision"))

import devset  # noqa: E402
from stackctl import FACE, LocalStack, genuine_steps  # noqa: E402
from support import unique_id_number  # noqa: E402

from localstage import devstack  # noqa: E402

MIX = (("login", 0.40), ("card_login", 0.20), ("status", 0.20), ("certify", 0.20))
EXPECTED = {"login": {200}, "card_login": {200}, "status": {200}, "certify_session": {201}, "certify": {200}}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def virtual_user(client, rng, deadline, state, results):
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    while time.monotonic() < deadline:
        action = rng.choices(names, weights)[0]
        if action == "certify" and not state["subjects"]:
            action = "status"
        try:
            if action == "login":
                started = time.perf_counter()
                response = await client.post("/auth/login", json={"phone": devstack.DEMO_PHONE,
                                                                 "password": devstack.DEMO_PASSWORD})
            elif action == "card_login":
                holder = rng.choice(state["cards"])
                started = time.perf_counter()
                response = await client.post("/auth/card-login", json={"id_number": holder["id"],
                                                                      "card_password": holder["pin"]})
            elif action == "status":
                holder = rng.choice(state["cards"])
                started = time.perf_counter()
                response = await client.get("/query/status?subject=self",
                                            headers={"Authorization": f"Bearer {holder['token']}"})
            else:
                subject = state["subjects"].pop()
                auth = {"Authorization": f"Bearer {subject['token']}"}
                started = time.perf_counter()
                response = await client.post("/certify/sessions", json={"subject": "self"}, headers=auth)
                results["certify_session"].append(((time.perf_counter() - started) * 1000, response.status_code))
                if response.status_code != 201:
                    continue
                session = response.json()
                if not devset.answerable(session["challenges"]):
                    continue  # the dev set answers this draw with one moment twice: opened, not completed
                steps = genuine_steps(session, state["face"])
                started = time.perf_counter()
                response = await client.post(f"/certify/sessions/{session['session_id']}/complete",
                                             json={"steps": steps}, headers=auth)
            elapsed = (time.perf_counter() - started) * 1000
            results[action].append((elapsed, response.status_code))
        except httpx.HTTPError as error:
            results[action].append((float("nan"), repr(error)[:60]))


def prepare(stack: LocalStack, subjects: int, face: str, rng: random.Random) -> dict:
    people = [(unique_id_number(1930 + i % 20), f"{rng.randrange(10**6):06d}") for i in range(subjects)]
    digits = "零一二三四五六七八九"
    rows = "".join(f"{person},压测{''.join(digits[int(d)] for d in f'{i:03d}')},西安市,新城区机关事务中心,"
                   f"recipient,activated,{pin},{face}.jpg\n" for i, (person, pin) in enumerate(people))
    report = stack.import_registry(rows, devset.reference_dir(), timeout=600)
    assert not report.get("errors"), report
    cards, pool = [], []
    for person, pin in people:
        token = stack.card_login(person, pin)
        cards.append({"id": person, "pin": pin, "token": token})
        pool.append({"token": token})
    for challenge in devset.CHALLENGES:  # read and encode the frames before the clock starts
        genuine_steps({"challenges": [challenge]}, face)
    return {"cards": cards, "subjects": pool, "face": face}


async def run(base_url: str, state: dict, users: int, duration: float, seed: int) -> tuple[dict, float]:
    results: dict = defaultdict(list)
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as client:
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(*(virtual_user(client, random.Random(seed + i), deadline, state, results)
                               for i in range(users)))
        wall = time.monotonic() - started
    return results, wall


def report(results: dict, wall: float, users: int) -> dict:
    total = sum(len(samples) for samples in results.values())
    endpoints, errors, server_errors = {}, 0, 0
    for action, samples in sorted(results.items()):
        timings = [ms for ms, status in samples if isinstance(status, int)]
        failed = [status for _, status in samples if status not in EXPECTED[action]]
        errors += len(failed)
        server_errors += sum(1 for status in failed if not isinstance(status, int) or status >= 500)
        endpoints[action] = {
            "requests": len(samples), "per_s": round(len(samples) / wall, 2),
            "p50_ms": round(statistics.median(timings), 1) if timings else None,
            "p99_ms": round(percentile(timings, 0.99), 1) if timings else None,
            "errors": len(failed), "error_statuses": sorted({str(s) for s in failed})[:5],
        }
    return {"users": users, "duration_s": round(wall, 1), "requests": total,
            "throughput_per_s": round(total / wall, 2), "errors": errors, "errors_5xx_or_network": server_errors,
            "endpoints": endpoints}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--subjects", type=int, default=30, help="certifications available to the run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--face", default=FACE, choices=devset.ALL_ACTIONS,
                        help="the dev-set person whose real steps answer every draw")
    args = parser.parse_args(argv)
    if not (1 <= args.users <= 64 and 1 <= args.duration <= 600 and 1 <= args.subjects <= 200):
        parser.error("bounded: 1-64 users, 1-600 s, 1-200 subjects")
    devset.root()  # fail at once, with the reason, if the dev set is not beside the clone
    import build_models

    build_models.build()
    rng = random.Random(args.seed)
    print(f"starting the local stack and importing {args.subjects} card holders with photos...", flush=True)
    with LocalStack() as stack:
        state = prepare(stack, args.subjects, args.face, rng)
        print(f"load: {args.users} users for {args.duration:.0f} s against {stack.base_url}", flush=True)
        results, wall = asyncio.run(run(stack.base_url, state, args.users, args.duration, args.seed))
    summary = report(results, wall, args.users)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"\n{'endpoint':<16}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for action, row in summary["endpoints"].items():
        print(f"{action:<16}{row['requests']:>9}{row['per_s']:>8}{row['p50_ms'] or '-':>9}"
              f"{row['p99_ms'] or '-':>9}{row['errors']:>8}")
    print(f"{'total':<16}{summary['requests']:>9}{summary['throughput_per_s']:>8}{'':>18}{summary['errors']:>8}")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
