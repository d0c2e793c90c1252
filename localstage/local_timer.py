"""`make run`'s stand-in for the deployed stage's EventBridge schedule: the jobs once at start and
then every ``PERIOD_SECONDS``, in a daemon thread of the local stack's process."""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from localstage.local_loop import every

if TYPE_CHECKING:
    from pensioncert.services import Services

PERIOD_SECONDS = 24 * 3600
log = logging.getLogger(__name__)


def start(svc: Services) -> Callable[[], None]:
    """The daily jobs (reminders, suspensions, duplicate faces); returns what stops them."""
    def run_once() -> None:
        from pensioncert.jobs.handler import run_jobs

        log.info("jobs: %s", json.dumps(run_jobs(svc, ("reminders", "suspensions", "duplicate_faces")), ensure_ascii=False))

    return every(PERIOD_SECONDS, "jobs-timer", run_once, "jobs run failed")
