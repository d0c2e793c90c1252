"""A loop of `make run`'s local stage that stands in for a deployed schedule or event source."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


def every(period_seconds: float, name: str, run_once: Callable[[], object], failed: str) -> Callable[[], None]:
    """``run_once`` in a daemon thread now and every ``period_seconds``, a failure logged as ``failed``
    (the next round tries again; every write is conditional). Returns what stops the loop and waits for
    a round in flight: `make run` stops its loops before its last snapshot and its emulator, since a
    round cut off by the emulator's end would log from a thread the interpreter is finalising."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                run_once()
            except Exception:
                log.exception(failed)
            stop.wait(period_seconds)

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()

    def stop_loop(wait_seconds: float = 20.0) -> None:
        stop.set()
        thread.join(wait_seconds)

    return stop_loop
