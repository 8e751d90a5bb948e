"""Waiting for a condition outside Qt (threads, subprocesses, the database): poll with a deadline.

GUI tests use `qtbot.waitUntil`; this is its counterpart where no event loop runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout_s: float = 10.0, interval_s: float = 0.01) -> None:
    """Return once `predicate()` is true; AssertionError naming the timeout otherwise."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        time.sleep(interval_s)
