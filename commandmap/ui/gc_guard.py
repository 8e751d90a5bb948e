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

from PySide6.QtCore import QObject, QTimer


class UiThreadGarbageCollector(QObject):
    """Disables automatic collection and collects, generation by generation, on a
    UI-thread timer (the same thresholds Python would use)."""

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect_due)
        self.installed = False

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
        """Collects the generations whose allocation count passed Python's threshold."""
        counts = gc.get_count()
        found = 0
        for generation in range(3):
            if counts[generation] <= self._thresholds[generation]:
                break
            found += gc.collect(generation)
        return found
