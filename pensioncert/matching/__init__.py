"""Data matching at scale (issue 22): feeds as Parquet files, the rules of ``rules/life_events.py``
as one relational job (``job.py``) that DuckDB or Spark runs against a registry snapshot, and a
bulk, resumable write-back of the decisions only (``write_back.py``)."""
