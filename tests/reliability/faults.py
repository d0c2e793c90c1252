"""Real faults between the API and emulated AWS: a small HTTP proxy in front of moto that passes
requests through, or for the requests a rule matches answers as a throttled DynamoDB or a failing
S3 would, or cuts the connection (before or after moto applied the request).

Plus ``FaultStack``: its own moto server, the proxy, and the API process (localstage.local_api)
whose only way to AWS is the proxy; the test process reads the raw state from moto directly.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from stackctl import REPO, _clean_env, _StackClient, free_port

from localstage.devstack import stop_process, wait_for_port

THROTTLED = (400, "application/x-amz-json-1.0", json.dumps({
    "__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
    "message": "Rate of requests exceeds the allowed throughput."}).encode())
THROUGHPUT_EXCEEDED = (400, "application/x-amz-json-1.0", json.dumps({
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded."}).encode())
S3_INTERNAL_ERROR = (500, "application/xml", b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InternalError"
                     b"</Code><Message>We encountered an internal error. Please try again.</Message></Error>")
S3_ACCESS_DENIED = (403, "application/xml", b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied"
                    b"</Code><Message>Access Denied</Message></Error>")


@dataclass
class Rule:
    """Which requests to spoil and how: ``answer`` a canned (status, type, body), or ``drop`` the
    connection "before" forwarding or "after" moto applied the request. ``times`` bounds it."""

    operation: str | tuple | None = None  # DynamoDB X-Amz-Target suffix(es), e.g. "TransactWriteItems"
    table_suffix: str | None = None  # e.g. "certifications"
    s3_method: str | None = None  # e.g. "PUT"
    s3_key_prefix: str | None = None  # e.g. "evidence/"
    answer: tuple | None = None
    drop: str | None = None  # "before" | "after"
    times: int = 10_000
    hits: int = field(default=0)

    def matches(self, method: str, path: str, target: str, body: bytes) -> bool:
        if self.operation is not None:
            names = (self.operation,) if isinstance(self.operation, str) else self.operation
            if not any(target.endswith("." + name) for name in names):
                return False
            return not self.table_suffix or f'-{self.table_suffix}"'.encode() in body
        if self.s3_method is not None:
            parts = path.split("?")[0].lstrip("/").split("/", 1)
            key = parts[1] if len(parts) > 1 else ""
            return method == self.s3_method and key.startswith(self.s3_key_prefix or "")
        return False


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.headers.get("X-Amz-Target", "")
                rule = proxy._match(self.command, self.path, target, body)
                if rule is not None and rule.drop == "before":
                    self._cut()
                    return
                if rule is not None and rule.answer is not None:
                    status, content_type, payload = rule.answer
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.send_header("x-amzn-RequestId", secrets.token_hex(8))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                except OSError:
                    self._cut()
                    return
                finally:
                    upstream.close()
                if rule is not None and rule.drop == "after":  # moto applied it; the answer is lost
                    self._cut()
                    return
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _cut(self):
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _match(self, method, path, target, body) -> Rule | None:
        with self._lock:
            self.seen.append((method, path, target))
            for rule in self.rules:
                if rule.hits < rule.times and rule.matches(method, path, target, body):
                    rule.hits += 1
                    return rule
        return None

    def spoil(self, **kwargs) -> Rule:
        rule = Rule(**kwargs)
        with self._lock:
            self.rules.append(rule)
        return rule

    def heal(self) -> None:
        with self._lock:
            self.rules.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FaultStack(_StackClient):
    """moto + FaultProxy + the API (chalice local), the API reaching AWS only through the proxy."""

    def __init__(self, registry_rows: str = "", photos: Path | None = None) -> None:
        from localstage import devstack

        self.emulator_port, self.api_port = free_port(), free_port()
        self.emulator = devstack.Emulator(self.emulator_port)
        wait_for_port(self.emulator_port)
        self.proxy = FaultProxy(self.emulator_port)
        self.environment = devstack.local_environment(self.api_port, self.emulator_port)
        self.aws_endpoint = f"http://127.0.0.1:{self.emulator_port}"
        self.base_url = f"http://127.0.0.1:{self.api_port}"
        provision = ("from localstage import devstack; devstack.provision(); "
                     "devstack.seed_demo_account(); from pensioncert.registry_import import import_file; "
                     "devstack.DEMO_REGISTRY.exists() and import_file(devstack.DEMO_REGISTRY)")
        subprocess.run([sys.executable, "-c", provision], cwd=REPO, env=self.child_env(), check=True,
                       timeout=180, capture_output=True)
        if registry_rows:
            report = self.import_registry(registry_rows, photos)
            assert report.get("errors") == [], report
        api_env = self.child_env()
        api_env["PC_AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{self.proxy.port}"
        self._dir = Path(tempfile.mkdtemp(prefix="pc-faults-"))
        self.log = (self._dir / "api.log").open("w+")
        self.api = subprocess.Popen([sys.executable, "-m", "localstage.local_api", str(self.api_port)],
                                    cwd=REPO, env=api_env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.api_port, timeout=60)

    def child_env(self) -> dict:
        env = _clean_env()
        env.update(self.environment)
        env["PC_DEVSTACK_STATE"] = os.devnull  # never adopt a developer's running stack
        return env

    def stop_emulator(self) -> None:
        self.emulator.stop()

    def stop(self) -> None:
        stop_process(self.api, timeout=15)
        self.proxy.stop()
        self.emulator.stop()
        self.log.close()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started
