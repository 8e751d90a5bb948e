"""File → Import city…: a bad definition is one line in the dialog; a check shows the report."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from commandmap.app import open_main_window
from commandmap.ui.language import apply_language

from .conftest import app_args


def test_the_import_dialog_reports_a_bad_definition_and_checks_a_good_one(qtbot, mini_store, tmp_path) -> None:
    from tests.services.city_import.fixture_city import write_city
    window = open_main_window(app_args(mini_store, lang="en"))
    qtbot.addWidget(window)
    try:
        window.act_import_city.trigger()
        dialog = window.city_import_dialog
        bad = tmp_path / "bad.toml"
        bad.write_text("name = 3\n", encoding="utf-8")
        dialog.path.setText(str(bad))
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
        text = dialog.report.toPlainText()
        assert "bad.toml" in text and len(text.splitlines()) == 1
        good = write_city(tmp_path / "city")
        dialog.path.setText(str(good.toml))
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
        report = dialog.report.toPlainText()
        assert "read officers" in report and report.endswith("dry run: nothing was written")
    finally:
        window.close()
        apply_language(QApplication.instance(), "zh_CN")
