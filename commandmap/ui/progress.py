"""Slow start-up work off the UI thread, behind a progress dialog that keeps painting."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from layers.i18n import QT_TRANSLATE_NOOP
from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

POLL_MS = 30
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


def run_in_background(fn: Callable[[Callable[[str, float], None]], Any], title: str,
                      parent: QWidget | None = None) -> Any:
    """Run `fn(progress)` in a worker thread behind a progress dialog; return its
    result or raise its exception. The UI keeps painting meanwhile.

    The worker never calls into Qt: it leaves its progress and outcome in plain
    variables that a timer on the UI thread reads (a Qt call from a Python thread can
    wait on a Qt lock while holding the interpreter lock the UI thread needs)."""
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
    latest: list[tuple[str, float]] = []
    done = threading.Event()

    def on_tick() -> None:
        if latest:
            stage, fraction = latest[-1]
            name = STAGE_NAMES.get(stage)
            dialog.setLabelText(f"{title}\n{QCoreApplication.translate('Startup', name) if name else stage}")
            dialog.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        if done.is_set():
            loop.quit()

    def work() -> None:
        try:
            outcome["result"] = fn(lambda stage, f: latest.append((stage, float(f))))
        except BaseException as exc:  # re-raised on the UI thread
            outcome["error"] = exc
        finally:
            done.set()

    timer = QTimer()
    timer.setInterval(POLL_MS)
    timer.timeout.connect(on_tick)
    thread = threading.Thread(target=work, name="commandmap-startup", daemon=True)
    thread.start()
    timer.start()
    if not done.is_set():
        loop.exec()
    timer.stop()
    thread.join(5)
    dialog.close()
    dialog.deleteLater()
    if outcome.get("error") is not None:
        raise outcome["error"]
    return outcome.get("result")
