"""A long export off the UI thread, behind a progress dialog with a Cancel button."""

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
    (False, None) when the analyst cancelled it. Other exceptions are re-raised here.

    The worker never calls into Qt: its progress and outcome go into plain variables that a
    UI-thread timer reads (a Qt signal emitted from a Python thread can wait on a Qt lock while
    holding the interpreter lock the UI thread needs)."""
    stop = threading.Event()
    dialog = QProgressDialog(title, QCoreApplication.translate("Export", "Cancel"), 0, 1000, parent)
    dialog.setObjectName("ExportProgress")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(200)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.canceled.connect(stop.set)
    loop = QEventLoop()
    outcome: dict[str, Any] = {}
    latest: list[tuple[str, float]] = []
    done = threading.Event()

    def on_tick() -> None:
        if latest:
            stage, fraction = latest[-1]
            dialog.setLabelText(f"{title}\n{stage}")
            dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if done.is_set():
            loop.quit()

    def work() -> None:
        try:
            outcome["result"] = fn(lambda stage, f: latest.append((stage, float(f))), stop.is_set)
        except BaseException as exc:  # handed to the UI thread
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
