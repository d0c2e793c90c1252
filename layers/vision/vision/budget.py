"""A time budget per vision call, checked between units of work (a frame, a detector window, an
OCR pass), so that no input keeps the function busy until its timeout.

The vision function's timeout is 30 s; a genuine session (2 steps of up to 12 ~640 px frames)
decides in about 1 s here and an ID card (OCR + portrait) in about 1-2 s, so a call that is
still running after BUDGET_SECONDS is not a genuine one: it is stopped with VisionBusy and the
API answers 503 VISION_UNAVAILABLE (retryable) instead of holding a worker for half a minute.
"""

import contextlib
import os
import time
from contextvars import ContextVar

# Well under the function's 30 s timeout, far above a genuine call (see above).
BUDGET_SECONDS = float(os.environ.get("VISION_TIME_BUDGET_SECONDS", "10"))

_deadline: ContextVar[float | None] = ContextVar("vision_deadline", default=None)


class VisionBusy(Exception):
    """The call ran out of its time budget (not a decision about the person)."""


@contextlib.contextmanager
def budget(seconds: float | None = None):
    token = _deadline.set(time.monotonic() + (BUDGET_SECONDS if seconds is None else seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check(where: str) -> None:
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise VisionBusy(where)
