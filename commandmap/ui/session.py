"""The Qt application around a window: language, theme, the event loop, start-up errors.

Kept apart from the composition root (`commandmap.app`) so that module stays
free of widgets, and apart from the windows so each window is built from what
it is handed (tests build them the same way).
"""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from layers.themes import Theme

from .gc_guard import UiThreadGarbageCollector
from .language import apply_language
from .settings import load_language, save_language
from .theme import apply_theme


def ensure_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    app.setApplicationName("CommandMap")
    app.setOrganizationName("CommandMap")
    assert isinstance(app, QApplication)
    guard = app.findChild(UiThreadGarbageCollector)
    if guard is None:  # worker threads must never destroy Qt objects (see gc_guard)
        guard = UiThreadGarbageCollector(parent=app)
    guard.install()
    return app


def release_gc_guard() -> None:
    """Give collection back to Python (after a last collection here): for a process that keeps
    running once its windows are gone (the test suite)."""
    app = QApplication.instance()
    guard = app.findChild(UiThreadGarbageCollector) if app is not None else None
    if guard is not None:
        guard.uninstall()
    else:
        gc.collect()
        gc.enable()


def start_session(app: QApplication, lang: str | None, theme_name: str) -> Theme:
    """Apply the language (given, else the one remembered, else Chinese) and the theme."""
    chosen = apply_language(app, lang or load_language())
    if lang:
        save_language(chosen)
    return apply_theme(app, theme_name)


def report_launch_error(message: str) -> None:
    """One line on stderr; a message box too when a real screen is there to show it."""
    print(f"commandmap: error: {message}", file=sys.stderr)
    if QApplication.platformName() not in ("offscreen", "minimal"):
        QMessageBox.critical(None, QCoreApplication.translate("Session", "Cannot start"), message)


def run_event_loop(app: QApplication, window: QWidget, exit_after_ms: int | None = None) -> int:
    """The app's event loop; `exit_after_ms` closes the window and quits (smoke tests). The timers
    are stopped when the loop returns, so a pending quit can never end a later event loop."""
    timers: list[QTimer] = []
    if exit_after_ms:
        for delay, slot in ((exit_after_ms, window.close), (exit_after_ms + 50, app.quit)):
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(slot)
            timer.start(delay)
            timers.append(timer)
    app.setQuitOnLastWindowClosed(True)
    try:
        return int(app.exec())
    finally:
        for timer in timers:
            timer.stop()
