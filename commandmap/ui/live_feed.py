"""The map's live data pump: poll a snapshot provider on a timer (4 Hz).

The provider is any callable returning an `OperationSnapshot` — `LiveState`'s
`provider()` in the app, a fake in tests, a replay later. Polling (instead of
pushing from the store thread) keeps every Qt call on the UI thread and
naturally drops ticks when the UI is busy rather than queueing them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ..domain.snapshot import OperationSnapshot

log = logging.getLogger(__name__)
Provider = Callable[[], OperationSnapshot]
DEFAULT_INTERVAL_MS = 250


class LiveFeed(QObject):
    sig_snapshot = Signal(object)
    """A new `OperationSnapshot` to draw."""
    sig_error = Signal(str)
    """The provider failed (one line); the feed keeps polling."""

    def __init__(self, provider: Provider | None = None, interval_ms: int = DEFAULT_INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._provider = provider
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll_once)
        self._last_error: str | None = None
        self.last: OperationSnapshot | None = None
        self.ticks = 0

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_provider(self, provider: Provider | None) -> None:
        self._provider = provider

    def start(self) -> None:
        self.poll_once()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def poll_once(self) -> OperationSnapshot | None:
        if self._provider is None:
            return None
        try:
            snap = self._provider()
        except Exception as exc:  # a failing source must not take the map down
            msg = f"live data unavailable: {exc}"
            if msg != self._last_error:
                log.warning("%s", msg)
                self.sig_error.emit(msg)
            self._last_error = msg
            return None
        self._last_error = None
        if snap is None:
            return None
        self.last = snap
        self.ticks += 1
        self.sig_snapshot.emit(snap)
        return snap


class Follower:
    """Runs a `LiveState.follow(stop)` loop in a daemon thread (it reads the
    change feed; the UI only ever calls the cheap `snapshot()`)."""

    def __init__(self, live, poll_s: float = 0.25,  # type: ignore[no-untyped-def]
                 on_refresh: Callable[[object], object] | None = None) -> None:
        """`on_refresh(stats)`: called on the follower thread after a refresh that read changes (the
        app's road switch); it must not call into Qt."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=live.follow, args=(self._stop,),
                                        kwargs={"poll_s": poll_s, "on_refresh": on_refresh},
                                        name="live-follow", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)


def take_new_roads(ctx, canvas) -> bool:  # type: ignore[no-untyped-def]
    """On the UI thread, each tick: draw the roads of a road network the follower switched to (an
    import while this seat runs), keeping the view. True when the map changed."""
    roads = getattr(ctx, "roads", None)
    city = roads.take_city() if roads is not None else None
    if city is None:
        return False
    ctx.city = city
    canvas.set_city(city, fit=False)
    return True
