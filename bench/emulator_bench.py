"""What one DynamoDB transaction costs in the local emulator as its table fills (localstage/emulator.py).

A full run of the suite shares one emulator, so its tables hold every test's items; moto's own
TransactWriteItems deep-copies each table it touches. Prints, per table size, the median time of a
two-item transaction (a conditional ADD on two counters) and of a cancelled one.

    .venv/bin/python -m bench.emulator_bench [SIZES...]   (default 0 2000 8000)
"""
from __future__ import annotations

import statistics
import sys
import time
import uuid


def median_ms(call, runs: int = 40) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(sizes: list[int]) -> None:
    from support import free_port

    from localstage import devstack
    from pensioncert.dal.tables import LimitTable
    from pensioncert.services import services

    with devstack.provisioned_emulator(emulator_port=free_port(), api_port=free_port()):
        dynamodb = services().client("dynamodb")
        table, held = LimitTable.Meta.table_name, 0

        def add(name: str, below: int) -> dict:
            return {"Update": {"TableName": table, "Key": {"key": {"S": name}}, "UpdateExpression": "ADD #c :one",
                               "ConditionExpression": "attribute_not_exists(#c) OR #c < :limit",
                               "ExpressionAttributeNames": {"#c": "count"},
                               "ExpressionAttributeValues": {":one": {"N": "1"}, ":limit": {"N": str(below)}}}}

        def passing() -> None:
            dynamodb.transact_write_items(TransactItems=[add(uuid.uuid4().hex, 9), add(uuid.uuid4().hex, 9)])

        full = uuid.uuid4().hex
        dynamodb.transact_write_items(TransactItems=[add(full, 1)])

        def cancelled() -> None:
            try:
                dynamodb.transact_write_items(TransactItems=[add(uuid.uuid4().hex, 9), add(full, 1)])
            except dynamodb.exceptions.TransactionCanceledException:
                return
            raise AssertionError("the transaction was not cancelled")

        print(f"{'items in the table':>20} {'transaction ms':>15} {'cancelled ms':>13}")
        for size in sizes:
            for start in range(held, size, 25):
                dynamodb.batch_write_item(RequestItems={table: [
                    {"PutRequest": {"Item": {"key": {"S": f"filler-{n}"}, "count": {"N": "1"}}}}
                    for n in range(start, min(start + 25, size))]})
            held = max(held, size)
            print(f"{size:>20} {median_ms(passing):>15.1f} {median_ms(cancelled):>13.1f}")


if __name__ == "__main__":
    sys.path.insert(0, "tests")
    main([int(size) for size in sys.argv[1:]] or [0, 2000, 8000])
