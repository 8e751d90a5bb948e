"""Pick one point on the map: the next left click on the canvas gives its map metres; Esc cancels.

Used by the analysis tools ("who was within R of this point at T"). While picking the
cursor is a cross, the click selects nothing on the map, and Esc — wherever the focus
is — cancels instead of doing its usual job (clearing the selection).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent

from layers.canvas import MapCanvas


class MapPointPicker(QObject):
    sig_picked = Signal(float, float)
    """The point clicked, in map metres."""
    sig_cancelled = Signal()
    """Esc, or `cancel()`: no point."""

    def __init__(self, canvas: MapCanvas, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.active = False

    def start(self) -> None:
        if self.active:
            return
        self.active = True
        self.canvas.installEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)       # Esc cancels whichever widget has the focus
        self.canvas.setCursor(Qt.CursorShape.CrossCursor)

    def _finish(self) -> None:
        self.active = False
        self.canvas.removeEventFilter(self)
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.canvas.unsetCursor()

    def cancel(self) -> None:
        if self.active:
            self._finish()
            self.sig_cancelled.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if not self.active:
            return False
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape:
            event.accept()                         # overrides the Esc shortcut; the key press comes here
            if kind == QEvent.Type.KeyPress:
                self.cancel()
            return True
        if watched is self.canvas and isinstance(event, QMouseEvent) \
                and event.button() == Qt.MouseButton.LeftButton:
            if kind == QEvent.Type.MouseButtonRelease:
                x, y = self.canvas.screen_to_world(event.position())
                self._finish()
                self.sig_picked.emit(x, y)
            return kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                            QEvent.Type.MouseButtonDblClick)   # the click picks, it selects nothing
        return False
