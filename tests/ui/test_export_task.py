"""A long export runs in a worker that never touches Qt; the dialog shows its progress and cancels it."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QProgressDialog, QPushButton

from commandmap.services.exports.tables import ExportCancelled
from commandmap.ui.export_task import run_cancellable


def _dialog() -> QProgressDialog | None:
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QProgressDialog) and w.objectName() == "ExportProgress" and w.isVisible():
            return w
    return None


def test_progress_reaches_the_dialog_and_the_result_comes_back(qtbot) -> None:
    ui_thread = threading.get_ident()
    seen: dict[str, object] = {}
    release = threading.Event()

    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        seen["thread"] = threading.get_ident()
        progress("reading incidents", 0.5)
        release.wait(10)
        return 42

    def check() -> None:        # on the UI thread, while the export runs
        d = _dialog()
        if d is None or d.value() != 500:
            QTimer.singleShot(20, check)
            return
        seen["label"] = d.labelText()
        release.set()

    QTimer.singleShot(0, check)
    assert run_cancellable(work, "Exporting day.gpkg") == (True, 42)
    assert seen["thread"] != ui_thread
    assert seen["label"] == "Exporting day.gpkg\nreading incidents"


def test_cancel_button_stops_the_worker(qtbot) -> None:
    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        progress("writing", 0.1)
        for _ in range(1000):
            if cancelled():
                raise ExportCancelled()
            threading.Event().wait(0.01)
        return "finished"

    def press_cancel() -> None:
        d = _dialog()
        if d is None:
            QTimer.singleShot(20, press_cancel)
            return
        d.findChild(QPushButton).click()

    QTimer.singleShot(0, press_cancel)
    assert run_cancellable(work, "Exporting") == (False, None)


def test_other_errors_are_raised_on_the_ui_thread(qtbot) -> None:
    def work(progress, cancelled):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        run_cancellable(work, "Exporting")
