"""Both UI languages: our strings and Qt's standard buttons follow --lang."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from commandmap.ui.language import apply_language
from layers.i18n import tr


def _cancel_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    button: QPushButton = box.button(QDialogButtonBox.StandardButton.Cancel)
    text = button.text().replace("&", "")
    box.deleteLater()
    return text


def test_chinese_is_the_default_and_reaches_qt_buttons(qtbot) -> None:
    app = QApplication.instance()
    try:
        assert apply_language(app, None) == "zh_CN"
        assert tr("图层", "Layers") == "图层"
        assert "取消" in _cancel_text()
        assert apply_language(app, "en") == "en"
        assert tr("图层", "Layers") == "Layers"
        assert _cancel_text() == "Cancel"
    finally:
        apply_language(app, "zh_CN")
