"""`make bench-scale` (issue 22): the matching job and the scheduled jobs at a province's size.

    python bench/scale_bench.py [--people 10000000] [--events 30000000] [--spark-events 1000000,3000000]
                                [--spark-people 1000000] [--write-back-sample 1000]
                                [--skip matching,jobs,spark,write-back]

1. DuckDB matching on ``--people`` x ``--events`` (generated once into .cache/bench-scale): wall
   time, the process's peak RSS, decisions per second.
2. The scheduled jobs' "who" (reminders due, suspensions due, counts by region) over the same
   registry snapshot on DuckDB: time and peak RSS.
3. Spark local mode on ``--spark-events`` (``--spark-people`` registry): time, and the outputs
   compared with DuckDB's row for row.
4. Write-back against an emulator of its own of ``--write-back-sample`` certify decisions of the big
   run (or, with ``--write-back-sample 0``, of every decision of a generated registry of
   ``--write-back-people`` imported into it): DynamoDB calls (by operation, transaction items) and
   time per decision, one process.

Each measured step runs in a child process of its own (its peak RSS from wait4). Figures are
printed and kept in .cache/bench-scale/figures.json; README and docs/data_matching.md quote them.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # bench.feed_generator, run as a script
CACHE = REPO / ".cache" / "bench-scale"
YEAR, TODAY = 2026, date(2026, 11, 30)


def child(*args: str) -> tuple[float, float, str]:
    """Runs this file's ``args`` step in a child: (seconds, peak RSS in GB, its stdout). The RSS is
    the child's own (wait4), which Linux starts at the parent's RSS at fork: the driver keeps none of
    the data. Spark's JVM is a grandchild and is not counted."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, cwd=REPO)
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"step {args} failed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024 / 1024, output


def dataset(people: int, events: int, seed: int = 7) -> Path:
    """Generated in a child too: a child's peak RSS counts its parent's at fork, so the driver stays small."""
    folder = CACHE / f"p{people}-e{events}"
    if not (folder / "done").exists():
        seconds, _, _ = child("step-generate", str(folder), str(people), str(events), str(seed))
        (folder / "done").write_text(f"{seconds:.1f}")
    return folder


def step_generate(folder: str, people: str, events: str, seed: str) -> None:
    from bench.feed_generator import generate

    generate(Path(folder), int(people), int(events), year=YEAR, today=TODAY, seed=int(seed))


# --- the steps each child runs ---------------------------------------------------------------

def step_duckdb(folder: str, out: str) -> None:
    from pensioncert.matching.engines import JobInputs, run_duckdb
    from pensioncert.matching.job import MatchParams

    summary = run_duckdb(JobInputs(Path(folder) / "feed", Path(folder)), Path(out), MatchParams(YEAR, TODAY),
                         temp_directory=CACHE / "duckdb-spill", memory_limit="7GB")
    print(json.dumps(summary.as_dict()))


def step_jobs(folder: str, out: str) -> None:
    import pyarrow.parquet as pq

    from pensioncert.matching import scheduled
    from pensioncert.matching.engines import JobInputs, run_duckdb_steps

    run_duckdb_steps(JobInputs(Path(folder) / "feed", Path(folder)), Path(out),
                     scheduled.steps(YEAR, YEAR - 1, date(YEAR, 1, 1)), scheduled.OUTPUT_VIEWS,
                     with_feed=False, temp_directory=CACHE / "duckdb-spill", memory_limit="7GB")
    print(json.dumps({name: pq.read_metadata(Path(out) / name).num_rows for name in scheduled.OUTPUT_VIEWS}))


def step_spark(folder: str, out: str) -> None:
    from pensioncert.matching.engines import JobInputs, run_spark, spark_session
    from pensioncert.matching.job import MatchParams

    spark = spark_session(cores=2, memory="6g", shuffle_partitions=8)
    try:
        summary = run_spark(spark, JobInputs(Path(folder) / "feed", Path(folder)), Path(out), MatchParams(YEAR, TODAY))
    finally:
        spark.stop()
    print(json.dumps(summary.as_dict()))


def write_units(calls: Counter) -> int:
    """DynamoDB's write request units of the counted calls, each item taken as at most 1 KB (a
    certification with its evidence is well under): 1 a plain write, 2 a transaction's item."""
    return (calls["items:PutItem"] + calls["items:UpdateItem"] + calls["items:DeleteItem"]
            + 2 * calls["items:TransactWriteItems"])


def step_write_back(people: str) -> None:
    """A registry of ``people`` generated people imported into an emulator of its own, its feed
    matched against the emulator's dump, the decisions written back by one process."""
    from pynamodb.connection.base import Connection
    from support import free_port

    from bench.feed_generator import generate
    from localstage.devstack import provisioned_emulator
    from pensioncert.logic.registry_import import import_registry
    from pensioncert.matching import snapshot, write_back
    from pensioncert.matching.engines import JobInputs, run_duckdb
    from pensioncert.matching.job import MatchParams
    from pensioncert.services import services

    calls: Counter = Counter()
    original = Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        calls["items:" + operation_name] += len(operation_kwargs.get("TransactItems", [])) or 1
        return original(self, operation_name, operation_kwargs)

    work = CACHE / f"write-back-{people}-{int(time.time())}"
    with provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        svc = services()
        generate(work / "generated", int(people), int(people) * 3, year=YEAR, today=TODAY, seed=23,
                 id_numbers=True, key_of=lambda number: svc.vault.lookup("id", number))
        assert import_registry(svc, (work / "generated" / "registry.csv").read_text(encoding="utf-8"),
                               None, None).errors == []
        snapshot.dump(work / "snapshot", year=YEAR, today=TODAY)
        run_duckdb(JobInputs(work / "generated" / "feed", work / "snapshot"), work / "decisions", MatchParams(YEAR, TODAY))
        write_back.plan(work / "decisions", YEAR, chunk_decisions=500)
        Connection._make_api_call = counting
        started = time.perf_counter()
        report = write_back.write_back(work / "decisions", workers=1)
        elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "outcomes": dict(report.outcomes), "calls": dict(calls),
                      "write_units": write_units(calls)}))


def step_write_back_sample(decisions: str, size: str) -> None:
    """The first ``size`` certify decisions of the big run (no registry read is needed to store a
    certification), written back into an emulator of its own by one process: calls and time per
    decision. The bench's answer when importing a registry of thousands into a loaded emulator
    takes longer than the run may."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from pynamodb.connection.base import Connection
    from support import free_port

    from localstage.devstack import provisioned_emulator
    from pensioncert.matching import formats, write_back

    work = CACHE / f"write-back-sample-{size}-{int(time.time())}"
    work.mkdir(parents=True)
    table = pq.read_table(Path(decisions) / formats.DECISIONS)
    chosen = table.filter(pc.equal(table["decision"], formats.CERTIFY)).slice(0, int(size))
    evidence = pq.read_table(Path(decisions) / formats.EVIDENCE)
    pq.write_table(chosen, work / formats.DECISIONS)
    pq.write_table(evidence.filter(pc.is_in(evidence["subject_key"], chosen["subject_key"])), work / formats.EVIDENCE)
    calls: Counter = Counter()
    original = Connection._make_api_call

    def counting(self, operation_name, operation_kwargs):
        calls[operation_name] += 1
        calls["items:" + operation_name] += len(operation_kwargs.get("TransactItems", [])) or 1
        return original(self, operation_name, operation_kwargs)

    with provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        write_back.plan(work, YEAR, chunk_decisions=500)
        Connection._make_api_call = counting
        started = time.perf_counter()
        report = write_back.write_back(work, workers=1)
        elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "outcomes": dict(report.outcomes), "calls": dict(calls),
                      "write_units": write_units(calls)}))


# --- the driver --------------------------------------------------------------------------------

def same_rows(first: Path, second: Path) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pensioncert.matching import formats

    def rows(folder: Path, file_name: str):
        """Sorted, and with the same plain schema: Spark marks some columns not-null and adds metadata."""
        columns = list(formats.OUTPUT_ORDER[file_name])
        table = pq.read_table(folder / file_name, columns=columns).sort_by([(c, "ascending") for c in columns])
        return table.cast(pa.schema([pa.field(f.name, f.type) for f in table.schema]))

    return {file_name: rows(first, file_name).equals(rows(second, file_name)) for file_name in formats.OUTPUTS}


def main(argv: list[str]) -> int:
    if argv and argv[0].startswith("step-"):
        sys.path.insert(0, str(REPO / "tests"))
        globals()["step_" + argv[0][5:].replace("-", "_")](*argv[1:])
        return 0
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--events", type=int, default=30_000_000)
    parser.add_argument("--spark-people", type=int, default=1_000_000)
    parser.add_argument("--spark-events", default="1000000,3000000")
    parser.add_argument("--write-back-people", type=int, default=2000)
    parser.add_argument("--write-back-sample", type=int, default=1000,
                        help="this many certify decisions of the big run, no registry import; 0: a generated "
                             "registry of --write-back-people imported and all its decisions (slow on the emulator)")
    parser.add_argument("--skip", default="", help="comma-separated: matching, jobs, spark, write-back")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    figures_file = CACHE / "figures.json"
    figures = json.loads(figures_file.read_text()) if figures_file.exists() else {}

    def keep(name: str, value: dict) -> None:
        figures[name] = value
        print(name, json.dumps(value, ensure_ascii=False), flush=True)
        figures_file.write_text(json.dumps(figures, ensure_ascii=False, indent=2))

    if "matching" not in skip or "jobs" not in skip:
        started = time.perf_counter()
        big = dataset(args.people, args.events)
        print(f"data: {args.people} people, {args.events} events ready in {time.perf_counter() - started:.0f} s "
              f"(generated in {(big / 'done').read_text()} s)", flush=True)
    if "matching" not in skip:
        seconds, rss, output = child("step-duckdb", str(big), str(CACHE / "out-duckdb-big"))
        decided = json.loads(output)
        total = sum(decided["decisions"].values())
        keep(f"duckdb_matching_{args.people}x{args.events}", {
            "seconds": round(seconds, 1), "peak_rss_gb": round(rss, 2), "decisions": decided["decisions"],
            "rejects": decided["rejects"], "decisions_per_second": round(total / seconds),
            "events_per_second": round(args.events / seconds)})
    if "jobs" not in skip:
        seconds, rss, output = child("step-jobs", str(big), str(CACHE / "out-jobs-big"))
        keep(f"duckdb_jobs_{args.people}", {"seconds": round(seconds, 1), "peak_rss_gb": round(rss, 2),
                                           "rows": json.loads(output)})
    if "spark" not in skip:
        for events in (int(size) for size in args.spark_events.split(",") if size):
            folder = dataset(args.spark_people, events, seed=9)
            duck_seconds, duck_rss, _ = child("step-duckdb", str(folder), str(folder / "out-duckdb"))
            seconds, rss, _ = child("step-spark", str(folder), str(folder / "out-spark"))
            keep(f"spark_local_{args.spark_people}x{events}", {
                "spark_seconds": round(seconds, 1), "spark_driver_memory": "6g (local mode: one JVM)",
                "duckdb_seconds": round(duck_seconds, 1), "duckdb_peak_rss_gb": round(duck_rss, 2),
                "same_rows_as_duckdb": same_rows(folder / "out-duckdb", folder / "out-spark")})
    if "write-back" not in skip:
        if args.write_back_sample:
            output = child("step-write-back-sample", str(CACHE / "out-duckdb-big"), str(args.write_back_sample))[2]
        else:
            output = child("step-write-back", str(args.write_back_people))[2]
        result = json.loads(output)
        decisions = sum(value for key, value in result["outcomes"].items())
        calls = {k: v for k, v in result["calls"].items() if not k.startswith("items:")}
        items = {k[6:]: v for k, v in result["calls"].items() if k.startswith("items:")}
        keep(f"write_back_{decisions}_decisions", {
            "seconds": round(result["seconds"], 1), "decisions": decisions, "outcomes": result["outcomes"],
            "calls": calls, "items_written_or_read": items,
            "calls_per_decision": round(sum(calls.values()) / decisions, 2),
            "ms_per_decision": round(1000 * result["seconds"] / decisions, 1)})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
