"""What the local stage's own HTTP servers (h5/serve.py's /api proxy, the fake identity authority)
accept of a request before reading it. Standard library only (the H5 server imports nothing else).

Both are http.server handlers: with no socket timeout a body shorter than its Content-Length held a
thread forever, a negative length read until the client closed (forever), and a non-numeric length or
a non-ASCII path raised inside the handler and dropped the connection unanswered (issue 19, finding 13).
"""
from __future__ import annotations

import re
from email.message import Message

# A read (request line, headers, body) that waits this long for the client's next bytes ends the
# request: far above anything a client on loopback or a phone on a slow network leaves between packets.
READ_TIMEOUT_SECONDS = 10.0

_DECIMAL = re.compile(r"[0-9]{1,12}")
# Printable ASCII only: a request line is read as Latin-1, and http.client refuses to send anything else.
_PATH = re.compile(r"[\x21-\x7e]+")


class MalformedRequest(ValueError):
    """The request cannot be read as HTTP/1.1 says (answered 400, never passed on)."""


def body_length(headers: Message) -> int:
    """The body's length from Content-Length: 0 without one; MalformedRequest unless every
    Content-Length header is the same plain decimal number."""
    values = {value.strip() for value in headers.get_all("Content-Length") or ()}
    if not values:
        return 0
    if len(values) != 1 or not _DECIMAL.fullmatch(next(iter(values))):
        raise MalformedRequest("content_length")
    return int(next(iter(values)))


def check_path(path: str) -> None:
    if not _PATH.fullmatch(path):
        raise MalformedRequest("path")
