"""Frames are reported without a Python `event()` override on widgets that own render threads.

Such an override holds the interpreter lock while Qt handles every event of the widget, its deferred
deletion included; deleting the map's render pool then waits for a render job that needs the lock, and
the app hangs (seen in the suite). So the window is watched by a filter (`FrameWatch`), and this test
keeps it that way."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from commandmap.ui.frame_watch import FrameWatch
from commandmap.ui.main_window import MainWindow
from layers.canvas import MapCanvas


def test_no_python_event_override_on_the_window_or_the_map() -> None:
    for cls in (MainWindow, MapCanvas):
        assert "event" not in cls.__dict__, f"{cls.__name__} overrides event() in Python"


def test_a_repaint_is_reported_after_the_frame(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = QWidget()
    qtbot.addWidget(w)
    frames: list[int] = []
    FrameWatch(w, lambda: frames.append(1))
    w.resize(200, 100)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=5000)
    before = len(frames)
    w.update()
    qtbot.waitUntil(lambda: len(frames) > before, timeout=5000)
