"""Tells a window, just after each frame of it has been painted and flushed, that it was.

Why not an `event()` override on the window itself: a Python override wraps every event of the window,
its own deferred deletion included, and holds the interpreter lock while Qt runs it; deleting the map's
render thread pool then waits for a render job that needs that lock (a deadlock seen in the test suite).
Here a filter only looks at the event's type and posts a note to this small object, which the event
loop delivers after the frame's UpdateRequest has been handled.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject

_FRAME_SHOWN = QEvent.Type(QEvent.registerEventType())


class FrameWatch(QObject):
    """Calls `on_frame()` once after each flushed frame of `window` (several frames before the note is
    delivered count as one: what matters is that the latest one was shown)."""

    def __init__(self, window: QObject, on_frame: Callable[[], None]) -> None:
        super().__init__(window)
        self._on_frame = on_frame
        self._posted = False
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.UpdateRequest and not self._posted:
            self._posted = True
            QCoreApplication.postEvent(self, QEvent(_FRAME_SHOWN))
        return False

    def event(self, event: QEvent) -> bool:
        if event.type() == _FRAME_SHOWN:
            self._posted = False
            self._on_frame()
            return True
        return super().event(event)
