"""`make run`'s stand-in for the deployed stage's EventBridge schedule: the jobs once at start and
then every ``PERIOD_SECONDS``, in a daemon thread of the local stack's process."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pensioncert.services import Services

PERIOD_SECONDS = 24 * 3600
log = logging.getLogger(__name__)


def start(svc: Services) -> Callable[[], None]:
    """Starts the timer; returns what stops it, waiting for a run in flight (`make run` stops it
    before its last snapshot and its emulator: a run cut off by the emulator's end would log errors
    from a thread the interpreter is finalising)."""
    stop = threading.Event()

    def loop() -> None:
        from pensioncert.jobs.handler import run_jobs

        while not stop.is_set():
            try:
                reports = run_jobs(svc, ("reminders", "suspensions", "duplicate_faces"))
                log.info("jobs: %s", json.dumps(reports, ensure_ascii=False))
            except Exception:  # a failed run is repeated by the next one (every write is conditional)
                log.exception("jobs run failed")
            stop.wait(PERIOD_SECONDS)

    thread = threading.Thread(target=loop, name="jobs-timer", daemon=True)
    thread.start()

    def stop_timer(wait_seconds: float = 20.0) -> None:
        stop.set()
        thread.join(wait_seconds)

    return stop_timer
