"""The seat's escalation timer: grid whistles nobody accepted in time go to the district.

`escalate(now_s)` (the composition root hands in `whistle.escalate_due` on the
seat's store) runs every `INTERVAL_MS` on a worker thread, at the operation's
clock (the simulator's when one runs). The worker never calls into Qt: its result
waits in a future that a UI-thread timer picks up (as the dispatch controller
does). Several seats (and the simulator) may run it at once: each whistle
escalates once, decided by the store's conditional update.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ..services.clock import Clock
from .background_job import BackgroundJob

log = logging.getLogger(__name__)
INTERVAL_MS = 5_000
POLL_MS = 50


class EscalationClock(QObject):
    sig_escalated = Signal(list)
    """Incident ids this seat's timer just escalated (list[int], emitted on the UI thread)."""

    def __init__(self, escalate: Callable[[float], list[int]], clock: Clock, *, interval_ms: int = INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._escalate = escalate
        self._clock = clock
        self._job = BackgroundJob("escalation", self._on_escalated, self._on_failed, POLL_MS, parent=self)
        self.escalated: list[int] = []          # everything this seat escalated, oldest first
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.tick)
        self._closed = False

    def start(self) -> None:
        self._timer.start()
        self.tick()

    def tick(self) -> None:
        """Escalate what is due at the clock's now (skipped while the previous run is still going)."""
        if self._closed or self._job.busy:
            return
        self._job.submit(self._escalate, float(self._clock()))

    @property
    def busy(self) -> bool:
        return self._job.busy

    def _on_failed(self, exc: Exception) -> None:   # a database hiccup: try again at the next tick
        log.warning("escalation failed: %s", exc)

    def _on_escalated(self, result: list[int]) -> None:
        done = list(result)
        if done and not self._closed:
            self.escalated += done
            self.sig_escalated.emit(done)

    def close(self) -> None:
        self._closed = True
        self._timer.stop()
        self._job.close()
