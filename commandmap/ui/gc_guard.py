"""Python's cycle collector runs only in the UI thread while the app is up.

Automatic collection runs in whichever thread happens to allocate when a
threshold is crossed — a database read or a recommendation worker, here. If the
garbage it finds holds a Qt object (a closed window's menu, a dock), the object
is destroyed in that worker thread: its destructor waits for the interpreter
lock the UI thread holds while the UI thread waits for a Qt lock the destructor
holds. The app froze that way (seen in CI: every UI test after the first window
was collected hung). pyqtgraph ships the same remedy (`GarbageCollector`); this
one can also be removed again, which tests that build many windows need.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

#: a full collection once the oldest generation holds this many times what the last one left
FULL_GROWTH = 1.25
FULL_CHECK_EVERY_S = 5.0


class UiThreadGarbageCollector(QObject):
    """Disables automatic collection and collects, generation by generation, on a
    UI-thread timer (the thresholds Python would use, and its rule for full collections).

    A full collection walks every live object: with a city loaded (~230,000 of them) it held the
    UI thread, and with it the recommendation worker, for 270–480 ms — every few seconds when
    counted by the plain threshold. Python itself runs one only once the objects that survived
    into the oldest generation grew by a quarter since the last one; so does this."""

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self.installed = False
        self._long_lived = len(gc.get_objects(2))   # the oldest generation after the last full collection
        self.full_collections = 0
        self._next_check = 0.0

    def install(self) -> None:
        if self.installed:
            return
        gc.disable()
        self._timer.start()
        self.installed = True

    def uninstall(self) -> None:
        """Collects once more here and gives collection back to Python."""
        if not self.installed:
            return
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
        self.installed = False

    def collect_due(self) -> int:
        """Collects the generations whose allocation count passed Python's threshold; the oldest
        only when it grew by a quarter (FULL_GROWTH) since the last full collection."""
        counts = gc.get_count()
        found = 0
        for generation in range(3):
            if counts[generation] <= self._thresholds[generation]:
                break
            if generation == 2:
                now = time.monotonic()
                if now < self._next_check:   # counting the oldest generation costs ~7 ms itself
                    break
                self._next_check = now + FULL_CHECK_EVERY_S
                if len(gc.get_objects(2)) < self._long_lived * FULL_GROWTH:
                    break
                found += gc.collect(2)
                self._long_lived = len(gc.get_objects(2))
                self.full_collections += 1
                break
            found += gc.collect(generation)
        return found
