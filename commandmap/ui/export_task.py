"""A long export off the UI thread, behind a progress dialog with a Cancel button."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..services.exports.tables import ExportCancelled

Work = Callable[[Callable[[str, float], None], Callable[[], bool]], Any]


class _Relay(QObject):
    sig_progress = Signal(str, float)
    sig_finished = Signal(object, object)     # result, exception


def run_cancellable(fn: Work, title: str, parent: QWidget | None = None) -> tuple[bool, Any]:
    """Run `fn(progress, cancelled)` in a worker thread; (True, result) when it finished,
    (False, None) when the analyst cancelled it. Other exceptions are re-raised here."""
    relay = _Relay()
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

    def on_progress(stage: str, fraction: float) -> None:
        dialog.setLabelText(f"{title}\n{stage}")
        dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def on_finished(result: Any, error: Any) -> None:
        outcome.update(result=result, error=error)
        loop.quit()

    relay.sig_progress.connect(on_progress)
    relay.sig_finished.connect(on_finished)

    def work() -> None:
        try:
            result = fn(lambda stage, f: relay.sig_progress.emit(stage, float(f)), stop.is_set)
        except BaseException as exc:  # handed to the UI thread
            relay.sig_finished.emit(None, exc)
        else:
            relay.sig_finished.emit(result, None)

    thread = threading.Thread(target=work, name="commandmap-export", daemon=True)
    thread.start()
    if "error" not in outcome:
        loop.exec()
    thread.join(5)
    dialog.close()
    dialog.deleteLater()
    error = outcome.get("error")
    if isinstance(error, ExportCancelled):
        return False, None
    if error is not None:
        raise error
    return True, outcome.get("result")
