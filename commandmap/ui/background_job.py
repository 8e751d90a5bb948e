"""One piece of work at a time on a worker thread, its outcome handed back on the UI thread.

The worker never calls into Qt (a signal emitted from a Python thread can wait on a Qt lock
while holding the interpreter lock the UI thread needs): it only completes a future, and a
UI-thread timer polls that future and calls `on_done` or `on_error` there.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer


class BackgroundJob(QObject):
    def __init__(self, name: str, on_done: Callable[[Any], None], on_error: Callable[[Exception], None],
                 poll_ms: int = 50, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"commandmap-{name}")
        self._future: Future[Any] | None = None
        self._on_done, self._on_error = on_done, on_error
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self._on_poll)

    @property
    def busy(self) -> bool:
        """Submitted and not yet handed back."""
        return self._future is not None

    def submit(self, fn: Callable[..., Any], *args: Any) -> bool:
        """Start `fn(*args)` on the worker; False (and nothing started) while the last one runs."""
        if self._future is not None:
            return False
        self._future = self._pool.submit(fn, *args)
        self._poll.start()
        return True

    def _on_poll(self) -> None:
        fut = self._future
        if fut is None or not fut.done():
            return
        self._poll.stop()
        self._future = None
        try:
            result = fut.result()
        except Exception as exc:  # handed to the owner on the UI thread, never lost in the worker
            self._on_error(exc)
            return
        self._on_done(result)

    def close(self) -> None:
        """Stop polling, drop work not started, wait for work running."""
        self._poll.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
