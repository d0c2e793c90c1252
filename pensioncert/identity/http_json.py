"""The identity authority over signed JSON (the protocol of ``localstage.fake_authority``).

Two calls, each a POST of a JSON object, signed with a key shared with the authority's gateway:

    POST {url}/v1/records   {"id_number", "name"}                       → {"has_record": bool}
    POST {url}/v1/compare   {"id_number", "name", "image" (base64 JPEG),
                             "request_id"}                               → {"result": "scored",
                                                                            "score": 0..1,
                                                                            "transaction_id"}
                                                                         | {"result": "no_record"}

Requests: headers ``X-PC-Timestamp`` (Unix seconds) and ``X-PC-Signature``: hex HMAC-SHA256 of
``timestamp + "." + body`` under the shared key; the gateway refuses a stale timestamp (±300 s). Every
request body carries a fresh ``"nonce"`` (32 hex digits).

Answers are authenticated the same way and bound to their request (issue 19, finding 11: a fake
server's unsigned ``has_record: true, score 1.0`` was taken): a 200 answer carries ``X-PC-Timestamp``
and ``X-PC-Signature`` = hex HMAC-SHA256 of ``"answer." + nonce + "." + timestamp + "." + body``, the
nonce being the request's. An answer without it, with a wrong one, a stale one, or one signed for
another request's nonce (a replay) is not an answer: AuthorityUnavailable. Outside the local stage
the URL must be https (``get_authority`` refuses anything else). Standard library only: the API
function stays light.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request

from pensioncert.identity.authority import AuthorityUnavailable, NoAuthorityRecord

SIGNATURE_MAX_SKEW_SECONDS = 300


def sign(key: str, timestamp: str, body: bytes) -> str:
    return hmac.new(key.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_valid(key: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    return _fresh(timestamp, now) and hmac.compare_digest(sign(key, timestamp, body), signature)


def sign_answer(key: str, nonce: str, timestamp: str, body: bytes) -> str:
    """The authority's signature of its answer to the request that carried ``nonce``."""
    return hmac.new(key.encode(), b"answer." + nonce.encode() + b"." + timestamp.encode() + b"." + body,
                    hashlib.sha256).hexdigest()


def answer_valid(key: str, nonce: str, timestamp: str, body: bytes, signature: str, now: float) -> bool:
    return _fresh(timestamp, now) and hmac.compare_digest(sign_answer(key, nonce, timestamp, body), signature)


def _fresh(timestamp: str, now: float) -> bool:
    try:
        return abs(now - int(timestamp)) <= SIGNATURE_MAX_SKEW_SECONDS
    except ValueError:
        return False


class HttpJsonAuthority:
    def __init__(self, url: str, key: str, timeout: float, *, require_https: bool = True) -> None:
        if not url or not key:
            raise ValueError("PC_IDENTITY_AUTHORITY_URL and PC_IDENTITY_AUTHORITY_KEY must be set")
        if require_https and not url.lower().startswith("https://"):
            raise ValueError("PC_IDENTITY_AUTHORITY_URL must be https:// outside the local stage")
        self._url = url.rstrip("/")
        self._key = key
        self._timeout = timeout

    def has_record(self, id_number: str, name: str) -> bool:
        return bool(self._post("/v1/records", {"id_number": id_number, "name": name}).get("has_record"))

    def compare(self, id_number: str, name: str, live_face: bytes) -> tuple[float, str]:
        answer = self._post("/v1/compare", {
            "id_number": id_number, "name": name, "image": base64.b64encode(live_face).decode(),
            "request_id": secrets.token_hex(12),
        })
        if answer.get("result") == "no_record":
            raise NoAuthorityRecord(id_number[-4:])
        score, transaction_id = answer.get("score"), answer.get("transaction_id")
        if answer.get("result") != "scored" or not isinstance(score, (int, float)) or not transaction_id:
            raise AuthorityUnavailable(f"unexpected answer: {sorted(answer)}")
        return min(max(float(score), 0.0), 1.0), str(transaction_id)

    def _post(self, path: str, payload: dict) -> dict:
        nonce = secrets.token_hex(16)
        body = json.dumps({**payload, "nonce": nonce}).encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(self._url + path, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "X-PC-Timestamp": timestamp,
            "X-PC-Signature": sign(self._key, timestamp, body),
        })
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                answer = response.read()
                answered_at = response.headers.get("X-PC-Timestamp", "")
                signature = response.headers.get("X-PC-Signature", "")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            raise AuthorityUnavailable(f"{path}: {error}") from None
        if not answer_valid(self._key, nonce, answered_at, answer, signature, time.time()):
            raise AuthorityUnavailable(f"{path}: answer not signed for this request")
        try:
            decoded = json.loads(answer)
        except ValueError:
            raise AuthorityUnavailable(f"{path}: answer not JSON") from None
        if not isinstance(decoded, dict):
            raise AuthorityUnavailable(f"{path}: answer not an object")
        return decoded
