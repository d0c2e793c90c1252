"""The local emulator: moto in server mode (DynamoDB, S3, SNS, Secrets Manager, ...), with one fix.

moto does not isolate DynamoDB transactions: TransactWriteItems snapshots every table it touches
and, when a condition fails, restores the snapshot, erasing whatever other requests wrote in the
meantime. DynamoDB itself serialises conflicting transactions, so here DynamoDB requests are
served one at a time (S3 and the rest stay concurrent). The application's own rules still decide
every race through their conditional writes; this only keeps the emulator from losing writes.

Run as ``python -m pensioncert.emulator PORT``.
"""
from __future__ import annotations

import signal
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

_dynamodb = threading.Lock()


def serialising_dynamodb(app):
    def application(environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB"):
            with _dynamodb:
                return list(app(environ, start_response))
        return app(environ, start_response)

    return application


def serve(port: int, host: str = "127.0.0.1") -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(host, port, serialising_dynamodb(DomainDispatcherApplication(create_backend_app)),
               threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
