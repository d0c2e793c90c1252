"""Binding the table models to a stage, and the table specifications that create them.

``table_specs`` is the single source of truth for table shapes: the local stack creates tables from
it, and infra declares the same tables from it.
"""
from __future__ import annotations

import threading
from typing import Any

import boto3
from pynamodb.connection import Connection

from pensioncert.dal.admin_tables import ADMIN_TABLES
from pensioncert.dal.life_tables import LIFE_TABLES
from pensioncert.dal.notice_tables import NOTICE_TABLES
from pensioncert.dal.tables import ALL_TABLES, LOCAL_ONLY_TABLES
from pensioncert.settings import Settings

DEPLOYED_TABLES = ALL_TABLES + ADMIN_TABLES + LIFE_TABLES + NOTICE_TABLES

_transaction_connection: Connection | None = None
_transaction_connection_lock = threading.Lock()


def tables_for(settings: Settings):
    return DEPLOYED_TABLES + (LOCAL_ONLY_TABLES if settings.is_local else ())


def bind_tables(settings: Settings) -> None:
    for table in DEPLOYED_TABLES + LOCAL_ONLY_TABLES:
        table.Meta.table_name = settings.table_prefix + table.Meta.base_name
        table.Meta.region = settings.aws_region
        table.Meta.host = settings.aws_endpoint_url
        table.Meta.connect_timeout_seconds = 3
        # The emulator serialises DynamoDB requests (localstage/emulator.py), so in a 50-way race
        # a request may queue behind the others for seconds; DynamoDB itself answers in milliseconds.
        table.Meta.read_timeout_seconds = 20 if settings.is_local else 5
        table.Meta.max_retry_attempts = 2
        table._connection = None
    global _transaction_connection
    with _transaction_connection_lock:
        _transaction_connection = None


def transaction_connection() -> Connection:
    """The one connection every TransactWrite of the process uses, like the models' own. A botocore
    client loads its service model from JSON when it is made: a connection per transaction cost
    each certification about 125 ms (bench-certify, 2026-11-29)."""
    global _transaction_connection
    with _transaction_connection_lock:
        if _transaction_connection is None:
            meta = ALL_TABLES[0].Meta
            connection = Connection(
                region=meta.region, host=meta.host, connect_timeout_seconds=meta.connect_timeout_seconds,
                read_timeout_seconds=meta.read_timeout_seconds, max_retry_attempts=meta.max_retry_attempts)
            connection.client  # noqa: B018 - made here, under the lock: botocore makes clients thread-unsafely
            _transaction_connection = connection
        return _transaction_connection


def table_specs(settings: Settings) -> list[dict[str, Any]]:
    """CreateTable parameters for every table of the stage, plus its TTL attribute (or None)."""
    specs = []
    for table in tables_for(settings):
        schema = table._get_schema()
        spec: dict[str, Any] = {
            "TableName": settings.table_prefix + table.Meta.base_name,
            "KeySchema": _hash_first(schema["key_schema"]),
            "AttributeDefinitions": schema["attribute_definitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        gsis = [
            {
                "IndexName": index["index_name"],
                "KeySchema": _hash_first(index["key_schema"]),
                "Projection": index["projection"],
            }
            for index in schema["global_secondary_indexes"]
        ]
        if gsis:
            spec["GlobalSecondaryIndexes"] = gsis
        specs.append({"create": spec, "ttl_attribute": table.Meta.ttl_attribute})
    return specs


def _hash_first(key_schema: list[dict]) -> list[dict]:
    """DynamoDB and CloudFormation want the HASH key first; PynamoDB lists keys in attribute order
    (which the emulator tolerates, and AWS does not)."""
    return sorted(key_schema, key=lambda element: element["KeyType"] != "HASH")


def create_tables(settings: Settings) -> list[str]:
    """Create missing tables (local stage and tests); returns the names created."""
    client = boto3.client(
        "dynamodb", region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url
    )
    existing = set(client.list_tables()["TableNames"])
    created = []
    for spec in table_specs(settings):
        name = spec["create"]["TableName"]
        if name in existing:
            continue
        client.create_table(**spec["create"])
        client.get_waiter("table_exists").wait(TableName=name)
        if spec["ttl_attribute"]:
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec["ttl_attribute"]},
            )
        created.append(name)
    return created
