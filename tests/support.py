"""Helpers shared by the test suites (fixtures live in conftest.py)."""
from __future__ import annotations

import itertools
import random
import socket
from contextlib import contextmanager
from pathlib import Path

from stdnum.cn import ric

REPO = Path(__file__).resolve().parent.parent


_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on, never one this process handed out before: Linux may give the
    same ephemeral port to two binds in a row once the first socket is closed, and a stack whose
    admin and H5 server got one port each would then start one of them on the other's port."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


_serial = itertools.count(random.randrange(10_000_000))


def unique_phone() -> str:
    return f"139{next(_serial) % 100_000_000:08d}"


def unique_address() -> str:
    """A benchmarking-range source address (RFC 2544) no other test of the session uses, so
    per-address login caps filled by other tests never answer for this one."""
    serial = next(_serial) % (256 * 256)
    return f"198.18.{serial // 256}.{serial % 256}"


def unique_id_number(year: int = 1950) -> str:
    """A valid ID number (Xi'an Xincheng district) not used by any other test of the session."""
    serial = next(_serial)
    base = f"610102{year}{1 + serial % 12:02d}{1 + serial // 12 % 28:02d}{serial % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


def id_card_front(portrait):
    """A synthetic resident ID card front (856 x 540 px, the ID-1 aspect ratio): grey text bars on
    the left and a real photo as the portrait on the right (no real card is ever used in tests)."""
    import cv2
    import numpy as np

    card = np.full((540, 856, 3), (225, 228, 232), np.uint8)
    for i in range(6):
        cv2.rectangle(card, (60, 80 + 60 * i), (60 + 300 - 30 * (i % 3), 100 + 60 * i), (90, 90, 90), -1)
    if portrait is not None:
        card[90:420, 560:820] = cv2.resize(portrait, (260, 330), interpolation=cv2.INTER_AREA)
    return card


@contextmanager
def vision_calls(monkeypatch):
    """Within: the actions the API asks of the vision function (in process, as tests run it), so a
    test can show a refusal came before vision was asked anything."""
    from pensioncert.vision_client import InProcessTransport

    calls: list[str] = []
    invoke = InProcessTransport.invoke

    def recorded(self, event):
        calls.append(event["action"])
        return invoke(self, event)

    with monkeypatch.context() as patched:
        patched.setattr(InProcessTransport, "invoke", recorded)
        yield calls
