"""The local stage's identity authority: a real HTTP service speaking identity/http_json.py's
signed protocol, holding demo people's photos, comparing faces with the vision layer.

It stands in for what a province plugs in (its gateway to the public-security identity service or
its human-resources platform): the API talks to it exactly as it would to that gateway. It runs
only in the local stage (`make run` and the test fixtures start it):

    python -m localstage.fake_authority PORT [PEOPLE.csv]

PEOPLE.csv: ``id_number,name,photo`` with photo paths relative to the CSV's folder (or absolute).
The key is PC_IDENTITY_AUTHORITY_KEY. ``POST /_fake/people`` (signed like the rest) enrols one
more person ({"id_number", "name", "image"}): the tests' way to put a person on the authority's
records, as the authority's own registration would.
"""
from __future__ import annotations

import base64
import binascii
import contextlib
import csv
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from localstage.devstack import exit_with_parent
from localstage.local_http import READ_TIMEOUT_SECONDS, MalformedRequest, body_length, check_path
from pensioncert import normalize
from pensioncert.errors import AppError
from pensioncert.identity.http_json import sign, sign_answer, signature_valid

MAX_BODY = 6 * 1024 * 1024


class Records:
    """id_number → (name, photo bytes); the photo's template is computed on first comparison."""

    def __init__(self) -> None:
        self._people: dict[str, tuple[str, bytes]] = {}
        self._templates: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def enrol(self, id_number: str, name: str, photo: bytes) -> None:
        with self._lock:
            self._people[normalize.id_number(id_number)] = (normalize.name(name), photo)
            self._templates.pop(normalize.id_number(id_number), None)

    def find(self, id_number: str, name: str) -> bytes | None:
        try:
            person = self._people.get(normalize.id_number(id_number))
            return person[1] if person and person[0] == normalize.name(name) else None
        except AppError:  # not a valid number or name: no record of it
            return None

    def compare(self, id_number: str, name: str, live_face: bytes) -> float | None:
        photo = self.find(id_number, name)
        if photo is None:
            return None
        from vision import quality
        from vision.embedder import get_embedder
        from vision.errors import VisionError
        from vision.frame import analyze
        from vision.matching import similarity

        key = normalize.id_number(id_number)
        with self._lock:  # the vision models are shared by the server's threads
            if key not in self._templates:
                frame = analyze(photo, quality.REFERENCE, tiled=True)
                self._templates[key] = list(get_embedder().embed(frame.image, frame.det))
            try:
                live = analyze(live_face, quality.LIVE)
            except VisionError:
                return 0.0  # no usable face in what was sent: no likeness
            return similarity(get_embedder().embed(live.image, live.det), self._templates[key])


def load_people(records: Records, csv_path: Path) -> int:
    count = 0
    with open(csv_path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            photo = Path(row["photo"])
            photo = photo if photo.is_absolute() else csv_path.parent / photo
            if photo.is_file():
                records.enrol(row["id_number"], row["name"], photo.read_bytes())
                count += 1
    return count


def make_server(port: int, key: str, records: Records,
                read_timeout: float = READ_TIMEOUT_SECONDS) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        timeout = read_timeout  # on the client's socket: every read of the request

        def log_message(self, *args) -> None:  # quiet: the local stack's console is for the API
            pass

        def _answer(self, status: int, body: dict, nonce: str = "") -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 200:  # an answer, signed for the request that carried the nonce
                timestamp = str(int(time.time()))
                self.send_header("X-PC-Timestamp", timestamp)
                self.send_header("X-PC-Signature", sign_answer(key, nonce, timestamp, data))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            try:
                check_path(self.path)
                length = body_length(self.headers)
            except MalformedRequest:
                self.close_connection = True
                return self._answer(400, {"error": "bad_request"})
            if length > MAX_BODY:
                self.close_connection = True
                return self._answer(413, {"error": "too_large"})
            try:
                body = self.rfile.read(length)
            except TimeoutError:
                self.close_connection = True
                return self._answer(408, {"error": "timeout"})
            if not signature_valid(key, self.headers.get("X-PC-Timestamp", ""), body,
                                   self.headers.get("X-PC-Signature", ""), time.time()):
                return self._answer(401, {"error": "bad_signature"})
            try:
                payload = json.loads(body)
                id_number, name = str(payload["id_number"]), str(payload["name"])
                nonce = str(payload.get("nonce", ""))
                image = base64.b64decode(payload["image"], validate=True) if "image" in payload else None
            except (ValueError, KeyError, TypeError, binascii.Error):
                return self._answer(400, {"error": "bad_request"})
            if self.path == "/v1/records":
                return self._answer(200, {"has_record": records.find(id_number, name) is not None}, nonce)
            if self.path == "/v1/compare" and image is not None:
                score = records.compare(id_number, name, image)
                if score is None:
                    return self._answer(200, {"result": "no_record"}, nonce)
                return self._answer(200, {"result": "scored", "score": round(score, 4),
                                          "transaction_id": "fake-" + secrets.token_hex(8)}, nonce)
            if self.path == "/_fake/people" and image is not None:
                try:
                    records.enrol(id_number, name, image)
                except AppError:
                    return self._answer(400, {"error": "bad_request"})
                return self._answer(201, {})
            return self._answer(404, {"error": "no_such_call"})

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def enrol(url: str, key: str, id_number: str, name: str, photo: bytes) -> None:
    """Put a person on the fake authority's records (tests, the local stage's demo)."""
    import urllib.request

    body = json.dumps({"id_number": id_number, "name": name, "image": base64.b64encode(photo).decode()}).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(url.rstrip("/") + "/_fake/people", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-PC-Timestamp": timestamp,
        "X-PC-Signature": sign(key, timestamp, body)})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201


def main(argv: list[str]) -> int:
    if os.environ.get("PC_STAGE", "local") != "local":
        raise SystemExit("the fake identity authority runs in the local stage only")
    key = os.environ["PC_IDENTITY_AUTHORITY_KEY"]
    records = Records()
    if len(argv) > 2:
        load_people(records, Path(argv[2]))
    server = make_server(int(argv[1]), key, records)
    exit_with_parent()
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
