"""Helpers shared by the test suites (fixtures live in conftest.py)."""
from __future__ import annotations

import itertools
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from stdnum.cn import ric

REPO = Path(__file__).resolve().parent.parent


class StackDidNotStart(RuntimeError):
    pass


def start_local_stack(env: dict, state_file: Path, base_url: str, timeout: float, *,
                      ready_url: str | None = None, output: Callable[[], str] | None = None,
                      **popen: Any) -> subprocess.Popen:
    """`make run`'s stack (``python -m localstage.devstack`` with ``env``), returned once it is up:
    its state file written, then a captcha answered at ``base_url`` (and ``ready_url`` too, when
    given). StackDidNotStart when it exits first (with what it printed: its stdout pipe, or what
    ``output`` reads from wherever it was sent) or is not up within ``timeout`` s; whatever stops
    the wait, the stack it started is stopped (one left running kept its emulator and API for the
    rest of the session). ``popen``: Popen's arguments."""
    from localstage.devstack import stop_process

    process = subprocess.Popen([sys.executable, "-m", "localstage.devstack"], cwd=REPO, env=env, **popen)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                printed = output() if output else process.stdout.read() if process.stdout else ""
                raise StackDidNotStart("the local stack exited:\n" + printed)
            if state_file.exists():
                try:
                    if ready_url:
                        requests.get(ready_url, timeout=2)
                    requests.post(base_url + "/auth/captcha", timeout=5)
                    return process
                except (requests.ConnectionError, requests.Timeout):  # not up yet, or its first answer slow
                    pass
            time.sleep(0.3)
        raise StackDidNotStart(f"the local stack did not come up within {timeout:.0f} s")
    except BaseException:
        stop_process(process, timeout=20)
        raise


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
