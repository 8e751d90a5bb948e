"""UI languages through Qt's translator: our catalogue and Qt's own buttons follow
--lang, a switch at run time retranslates what is on screen, and a new language
is a new catalogue file, no code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import PySide6
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from commandmap import paths
from commandmap.ui.language import apply_language
from commandmap.ui.layer_panel import LayerPanel
from layers.canvas import MapCanvas
from layers.i18n import language
from layers.officers import OfficerLayer
from layers.themes import WORKSTATION


@pytest.fixture(autouse=True)
def _back_to_chinese(qapp):
    yield
    apply_language(qapp, "zh_CN")


def _cancel_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    button: QPushButton = box.button(QDialogButtonBox.StandardButton.Cancel)
    text = button.text().replace("&", "")
    box.deleteLater()
    return text


def test_chinese_is_the_default_and_reaches_qt_buttons(qtbot) -> None:
    app = QApplication.instance()
    assert apply_language(app, None) == "zh_CN" and language() == "zh_CN"
    assert OfficerLayer().title == "执法队员"
    assert "取消" in _cancel_text()
    assert apply_language(app, "en") == "en" and language() == "en"
    assert OfficerLayer().title == "Officers"
    assert _cancel_text() == "Cancel"


def test_unknown_language_is_one_clear_error_and_changes_nothing(qapp) -> None:
    apply_language(qapp, "zh_CN")
    with pytest.raises(ValueError, match=r"unknown language 'xx': choose one of zh_CN, en"):
        apply_language(qapp, "xx")
    assert language() == "zh_CN" and OfficerLayer().title == "执法队员"


def test_catalogue_is_found_from_any_working_directory(qapp, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    apply_language(qapp, "zh_CN")
    assert OfficerLayer().title == "执法队员"


def test_a_third_language_is_a_catalogue_file_and_no_code(qapp, tmp_path, monkeypatch) -> None:
    ts = tmp_path / "commandmap_de.ts"
    ts.write_text("""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context><name>Layer</name>
<message><source>Officers</source><translation>Einsatzkräfte</translation></message>
</context>
</TS>
""", encoding="utf-8")
    lrelease = Path(PySide6.__file__).resolve().parent / "lrelease"
    subprocess.run([str(lrelease), "-silent", str(ts)], check=True, timeout=60)
    shutil.copy(paths.translations_dir() / "commandmap_zh_CN.qm", tmp_path)
    monkeypatch.setattr(paths, "translations_dir", lambda: tmp_path)
    assert paths.ui_languages() == ("zh_CN", "en", "de")
    assert apply_language(qapp, "de") == "de" and language() == "de"
    assert OfficerLayer().title == "Einsatzkräfte"
    assert OfficerLayer().legend(WORKSTATION)[0].label == "Available"    # not translated yet: the source text


def test_layer_panel_retranslates_when_the_language_switches(qtbot, qapp) -> None:
    apply_language(qapp, "zh_CN")
    canvas = MapCanvas(theme=WORKSTATION)
    qtbot.addWidget(canvas)
    panel = LayerPanel(canvas)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.item("officers").text(0) == "执法队员" and "空闲" in panel.legend_labels("officers")
    assert panel.item("roads").toolTip(0) == "勾选显示，取消隐藏"
    apply_language(qapp, "en")          # Qt posts LanguageChange to every widget: it arrives in the event loop
    qtbot.waitUntil(lambda: panel.item("officers").text(0) == "Officers", timeout=3000)
    assert "Available" in panel.legend_labels("officers") and "空闲" not in panel.legend_labels("officers")
    assert panel.item("roads").toolTip(0) == "Tick to show, untick to hide"
    apply_language(qapp, "zh_CN")
    qtbot.waitUntil(lambda: panel.item("officers").text(0) == "执法队员", timeout=3000)
    assert "空闲" in panel.legend_labels("officers")


def _pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    return np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.width(), 4).copy()


def test_map_repaints_its_texts_in_the_new_language(qtbot, qapp) -> None:
    apply_language(qapp, "zh_CN")
    canvas = MapCanvas(theme=WORKSTATION)
    canvas.clock_source = lambda: 1_764_000_000.0        # a fixed second, so only the language changes the clock
    qtbot.addWidget(canvas)
    canvas.resize(640, 400)
    canvas.show()
    qtbot.waitExposed(canvas)
    chinese = _pixels(canvas.grab().toImage())
    canvas._clock_timer.stop()          # so the only reason left to repaint is the language change
    canvas.last_frame_ms = -1.0
    apply_language(qapp, "en")
    qtbot.waitUntil(lambda: canvas.last_frame_ms >= 0, timeout=3000)
    english = _pixels(canvas.grab().toImage())
    clock = (slice(0, 120), slice(360, 640))             # top right: the date line under the time
    assert not np.array_equal(chinese[clock], english[clock])
    apply_language(qapp, "zh_CN")
    assert np.array_equal(chinese[clock], _pixels(canvas.grab().toImage())[clock])
