"""`make run`'s periodic drain of the notice queue on the emulator (deployed: the queue's event
source mapping): the notices whose send failed come back after the queue's visibility timeout and
are delivered by the same consumer (pensioncert/jobs/local_notices.py), as deployed."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from localstage.local_loop import every
from pensioncert.jobs.local_notices import drain

if TYPE_CHECKING:
    from pensioncert.services import Services

PERIOD_SECONDS = 5.0


def start(svc: Services) -> Callable[[], None]:
    """The drain every PERIOD_SECONDS (a message's own failures are SQS's to count); returns what
    stops it (localstage.local_loop.every)."""
    return every(PERIOD_SECONDS, "notice-drain", lambda: drain(svc, svc.notices), "notice queue drain failed")
