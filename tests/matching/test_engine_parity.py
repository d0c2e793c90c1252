"""One job, two engines (issue 22): a generated feed (duplicates, outsiders, bad rows) gives the
same decisions, evidence and rejects on DuckDB and on Spark in local mode, row for row. The feed
is kept small: Spark's start dominates the time."""
from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from matching_support import TODAY

from bench.feed_generator import generate
from pensioncert.matching import formats
from pensioncert.matching.engines import JobInputs, run_duckdb, run_spark, spark_session
from pensioncert.matching.job import MatchParams


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("parity")
    generate(root, 400, 2500, year=TODAY.year, today=TODAY, seed=11)
    inputs, params = JobInputs(root / "feed", root), MatchParams(TODAY.year, TODAY)
    run_duckdb(inputs, root / "duckdb", params)
    spark = spark_session(cores=1)
    try:
        run_spark(spark, inputs, root / "spark", params)
    finally:
        spark.stop()
    return root


def rows(path, file_name):
    table = pq.read_table(path / file_name)
    return sorted(tuple(row[column] for column in formats.OUTPUT_ORDER[file_name]) for row in table.to_pylist())


@pytest.mark.parametrize("file_name", formats.OUTPUTS)
def test_both_engines_write_the_same_rows(outputs, file_name):
    duckdb_rows = rows(outputs / "duckdb", file_name)
    assert duckdb_rows  # the generated feed exercises every output
    assert rows(outputs / "spark", file_name) == duckdb_rows


def test_the_generated_feed_reaches_every_kind_of_decision(outputs):
    decided = {row[1] for row in rows(outputs / "duckdb", formats.DECISIONS)}
    assert decided == set(formats.DECISION_KINDS)
