"""The local emulator: moto in server mode (DynamoDB, S3, SNS, Secrets Manager, ...), with one fix.

moto does not isolate DynamoDB transactions: TransactWriteItems snapshots every table it touches
and, when a condition fails, restores the snapshot, erasing whatever other requests wrote in the
meantime. DynamoDB itself serialises conflicting transactions, so here DynamoDB requests are
served one at a time (S3 and the rest stay concurrent). The application's own rules still decide
every race through their conditional writes; this only keeps the emulator from losing writes.

And moto's TransactWriteItems takes its rollback snapshot of a table once per item it writes
there: a certification's transaction (the certification and 9 counter shards) copied the whole
counter table 9 times, 15-25 ms of every certification here that DynamoDB does not spend. Here
each table is copied once per transaction: the same snapshot, since every copy is taken before
the first write.

Run as ``python -m localstage.emulator PORT``. Started by make run in a session of its own, so a
terminal's Ctrl-C leaves it up for make run's last snapshot; it exits when make run is gone.
"""
from __future__ import annotations

import copy
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


class _OneCopyPerTable:
    """``copy`` as moto's DynamoDB backend sees it: inside a transaction, a table is deep-copied
    once (DynamoDB requests are served one at a time, so one transaction runs at a time)."""

    def __init__(self) -> None:
        self.copies: dict[int, Table] | None = None

    def deepcopy(self, value, memo=None):
        if self.copies is None or not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        if id(value) not in self.copies:
            self.copies[id(value)] = copy.deepcopy(value, memo)
        return self.copies[id(value)]

    def __getattr__(self, name: str):
        return getattr(copy, name)


_copy_once = _OneCopyPerTable()
_transact_write_items = DynamoDBBackend.transact_write_items


def _transact_write_items_copying_once(self, transact_items):
    _copy_once.copies = {}
    try:
        return _transact_write_items(self, transact_items)
    finally:
        _copy_once.copies = None


def snapshot_tables_once() -> None:
    # Patches of moto, on purpose (the emulator's process only):
    dynamodb_models.copy = _copy_once  # type: ignore[assignment]  # the module's `copy`, as moto calls it
    DynamoDBBackend.transact_write_items = _transact_write_items_copying_once  # type: ignore[method-assign]


def serve(port: int, host: str = "127.0.0.1") -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    exit_with_parent()
    snapshot_tables_once()
    run_simple(host, port, serialising_dynamodb(DomainDispatcherApplication(create_backend_app)),
               threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
