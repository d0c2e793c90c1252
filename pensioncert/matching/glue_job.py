"""The matching job on AWS Glue (Spark): the script the deployed Glue job runs (infra/package.py
uploads this file as the job's script and the ``pensioncert`` package as its ``--extra-py-files``;
infra/matching_site.py). The same three steps as ``pipeline.match_feed`` locally, over S3:

1. the snapshot: the registry and certifications tables' exports to S3 (DynamoDB JSON, written
   by the state machine's ``ExportTableToPointInTime`` step) read into the same table classes and
   kept as the same rows as the local dump (snapshot.registry_row / certification_row);
2. the job (job.py) on Spark, its outputs under ``<run>/decisions/``;
3. the plan: the decisions split into JSON chunks of 1,000 with the ``chunks.json`` manifest
   (write_back.plan, ``as_json``), which the state machine's distributed map hands, one chunk per
   invocation, to the write-back Lambda (handler.py).

Arguments (Glue passes them as ``--name value``; its own ``--JOB_ID`` etc. are ignored):
``--feed s3://…/feed/ --registry_export s3://…/exports/<execution>/registry/
--certifications_export s3://…/exports/<execution>/certifications/ --run s3://…/runs/<execution>/
[--today YYYY-MM-DD]`` (default: today in Beijing).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

# Where DynamoDB's export writes its data files under the requested prefix.
EXPORT_DATA = "AWSDynamoDB/*/data/*.json.gz"
SPARK_TYPES = {"string": "string", "date32[day]": "date", "int32": "int", "bool": "boolean"}


def spark_schema(arrow_schema) -> str:
    """formats.py's schema (pyarrow) as Spark's DDL, so the two never differ."""
    return ", ".join(f"{field.name} {SPARK_TYPES[str(field.type)]}" for field in arrow_schema)


def registry_rows(lines, day: str):
    """Exported registry items (DynamoDB JSON lines) → snapshot rows current on ``day``."""
    from pensioncert.dal.snapshots import REGISTRY_ATTRIBUTES
    from pensioncert.dal.tables import RegistryPersonTable
    from pensioncert.matching.snapshot import registry_row

    for line in lines:
        raw = json.loads(line)["Item"]
        item = RegistryPersonTable.from_raw_data({name: raw[name] for name in REGISTRY_ATTRIBUTES if name in raw})
        if (row := registry_row(item, day)) is not None:
            yield row


def certification_rows(lines, year: int):
    from pensioncert.dal.tables import CertificationTable
    from pensioncert.matching.snapshot import certification_row

    for line in lines:
        raw = json.loads(line)["Item"]
        item = CertificationTable.from_raw_data(
            {name: raw[name] for name in ("subject_key", "year", "method", "counters_pending") if name in raw})
        if int(item.year) == year:
            yield certification_row(item)


def _bucket_and_key(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key.rstrip("/")


def run(spark, s3, *, feed: str, registry_export: str, certifications_export: str, run: str, today: date) -> int:
    """Returns the number of chunks planned."""
    from pensioncert.matching import formats, write_back
    from pensioncert.matching.engines import JobInputs, write_spark
    from pensioncert.matching.job import MatchParams
    from pensioncert.rules.certification import certification_year

    year = certification_year(datetime(today.year, today.month, today.day, 12, tzinfo=_beijing()))
    day = today.strftime("%Y%m%d")
    run = run.rstrip("/")
    snapshot = f"{run}/snapshot"
    lines = spark.sparkContext.textFile(f"{registry_export.rstrip('/')}/{EXPORT_DATA}")
    spark.createDataFrame(lines.mapPartitions(lambda part: registry_rows(part, day)),
                          spark_schema(formats.REGISTRY_SCHEMA)).write.mode("overwrite").parquet(f"{snapshot}/registry.parquet")
    lines = spark.sparkContext.textFile(f"{certifications_export.rstrip('/')}/{EXPORT_DATA}")
    spark.createDataFrame(lines.mapPartitions(lambda part: certification_rows(part, year)),
                          spark_schema(formats.CERTIFICATIONS_SCHEMA)).write.mode("overwrite").parquet(
        f"{snapshot}/certifications.parquet")
    write_spark(spark, JobInputs(feed, snapshot), f"{run}/decisions", MatchParams(year, today))

    bucket, prefix = _bucket_and_key(f"{run}/decisions")
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp)
        for name in (formats.DECISIONS, formats.EVIDENCE):
            listing = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/{name}/")
            for page in listing:
                for entry in page.get("Contents", []):
                    if entry["Key"].endswith(".parquet"):
                        target = local / name / entry["Key"].rsplit("/", 1)[1]
                        target.parent.mkdir(parents=True, exist_ok=True)
                        s3.download_file(bucket, entry["Key"], str(target))
        count = write_back.plan(local, year, as_json=True)
        files = sorted((local / write_back.CHUNKS).glob("*.json"))
        with ThreadPoolExecutor(16) as pool:  # ~10,000 small objects for 10 M decisions
            list(pool.map(lambda path: s3.upload_file(str(path), bucket, f"{prefix}/{write_back.CHUNKS}/{path.name}"),
                          files))
        # The manifest last: the map starts only from a complete plan.
        for name in (write_back.PLAN, write_back.MANIFEST):
            s3.upload_file(str(local / name), bucket, f"{prefix}/{name}")
    return count


def _beijing():
    from pensioncert.clock import BEIJING

    return BEIJING


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="the matching job on Glue")
    for name in ("--feed", "--registry_export", "--certifications_export", "--run"):
        parser.add_argument(name, required=True)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    args, _glue_arguments = parser.parse_known_args(argv)
    import boto3
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.appName("pensioncert-matching")  # as engines.spark_session, on Glue's cluster
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false").getOrCreate())
    today = args.today or datetime.now(_beijing()).date()
    chunks = run(spark, boto3.client("s3"), feed=args.feed, registry_export=args.registry_export,
                 certifications_export=args.certifications_export, run=args.run, today=today)
    print(json.dumps({"chunks": chunks, "today": today.isoformat()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
