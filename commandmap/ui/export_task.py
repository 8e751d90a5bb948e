"""A long export off the UI thread, behind a progress dialog with a Cancel button.

The worker never calls into Qt: it leaves its progress and outcome in plain
variables that a timer on the UI thread reads, as `ui.progress` does (a Qt signal
emitted from a Python thread can wait on a Qt lock while holding the interpreter
lock the UI thread needs: a deadlock).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..services.exports.tables import ExportCancelled

Work = Callable[[Callable[[str, float], None], Callable[[], bool]], Any]
POLL_MS = 30


def run_cancellable(fn: Work, title: str, parent: QWidget | None = None) -> tuple[bool, Any]:
    """Run `fn(progress, cancelled)` in a worker thread; (True, result) when it finished,
    (False, None) when the analyst cancelled it. Other exceptions are re-raised here."""
    stop = threading.Event()
    done = threading.Event()
    dialog = QProgressDialog(title, QCoreApplication.translate("Export", "Cancel"), 0, 1000, parent)
    dialog.setObjectName("ExportProgress")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(200)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)                      # starts the clock: shown after 200 ms, not Qt's default 4 s
    dialog.canceled.connect(stop.set)
    loop = QEventLoop()
    outcome: dict[str, Any] = {}
    progress: dict[str, tuple[str, float]] = {}   # the worker's latest (stage, fraction); the timer reads it
    drawn: list[tuple[str, float]] = []

    def on_tick() -> None:
        now = progress.get("latest")
        if now is not None and now not in drawn:
            drawn[:] = [now]
            stage, fraction = now
            dialog.setLabelText(f"{title}\n{stage}")
            dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if done.is_set():
            loop.quit()

    def work() -> None:
        try:
            outcome["result"] = fn(lambda stage, f: progress.__setitem__("latest", (stage, float(f))),
                                   stop.is_set)
        except BaseException as exc:  # re-raised on the UI thread
            outcome["error"] = exc
        finally:
            done.set()

    timer = QTimer()
    timer.setInterval(POLL_MS)
    timer.timeout.connect(on_tick)
    thread = threading.Thread(target=work, name="commandmap-export", daemon=True)
    thread.start()
    timer.start()
    if not done.is_set():
        loop.exec()
    timer.stop()
    thread.join(5)
    dialog.close()
    dialog.deleteLater()
    error = outcome.get("error")
    if isinstance(error, ExportCancelled):
        return False, None
    if error is not None:
        raise error
    return True, outcome.get("result")
