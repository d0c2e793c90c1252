"""Issue 19, finding 13: the local stage's own HTTP servers (h5/serve.py's /api proxy and the fake
identity authority) hung forever on a negative Content-Length or a body shorter than its length (no
read timeout), and dropped the connection unanswered on a non-numeric length or a non-ASCII path.
Each request is sent raw over a socket, as an attacker would; every one is now answered."""
from __future__ import annotations

import importlib.util
import socket
import threading
from pathlib import Path

import pytest
from support import free_port

from localstage.fake_authority import Records
from localstage.fake_authority import make_server as make_authority

REPO = Path(__file__).resolve().parents[2]
# A read of the request waits this long for the client's next bytes (production: local_http's 10 s).
SHORT_READ_TIMEOUT = 0.5


def load_h5_serve():
    spec = importlib.util.spec_from_file_location("h5_serve_under_test", REPO / "h5" / "serve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(params=["h5_proxy", "fake_authority"])
def server(request):
    """(host, port, a path the server reads bodies on) of a running server of each kind."""
    port = free_port()
    if request.param == "h5_proxy":
        # The API behind it is never reached by a malformed request: nothing listens there.
        running = load_h5_serve().make_server(port, f"http://127.0.0.1:{free_port()}",
                                              read_timeout=SHORT_READ_TIMEOUT)
        path = "/api/auth/login"
    else:
        running = make_authority(port, "test-key-0123456789", Records(), read_timeout=SHORT_READ_TIMEOUT)
        path = "/v1/records"
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield "127.0.0.1", port, path
    running.shutdown()
    running.server_close()


def status_of(address: tuple[str, int], raw: bytes) -> int:
    """The status the server answers to ``raw``, the client keeping its side open; a server that
    never answers fails the test through the client's own socket timeout."""
    with socket.create_connection(address, timeout=5) as client:
        client.sendall(raw)
        answer = b""
        while b"\r\n" not in answer:
            chunk = client.recv(4096)
            assert chunk, f"connection dropped unanswered after {raw[:60]!r}"
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def post(path: bytes, length: bytes, body: bytes = b"") -> bytes:
    return b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n" + body


def test_a_negative_content_length_is_answered_400(server):
    host, port, path = server
    assert status_of((host, port), post(path.encode(), b"-1")) == 400


@pytest.mark.parametrize("length", [b"abc", b"12x", b"1e3", b"\xb2", b""])
def test_a_non_numeric_content_length_is_answered_400(server, length):
    host, port, path = server
    assert status_of((host, port), post(path.encode(), length)) == 400


def test_two_different_content_lengths_are_answered_400(server):
    host, port, path = server
    raw = b"POST " + path.encode() + b" HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 200\r\n\r\n{}"
    assert status_of((host, port), raw) == 400


def test_a_non_ascii_path_is_answered_400(server):
    host, port, path = server
    assert status_of((host, port), post((path + "/认证").encode(), b"2", b"{}")) == 400


def test_a_body_shorter_than_its_length_is_answered_408_when_the_read_times_out(server):
    host, port, path = server
    assert status_of((host, port), post(path.encode(), b"1000", b'{"id_number"')) == 408
