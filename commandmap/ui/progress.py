"""Slow start-up work off the UI thread, behind a progress dialog that keeps painting."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from layers.i18n import QT_TRANSLATE_NOOP
from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

STAGE_NAMES: dict[str, str] = {
    "districts": QT_TRANSLATE_NOOP("Startup", "districts"), "towns": QT_TRANSLATE_NOOP("Startup", "towns"),
    "grids": QT_TRANSLATE_NOOP("Startup", "grids"), "roads": QT_TRANSLATE_NOOP("Startup", "roads"),
    "road graph": QT_TRANSLATE_NOOP("Startup", "road graph"), "streets": QT_TRANSLATE_NOOP("Startup", "streets"),
    "officers": QT_TRANSLATE_NOOP("Startup", "officers"), "sites": QT_TRANSLATE_NOOP("Startup", "regulated sites"),
    "incidents": QT_TRANSLATE_NOOP("Startup", "incidents"),
    "writing to the store": QT_TRANSLATE_NOOP("Startup", "writing to the store"),
    "done": QT_TRANSLATE_NOOP("Startup", "done"), "opening": QT_TRANSLATE_NOOP("Startup", "opening the store"),
    "loading": QT_TRANSLATE_NOOP("Startup", "loading the map"),
    "live": QT_TRANSLATE_NOOP("Startup", "loading live data"),
    "simulator": QT_TRANSLATE_NOOP("Startup", "starting the simulator"),
}


def startup_title() -> str:
    return QCoreApplication.translate(
        "Startup", "Opening CommandMap… (the first start builds the Ningbo demo city, about a minute)")


class _Relay(QObject):
    sig_progress = Signal(str, float)
    sig_finished = Signal(object, object)     # result, exception


def run_in_background(fn: Callable[[Callable[[str, float], None]], Any], title: str,
                      parent: QWidget | None = None) -> Any:
    """Run `fn(progress)` in a worker thread behind a progress dialog; return its
    result or raise its exception. The UI keeps painting meanwhile."""
    relay = _Relay()
    dialog = QProgressDialog(title, "", 0, 1000, parent)
    dialog.setObjectName("StartupProgress")
    dialog.setWindowTitle(QCoreApplication.translate("Startup", "CommandMap"))
    dialog.setCancelButton(None)            # a half-written city is worse than waiting a minute
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.setMinimumDuration(300)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    loop = QEventLoop()
    outcome: dict[str, Any] = {}

    def on_progress(stage: str, fraction: float) -> None:
        name = STAGE_NAMES.get(stage)
        dialog.setLabelText(f"{title}\n{QCoreApplication.translate('Startup', name) if name else stage}")
        dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))

    def on_finished(result: Any, error: Any) -> None:
        outcome["result"] = result
        outcome["error"] = error
        loop.quit()

    relay.sig_progress.connect(on_progress)
    relay.sig_finished.connect(on_finished)

    def work() -> None:
        try:
            result = fn(lambda stage, f: relay.sig_progress.emit(stage, float(f)))
        except BaseException as exc:  # re-raised on the UI thread
            relay.sig_finished.emit(None, exc)
        else:
            relay.sig_finished.emit(result, None)

    thread = threading.Thread(target=work, name="commandmap-startup", daemon=True)
    thread.start()
    if "error" not in outcome:
        loop.exec()
    thread.join(5)
    dialog.close()
    dialog.deleteLater()
    if outcome.get("error") is not None:
        raise outcome["error"]
    return outcome.get("result")
