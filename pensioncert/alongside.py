"""Calls that wait on the network, run while the request goes on (a certification's reads and its
tally overlap the vision call, which is where its time goes).

Only calls that do not depend on one another's results, and whose order does not matter to a rule,
run alongside: each rule that must hold under concurrency still holds through its own conditional
write. The block's end waits for every call, so nothing outlives the request (a Lambda is frozen
after it answers).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

_THREADS = 4


@contextmanager
def alongside() -> Iterator[Callable[..., Future[Any]]]:
    """``with alongside() as start: later = start(fn, *args)``; ``later.result()`` waits for it (and
    raises what it raised). Leaving the block waits for every call started in it."""
    with ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="alongside") as pool:
        yield pool.submit
