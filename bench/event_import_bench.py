"""The CSV path of the event import (`make import-events FILE=events.csv`, the admin's 数据比对
upload: ``logic.event_import.import_events``) against an emulator of its own: rows per second and
DynamoDB calls per row for three files over the same P registry people:

1. ``fresh``: N new rows (rides and settlements of this year): most rows record or certify;
2. ``re-run``: the same file again: every row ``unchanged``;
3. ``month``: N more new rows about the same people, most of them certified by then (the usual month).

``--batch-rows 1`` runs the same code one row per batch (the row-by-row path); without it the
module's ``BATCH_ROWS``. ``--before REV`` also runs that revision's ``event_import.py`` (loaded from
git beside today's, on the same dal) over a second set of P people in the same emulator, the two
taking turns file by file, so that a load on the machine weighs on both alike. The emulator (moto, one Python process) is far slower than DynamoDB: the
times are an upper bound, the calls per row are what AWS bills.
Run: .venv/bin/python bench/event_import_bench.py [--rows 600] [--people 150] [--batch-rows N] [--before REV]
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import inspect
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

CALLS: collections.Counter = collections.Counter()
SECONDS: collections.Counter = collections.Counter()  # time waiting on the emulator, by operation


def count_dynamodb_calls() -> None:
    from pynamodb.connection.base import Connection

    original = Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        CALLS[operation_name] += 1
        started = time.perf_counter()
        try:
            return original(self, operation_name, operation_kwargs)
        finally:
            SECONDS[operation_name] += time.perf_counter() - started

    Connection._make_api_call = counting


def module_at(revision: str, folder: Path):
    """``pensioncert/logic/event_import.py`` as it was at ``revision``, as a module of its own."""
    source = subprocess.run(["git", "show", f"{revision}:pensioncert/logic/event_import.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    path = folder / "event_import_before.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("event_import_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=600)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--batch-rows", type=int, default=0, help="rows per batch (default: the module's)")
    parser.add_argument("--before", default="", help="a git revision whose import runs too, in turns")
    args = parser.parse_args()

    from events_bench import people_csv, write_events
    from support import free_port

    from localstage import devstack

    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        from pensioncert.clock import BEIJING, FakeClock
        from pensioncert.logic import event_import
        from pensioncert.logic.registry_import import import_registry
        from pensioncert.services import services

        svc = services()
        svc.clock = FakeClock(datetime(2026, 6, 30, 10, tzinfo=BEIJING))
        options = {}
        if args.batch_rows:
            assert "batch_rows" in inspect.signature(event_import.import_events).parameters, "no batch_rows here"
            options["batch_rows"] = args.batch_rows
        count_dynamodb_calls()
        today = svc.clock.now().astimezone(BEIJING).date()
        with tempfile.TemporaryDirectory() as folder:
            runs = [("now", event_import, options)]
            if args.before:
                runs.append((args.before, module_at(args.before, Path(folder)), {}))
            files = []
            for number, (name, module, _) in enumerate(runs):
                sheet, people = people_csv(args.people, "基准市")
                started = time.perf_counter()
                assert import_registry(svc, sheet, None, None).errors == []
                print(f"{name}: {args.people} people in {time.perf_counter() - started:.1f} s; "
                      f"rows per batch {options.get('batch_rows') or getattr(module, 'BATCH_ROWS', '?')}")
                fresh, month = Path(folder) / f"fresh{number}.csv", Path(folder) / f"month{number}.csv"
                for path, seed in ((fresh, 7), (month, 8)):
                    # The same rows for each set of people, under references of its own.
                    write_events(path, args.rows, people, today, seed=seed)
                    path.write_text(path.read_text(encoding="utf-8").replace(f",B{seed}-", f",B{seed}r{number}-"),
                                    encoding="utf-8")
                files.append((("fresh", fresh), ("re-run", fresh), ("month", month)))
            for step in range(3):
                # Each file in turns, the first to go alternating: a load on the machine weighs on both.
                order = list(enumerate(runs))
                for number, (name, module, kwargs) in order if step % 2 == 0 else order[::-1]:
                    label, path = files[number][step]
                    measure(svc, module, name, label, path, args.rows, kwargs)


def measure(svc, module, name: str, label: str, path: Path, rows: int, options: dict) -> None:
    CALLS.clear()
    SECONDS.clear()
    started = time.perf_counter()
    with path.open(encoding="utf-8-sig", newline="") as stream:
        report = module.import_events(svc, stream, file=path.name, **options)
    elapsed = time.perf_counter() - started
    calls = sum(CALLS.values())
    print(f"{name:8s} {label:7s} {rows} rows in {elapsed:6.1f} s = {rows / elapsed:6.1f} rows/s; "
          f"written {report.written} unchanged {report.unchanged} errors {report.error_count}; "
          f"outcomes {dict(sorted(report.outcomes.items()))}")
    print(f"{'':17s}DynamoDB calls {calls} = {calls / rows:.2f}/row: {dict(sorted(CALLS.items()))}")
    print(f"{'':17s}seconds in them {sum(SECONDS.values()):.1f}: "
          f"{ {operation: round(seconds, 1) for operation, seconds in sorted(SECONDS.items())} }")


if __name__ == "__main__":
    main()
