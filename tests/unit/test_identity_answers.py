"""Issue 19, finding 11: the identity authority's answers are authenticated and bound to their request.

A fake server's "has_record: true, score 1.0" was taken as the authority's word: no answer signature,
nothing binding an answer to its request, plain http accepted. Here a forging server (real HTTP on
loopback) answers the adapter's requests with exactly that, forging one part at a time; each forgery
is now an unusable answer (AuthorityUnavailable, an outage: nothing is claimed or certified on it),
while the same answer properly signed for the request is taken.
"""
from __future__ import annotations

import json
import threading
import time
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from support import free_port, unique_id_number

from pensioncert import identity
from pensioncert.identity.http_json import SIGNATURE_MAX_SKEW_SECONDS, HttpJsonAuthority, sign_answer

KEY = "shared-key-0123456789"
FORGED_RECORD = {"has_record": True}
FORGED_SCORE = {"result": "scored", "score": 1.0, "transaction_id": "forged-1"}


def forged_answer(mode: str, nonce: str, answer: dict) -> tuple[bytes, dict[str, str]]:
    """The body and headers the forging server sends for ``mode``, to a request carrying ``nonce``."""
    body = json.dumps(answer).encode()
    now = str(int(time.time()))
    if mode == "unsigned":
        return body, {}
    if mode == "wrong_key":
        return body, {"X-PC-Timestamp": now, "X-PC-Signature": sign_answer("another-key-0123456789", nonce, now, body)}
    if mode == "replayed_for_another_nonce":  # an answer the authority really signed, for an earlier request
        return body, {"X-PC-Timestamp": now, "X-PC-Signature": sign_answer(KEY, "0" * 32, now, body)}
    if mode == "body_changed_after_signing":  # the authority signed a low score; the score was raised
        low = json.dumps({**answer, "has_record": False} if "has_record" in answer else {**answer, "score": 0.2})
        return body, {"X-PC-Timestamp": now, "X-PC-Signature": sign_answer(KEY, nonce, now, low.encode())}
    if mode == "stale":
        then = str(int(time.time()) - SIGNATURE_MAX_SKEW_SECONDS - 60)
        return body, {"X-PC-Timestamp": then, "X-PC-Signature": sign_answer(KEY, nonce, then, body)}
    assert mode == "signed_for_this_request"
    return body, {"X-PC-Timestamp": now, "X-PC-Signature": sign_answer(KEY, nonce, now, body)}


@pytest.fixture
def forger():
    """A server answering /v1/records and /v1/compare with a forged 'yes'; ``state.mode`` says how."""
    state = types.SimpleNamespace(mode="unsigned")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            answer = FORGED_RECORD if self.path == "/v1/records" else FORGED_SCORE
            body, headers = forged_answer(state.mode, request.get("nonce", ""), answer)
            self.send_response(200)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)),
                                **headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state, HttpJsonAuthority(f"http://127.0.0.1:{port}", KEY, timeout=5, require_https=False)
    server.shutdown()
    server.server_close()


FORGERIES = ["unsigned", "wrong_key", "replayed_for_another_nonce", "body_changed_after_signing", "stale"]


@pytest.mark.parametrize("mode", FORGERIES)
def test_a_forged_has_record_is_not_taken(forger, mode):
    state, authority = forger
    state.mode = mode
    with pytest.raises(identity.AuthorityUnavailable):
        authority.has_record(unique_id_number(1950), "张德明")


@pytest.mark.parametrize("mode", FORGERIES)
def test_a_forged_score_of_one_is_not_taken(forger, mode):
    state, authority = forger
    state.mode = mode
    with pytest.raises(identity.AuthorityUnavailable):
        authority.compare(unique_id_number(1950), "张德明", b"\xff\xd8jpeg")


def test_the_same_answer_signed_for_this_request_is_taken(forger):
    state, authority = forger
    state.mode = "signed_for_this_request"
    assert authority.has_record(unique_id_number(1950), "张德明") is True
    assert authority.compare(unique_id_number(1950), "张德明", b"\xff\xd8jpeg") == (1.0, "forged-1")


def test_each_request_carries_a_fresh_nonce(forger, monkeypatch):
    state, authority = forger
    state.mode = "signed_for_this_request"
    nonces: list[str] = []
    real_answer = sign_answer

    def capture(key, nonce, timestamp, body):  # the adapter checks each answer against its request's nonce
        nonces.append(nonce)
        return real_answer(key, nonce, timestamp, body)

    monkeypatch.setattr("pensioncert.identity.http_json.sign_answer", capture)
    authority.has_record(unique_id_number(1950), "张德明")
    authority.has_record(unique_id_number(1950), "张德明")
    assert len(nonces) == 2 and nonces[0] != nonces[1] and all(len(n) == 32 for n in nonces)


def test_plain_http_is_refused_outside_the_local_stage():
    deployed = types.SimpleNamespace(identity_authority="http", identity_authority_url="http://gateway.example:8080",
                                     identity_authority_key=types.SimpleNamespace(get_secret_value=lambda: KEY),
                                     identity_authority_timeout_seconds=5, is_local=False)
    with pytest.raises(ValueError, match="https"):
        identity.get_authority(deployed)


def test_https_is_accepted_outside_the_local_stage():
    deployed = types.SimpleNamespace(identity_authority="http", identity_authority_url="https://gateway.example",
                                     identity_authority_key=types.SimpleNamespace(get_secret_value=lambda: KEY),
                                     identity_authority_timeout_seconds=5, is_local=False)
    assert isinstance(identity.get_authority(deployed), HttpJsonAuthority)
