"""Data matching at scale (issue 13), against an emulator of its own:

1. the event import: N synthetic rows (a CSV written to disk, streamed back by the same
   ``import_events`` as `make import-events`) over P registry people: rows per second, the per-row
   cost (wall time, DynamoDB calls), the Python heap's peak (tracemalloc) and the process's peak
   RSS: both must stay flat as N grows (run two sizes to see it);
2. the jobs: the reminder run and the suspension run over 2 x P recipients (one region with the
   events above, one region without any: all uncertified), and their DynamoDB calls and wall time
   extrapolated to 100,000 recipients.

The emulator (moto, one process, Python) is far slower than DynamoDB, so the times are an upper
bound for the code path; the calls per row and per recipient are what AWS bills.
Run: .venv/bin/python bench/events_bench.py [--rows 20000] [--people 1000]
"""
from __future__ import annotations

import argparse
import collections
import csv
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

CALLS: collections.Counter = collections.Counter()


def count_dynamodb_calls() -> None:
    from pynamodb.connection.base import Connection

    original = Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        CALLS[operation_name] += 1
        return original(self, operation_name, operation_kwargs)

    Connection._make_api_call = counting


def people_csv(count: int, region: str) -> tuple[str, list[tuple[str, str]]]:
    from support import unique_id_number

    people = [(unique_id_number(1940 + i % 20), "张" + "伟芳敏静丽强磊军洋勇"[i % 10] + "华") for i in range(count)]
    rows = "".join(f"{number},{name},{region},本单位,recipient,,,\n" for number, name in people)
    return "id_number,name,region,unit,status,card_status,card_password,photo\n" + rows, people


def write_events(path: Path, rows: int, people, today: date, seed: int = 13) -> None:
    """Mostly rides and settlements, as the feeds of a month are; dated this year."""
    rng = random.Random(seed)
    kinds = ["transit_ride"] * 6 + ["medical_settlement"] * 2 + ["bank_counter", "civil_affairs_visit"]
    start = date(today.year, 1, 1)
    span = max((today - start).days, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id_number", "name", "event_type", "event_date", "source", "source_ref"])
        for n in range(rows):
            number, name = people[rng.randrange(len(people))]
            day = start + timedelta(days=rng.randint(0, span))
            writer.writerow([number, name, kinds[rng.randrange(len(kinds))], day.isoformat(), "西安公交集团",
                             f"B{seed}-{n:09d}"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()

    from support import free_port

    from localstage import devstack

    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        from pensioncert.clock import BEIJING, FakeClock
        from pensioncert.jobs import reminders, suspensions
        from pensioncert.logic.event_import import import_events
        from pensioncert.logic.registry_import import import_registry
        from pensioncert.services import services

        svc = services()
        region = "基准市"
        svc.clock = FakeClock(datetime(2026, 6, 30, 10, tzinfo=BEIJING))
        sheet, people = people_csv(args.people, region)
        started = time.perf_counter()
        assert import_registry(svc, sheet, None, None).errors == []
        # A second region without any event: its recipients are all uncertified for the jobs.
        quiet = "基准市二"
        assert import_registry(svc, people_csv(args.people, quiet)[0], None, None).errors == []
        print(f"registry: 2 x {args.people} people imported in {time.perf_counter() - started:.1f} s")

        count_dynamodb_calls()
        today = svc.clock.now().astimezone(BEIJING).date()
        with tempfile.TemporaryDirectory() as folder:
            # A warm-up file first (clients, modules, models loaded), then two sizes: the heap's
            # peak of the larger must be that of the smaller if memory does not grow with the file.
            for rows, seed in ((min(100, args.rows), 1), (args.rows // 3, 2), (args.rows, 3)):
                path = Path(folder) / f"events{seed}.csv"
                write_events(path, rows, people, today, seed)
                size = path.stat().st_size
                tracemalloc.start()
                CALLS.clear()
                started = time.perf_counter()
                with path.open(encoding="utf-8-sig", newline="") as stream:
                    report = import_events(svc, stream, file=path.name)
                elapsed = time.perf_counter() - started
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                calls = sum(CALLS.values())
                print(f"import: {rows} rows ({size / 1e6:.2f} MB) in {elapsed:.1f} s = {rows / elapsed:.1f} rows/s, "
                      f"{1000 * elapsed / rows:.1f} ms/row; errors {report.error_count}; outcomes {report.outcomes}")
                print(f"  DynamoDB calls {calls} = {calls / rows:.2f}/row: {dict(CALLS)}")
                print(f"  Python heap peak {peak / 1e6:.2f} MB; process peak RSS "
                      f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        print(f"  1,000,000 rows at the last rate: {1e6 / (rows / elapsed) / 3600:.1f} h on this emulator")

        # Jobs over the region's recipients: ~ half are certified by the events above.
        for name, clock, run in (
            ("reminders (60-day point)", datetime(2026, 11, 1, 9, tzinfo=BEIJING), reminders.run),
            ("suspensions (due date)", datetime(2027, 1, 1, 2, tzinfo=BEIJING),
             lambda s, **kw: suspensions.run(s, year=2026, **kw)),
        ):
            svc.clock = FakeClock(clock)
            CALLS.clear()
            started = time.perf_counter()
            result = run(svc, only_regions=[region, quiet])
            elapsed = time.perf_counter() - started
            calls = sum(CALLS.values())
            scale = 100_000 / (2 * args.people)
            print(f"{name}: {2 * args.people} recipients in {elapsed:.2f} s; DynamoDB calls {dict(CALLS)}; "
                  f"{result.as_dict()}")
            print(f"  per 100,000 recipients: {elapsed * scale:.0f} s here, {calls * scale:,.0f} calls")


if __name__ == "__main__":
    main()
