"""The two engines that run ``job.steps`` unchanged: DuckDB (embedded: `make import-events`, the
admin upload, small agencies) and Spark (Glue / EMR Serverless deployed; local mode in the tests
and the bench). Each reads the feed folder and the snapshot files, builds the job's views in order
and writes the outputs (formats.OUTPUTS) as Parquet into ``out``."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pensioncert.matching import formats
from pensioncert.matching.job import MATERIALISED, OUTPUT_VIEWS, MatchParams, steps


@dataclass(frozen=True)
class JobInputs:
    feed: Path | str      # the hive-partitioned feed folder (Spark on Glue: an s3:// prefix)
    snapshot: Path | str  # the folder holding registry.parquet and certifications.parquet


@dataclass
class JobSummary:
    decisions: Counter = field(default_factory=Counter)
    rejects: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"decisions": dict(sorted(self.decisions.items())), "rejects": dict(sorted(self.rejects.items()))}


def summarize(out: Path) -> JobSummary:
    """Decisions by kind and rejects by reason, read from the written outputs (either engine's)."""
    import pyarrow.parquet as pq

    def counts(file_name: str, column: str) -> Counter:
        values = pq.read_table(out / file_name, columns=[column])[column].value_counts().to_pylist()
        return Counter({value["values"]: value["counts"] for value in values})

    return JobSummary(counts(formats.DECISIONS, "decision"), counts(formats.REJECTS, "reason"))


def run_duckdb(inputs: JobInputs, out: Path, params: MatchParams, **settings) -> JobSummary:
    """``settings``: DuckDB's ``threads``, ``memory_limit``, ``temp_directory`` (the bench sets them)."""
    run_duckdb_steps(inputs, out, steps(params), OUTPUT_VIEWS, **settings)
    return summarize(out)


def run_duckdb_steps(inputs: JobInputs, out: Path, job_steps: list[tuple[str, str]], outputs: dict[str, str], *,
                     threads: int | None = None, memory_limit: str | None = None,
                     temp_directory: Path | None = None, with_feed: bool = True) -> None:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        if temp_directory:
            con.execute(f"SET temp_directory = '{temp_directory}'")
        con.execute("SET preserve_insertion_order = false")
        if with_feed:
            con.execute(f"""CREATE VIEW feed AS SELECT * FROM read_parquet('{inputs.feed}/**/*.parquet',
                            hive_partitioning = true, hive_types_autocast = false, union_by_name = true)""")
        con.execute(f"CREATE VIEW registry AS SELECT * FROM read_parquet('{_under(inputs.snapshot, 'registry.parquet')}')")
        con.execute(f"CREATE VIEW certifications AS SELECT * FROM read_parquet('{_under(inputs.snapshot, 'certifications.parquet')}')")
        for name, select in job_steps:
            kind = "TEMP TABLE" if name in MATERIALISED else "TEMP VIEW"
            con.execute(f"CREATE {kind} {name} AS {select}")
        for file_name, view in outputs.items():
            order = " ORDER BY " + ", ".join(formats.OUTPUT_ORDER[file_name]) if file_name in formats.OUTPUT_ORDER else ""
            con.execute(f"COPY (SELECT * FROM {view}{order}) TO '{out / file_name}' (FORMAT parquet)")


def spark_session(cores: int = 2, memory: str = "2g", shuffle_partitions: int | None = None):
    """A local-mode session (the tests and the bench): no UI, few shuffle partitions, UTC."""
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(f"local[{cores}]").appName("pensioncert-matching")
            .config("spark.ui.enabled", "false").config("spark.driver.memory", memory)
            .config("spark.sql.shuffle.partitions", str(shuffle_partitions or cores))
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            # A short local job: the JVM's quick compiler starts faster than the optimising one.
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
            .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
            .getOrCreate())


def run_spark(spark, inputs: JobInputs, out: Path, params: MatchParams) -> JobSummary:
    """``spark``: a SparkSession (``spark_session()`` locally; Glue's or EMR's deployed)."""
    write_spark(spark, inputs, out, params)
    return summarize(out)


def write_spark(spark, inputs: JobInputs, out: Path | str, params: MatchParams) -> None:
    """The job on Spark, its outputs written under ``out``: a folder, or an ``s3://`` prefix on
    Glue (given as text: a Path would fold its ``//``)."""
    spark.read.parquet(str(inputs.feed)).createOrReplaceTempView("feed")
    spark.read.parquet(_under(inputs.snapshot, "registry.parquet")).createOrReplaceTempView("registry")
    spark.read.parquet(_under(inputs.snapshot, "certifications.parquet")).createOrReplaceTempView("certifications")
    for name, select in steps(params):
        spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {select}")
    for name in MATERIALISED:
        spark.table(name).cache()
    for file_name, view in OUTPUT_VIEWS.items():
        order = list(formats.OUTPUT_ORDER[file_name])
        spark.table(view).orderBy(*order).coalesce(1).write.mode("overwrite").parquet(_under(out, file_name))


def _under(folder: Path | str, name: str) -> str:
    return str(folder / name) if isinstance(folder, Path) else f"{folder.rstrip('/')}/{name}"
