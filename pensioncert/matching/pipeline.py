"""A feed folder through the whole job, locally: the registry snapshot dumped from the emulator,
the matching job on DuckDB (or Spark), the decisions written back. `make import-events FILE=<feed
folder>` runs it; deployed, the state machine runs the same three steps (infra/matching_site.py).

The work folder keeps each step's output, so the same command run again after a crash goes
straight to the write-back, which skips the chunks its ledger holds."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pensioncert.matching import snapshot, write_back
from pensioncert.matching.engines import JobInputs, JobSummary, run_duckdb, run_spark, spark_session, summarize
from pensioncert.matching.job import MatchParams


@dataclass
class MatchReport:
    work: str
    people: int = 0
    job: JobSummary = field(default_factory=JobSummary)
    write_back: write_back.WriteBackReport = field(default_factory=write_back.WriteBackReport)
    seconds: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"work": self.work, "people": self.people, "job": self.job.as_dict(),
                "write_back": self.write_back.as_dict(), "seconds": self.seconds}


def match_feed(feed: Path, work: Path, *, year: int, today: date, engine: str = "duckdb", workers: int = 2,
               regions: tuple[str, ...] | None = None) -> MatchReport:
    report = MatchReport(str(work))
    decisions = work / "decisions"
    if not (decisions / write_back.PLAN).exists():
        started = time.monotonic()
        report.people, _ = snapshot.dump(work / "snapshot", year=year, today=today)
        report.seconds["snapshot"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        inputs, params = JobInputs(feed, work / "snapshot"), MatchParams(year, today, regions)
        if engine == "spark":
            spark = spark_session()
            try:
                run_spark(spark, inputs, decisions, params)
            finally:
                spark.stop()
        else:
            run_duckdb(inputs, decisions, params)
        report.seconds["job"] = round(time.monotonic() - started, 2)
        write_back.plan(decisions, year)
    report.job = summarize(decisions)
    started = time.monotonic()
    report.write_back = write_back.write_back(decisions, workers=workers)
    report.seconds["write_back"] = round(time.monotonic() - started, 2)
    return report
