"""The local emulator's DynamoDB transactions (localstage/emulator.py): a cancelled transaction
leaves every item it named as it was, and nothing else changes; a transaction costs the same
whatever the table holds. Raw DynamoDB calls against the session's emulator, on the limits table
(plain items: a hash key and a number)."""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def dynamodb(svc):
    return svc.client("dynamodb")


@pytest.fixture
def table(svc):
    from pensioncert.dal.tables import LimitTable

    return LimitTable.Meta.table_name


def key(name: str) -> dict:
    return {"key": {"S": name}}


def count_of(dynamodb, table, name):
    item = dynamodb.get_item(TableName=table, Key=key(name), ConsistentRead=True).get("Item")
    return None if item is None else int(item["count"]["N"])


def add_one(table, name, *, below: int) -> dict:
    return {"Update": {"TableName": table, "Key": key(name), "UpdateExpression": "ADD #c :one",
                       "ConditionExpression": "attribute_not_exists(#c) OR #c < :limit",
                       "ExpressionAttributeNames": {"#c": "count"},
                       "ExpressionAttributeValues": {":one": {"N": "1"}, ":limit": {"N": str(below)}}}}


def test_a_cancelled_transaction_leaves_the_items_it_named_as_they_were(dynamodb, table):
    counted, created, refusing, bystander = (f"emu-{uuid.uuid4().hex}" for _ in range(4))
    dynamodb.put_item(TableName=table, Item={**key(counted), "count": {"N": "5"}})
    dynamodb.put_item(TableName=table, Item={**key(refusing), "count": {"N": "3"}})
    dynamodb.put_item(TableName=table, Item={**key(bystander), "count": {"N": "7"}})
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            add_one(table, counted, below=100),  # applied by moto before the last item fails
            {"Put": {"TableName": table, "Item": {**key(created), "count": {"N": "1"}},
                     "ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "key"}}},
            add_one(table, refusing, below=3),  # at its limit: the transaction is cancelled
        ])
    reasons = [reason["Code"] for reason in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert (count_of(dynamodb, table, counted), count_of(dynamodb, table, created),
            count_of(dynamodb, table, refusing), count_of(dynamodb, table, bystander)) == (5, None, 3, 7)


def test_a_transaction_naming_an_item_twice_is_refused_and_writes_nothing(dynamodb, table):
    name, other = f"emu-{uuid.uuid4().hex}", f"emu-{uuid.uuid4().hex}"
    dynamodb.put_item(TableName=table, Item={**key(name), "count": {"N": "1"}})
    with pytest.raises(dynamodb.exceptions.ClientError):
        dynamodb.transact_write_items(TransactItems=[
            add_one(table, other, below=100), add_one(table, name, below=100), add_one(table, name, below=100)])
    assert (count_of(dynamodb, table, name), count_of(dynamodb, table, other)) == (1, None)


def test_a_transaction_that_succeeds_writes_every_item(dynamodb, table):
    first, second = f"emu-{uuid.uuid4().hex}", f"emu-{uuid.uuid4().hex}"
    dynamodb.transact_write_items(TransactItems=[add_one(table, first, below=2), add_one(table, second, below=2)])
    assert (count_of(dynamodb, table, first), count_of(dynamodb, table, second)) == (1, 1)
