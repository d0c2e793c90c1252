"""The mobile web client (H5) in the local stage: its static files from h5/app/, and /api/* passed
on to the local API, so the page and the API share one origin and no CORS is needed (deployed,
CloudFront does the same with an /api/* behaviour in front of API Gateway).

    python h5/serve.py PORT API_URL        # `make run` starts it this way

Standard library only (and localstage/local_http.py, itself standard library): it is a development
server, bound to 127.0.0.1. Reads time out and a malformed request is answered 400 (local_http.py).
"""
from __future__ import annotations

import http.client
import json
import mimetypes
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from localstage.local_http import READ_TIMEOUT_SECONDS, MalformedRequest, body_length, check_path

APP_DIR = Path(__file__).resolve().parent / "app"
API_PREFIX = "/api"
# The API refuses bodies over 6,000,000 bytes itself (413 in the contract's shape); the proxy only
# stops a body far past that before reading it into memory.
PROXY_MAX_BODY = 8_000_000
PROXY_TIMEOUT_SECONDS = 120  # a certification on 2 busy cores took up to ~6 s under load; margin
FORWARDED_REQUEST_HEADERS = ("Authorization", "Content-Type", "Accept")
# Strict: nothing inline, nothing from another origin. The camera and speech need no exception.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "media-src 'self' blob: mediastream:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


def make_handler(api_url: str, read_timeout: float = READ_TIMEOUT_SECONDS):
    api = urlsplit(api_url)

    class Handler(BaseHTTPRequestHandler):
        server_version = "pensioncert-h5"
        sys_version = ""
        timeout = read_timeout  # on the client's socket: every read of the request

        def log_message(self, format, *args):
            pass

        def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        # --- API pass-through -----------------------------------------------------------------
        def _proxy(self):
            length = body_length(self.headers)
            if length > PROXY_MAX_BODY:
                self.close_connection = True
                return self._send(413, _error_body("PAYLOAD_TOO_LARGE", "提交的内容过大，请重新拍摄或压缩后再提交"),
                                  "application/json; charset=utf-8")
            try:
                body = self.rfile.read(length) if length else None
            except TimeoutError:
                self.close_connection = True
                return self._send(408, _error_body("REQUEST_TIMEOUT", "网络较慢，请求未能收完，请重试"),
                                  "application/json; charset=utf-8")
            headers = {name: self.headers[name] for name in FORWARDED_REQUEST_HEADERS if self.headers.get(name)}
            path = self.path[len(API_PREFIX):] or "/"
            connection = http.client.HTTPConnection(api.hostname, api.port, timeout=PROXY_TIMEOUT_SECONDS)
            try:
                connection.request(self.command, path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            except OSError:
                return self._send(503, _error_body("SERVICE_UNAVAILABLE", "服务暂时不可用，请稍后再试"),
                                  "application/json; charset=utf-8")
            finally:
                connection.close()
            content_type = response.getheader("Content-Type") or "application/json; charset=utf-8"
            self._send(response.status, payload, content_type, {"Cache-Control": "no-store"})

        # --- static files ---------------------------------------------------------------------
        def _static(self):
            path = urlsplit(self.path).path
            if path in ("", "/"):
                path = "/index.html"
            target = (APP_DIR / path.lstrip("/")).resolve()
            if APP_DIR not in target.parents or not target.is_file():
                return self._send(404, "找不到该页面".encode(), "text/plain; charset=utf-8")
            content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if content_type.startswith("text/"):
                content_type += "; charset=utf-8"
            self._send(200, target.read_bytes(), content_type, {"Cache-Control": "no-cache"})

        def _route(self):
            try:
                check_path(self.path)
                if self.path == API_PREFIX or self.path.startswith(API_PREFIX + "/"):
                    return self._proxy()
            except MalformedRequest:
                self.close_connection = True
                return self._send(400, _error_body("BAD_REQUEST", "请求格式不正确"), "application/json; charset=utf-8")
            if self.command in ("GET", "HEAD"):
                return self._static()
            self._send(405, _error_body("METHOD_NOT_ALLOWED", "不支持该请求方式"), "application/json; charset=utf-8")

        do_GET = do_HEAD = do_POST = do_DELETE = do_PUT = do_PATCH = _route

    return Handler


def make_server(port: int, api_url: str, host: str = "127.0.0.1",
                read_timeout: float = READ_TIMEOUT_SECONDS) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(api_url, read_timeout))
    server.daemon_threads = True
    return server


if __name__ == "__main__":
    make_server(int(sys.argv[1]), sys.argv[2]).serve_forever()
