"""The local emulator: moto in server mode (DynamoDB, S3, SNS, Secrets Manager, ...), with two fixes.

moto does not isolate DynamoDB transactions: TransactWriteItems snapshots every table it touches
and, when a condition fails, restores the snapshot, erasing whatever other requests wrote in the
meantime. DynamoDB itself serialises conflicting transactions, so here DynamoDB requests are
served one at a time (S3 and the rest stay concurrent). The application's own rules still decide
every race through their conditional writes; this only keeps the emulator from losing writes.

And moto's TransactWriteItems takes its rollback snapshot by deep-copying every table it touches,
so a transaction cost in proportion to everything the table held: in a full run of the suite,
where one emulator collects every test's people, importing one registry row (two transactions)
went from 50 to 110 ms as the registry grew, and a certification's transaction copied the whole
counter table. Here a transaction keeps instead the items it names, as they were, and a cancelled
one puts those back: the same state as moto's snapshot, since requests are served one at a time
and a transaction writes only the items it names.

Run as ``python -m localstage.emulator PORT``. Started by make run in a session of its own, so a
terminal's Ctrl-C leaves it up for make run's last snapshot; it exits when make run is gone.
"""
from __future__ import annotations

import copy
import json
import signal
import sys
import threading

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

from localstage.devstack import exit_with_parent

_dynamodb = threading.Lock()


def serialising_dynamodb(app):
    def application(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with _dynamodb:
                return list(app(environ, start_response))
        return app(environ, start_response)

    return application


class _TablesNotCopied:
    """``copy`` as moto's DynamoDB backend sees it: a Table is not deep-copied (its transactions'
    rollback is ``_transact_write_items_undoing``'s); anything else is."""

    def deepcopy(self, value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def __getattr__(self, name: str):
        return getattr(copy, name)


_transact_write_items = DynamoDBBackend.transact_write_items


def _named_items(backend: DynamoDBBackend, transact_items) -> dict[tuple[str, str], tuple[dict, dict | None]]:
    """Each existing table's item a transaction names: (table, key) -> (key, its attributes now or
    None). What cannot be read here (no such table, a malformed key) moto refuses before writing it."""
    named: dict[tuple[str, str], tuple[dict, dict | None]] = {}
    for entry in transact_items:
        for op in entry.values() if isinstance(entry, dict) else ():
            table = backend.tables.get(str(op.get("TableName"))) if isinstance(op, dict) else None
            if table is None:
                continue
            try:
                if "Item" in op:
                    key = {name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr) if name}
                else:
                    key = dict(op["Key"])
                current = backend.get_item(table.name, key)
            except Exception:  # noqa: BLE001 - moto refuses it itself, with DynamoDB's error
                continue
            attributes = copy.deepcopy(current.to_json()["Attributes"]) if current is not None else None
            named.setdefault((table.name, json.dumps(key, sort_keys=True)), (key, attributes))
    return named


def _transact_write_items_undoing(self, transact_items):
    before = _named_items(self, transact_items)
    try:
        return _transact_write_items(self, transact_items)
    except BaseException:
        for (table_name, _), (key, attributes) in before.items():
            if attributes is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, attributes)
        raise


def undo_cancelled_transactions() -> None:
    # Patches of moto, on purpose (the emulator's process only):
    dynamodb_models.copy = _TablesNotCopied()  # type: ignore[assignment]  # the module's `copy`, as moto calls it
    DynamoDBBackend.transact_write_items = _transact_write_items_undoing  # type: ignore[method-assign]


def serve(port: int, host: str = "127.0.0.1") -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    exit_with_parent()
    undo_cancelled_transactions()
    run_simple(host, port, serialising_dynamodb(DomainDispatcherApplication(create_backend_app)),
               threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
