"""The charts dock draws p50/p90 and the target where the figures say, and exports PNG/CSV."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from commandmap.services.charts import chart_data
from commandmap.services.exports.window import TimeWindow
from commandmap.ui.charts_dock import ChartsPanel

from .conftest import T0


def test_panel_marks_percentiles_and_targets_and_exports(qtbot, history, tmp_path) -> None:
    calls = []

    def load(window, district):  # type: ignore[no-untyped-def]
        calls.append((window, district))
        return chart_data(history.engine, TimeWindow(T0, T0 + 3600), district, now_s=T0 + 7200)

    panel = ChartsPanel(load, ["海曙区"])
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    with qtbot.waitSignal(panel.sig_loaded, timeout=10_000):
        qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
    assert len(calls) == 1 and calls[0][1] is None
    panel.stage.setCurrentIndex(1)          # dispatched → acknowledged
    assert panel.marks["p50"].value() == 55.0 and panel.marks["p90"].value() == pytest.approx(83.0)
    assert panel.marks["target"].value() == 60.0
    contact, arrival = panel.district_plot.bars
    assert contact.tolist() == [0.5] and arrival.tolist() == [0.5]
    assert panel.hour_plot.bars[0][9] == 0.5
    png = panel.export_png(tmp_path / "charts.png", width_px=1600)
    img = QImage(str(png))
    assert img.width() == 1600 and img.height() > 0
    assert panel.export_csv(tmp_path / "charts.csv").read_text(encoding="utf-8-sig").startswith("chart,key")


@pytest.mark.parametrize("name", ["charts.png", "charts.pdf", "charts.csv"])
def test_export_button_writes_the_chosen_format(qtbot, history, tmp_path, monkeypatch, name) -> None:
    from PySide6.QtWidgets import QFileDialog

    panel = ChartsPanel(lambda w, d: chart_data(history.engine, TimeWindow(T0, T0 + 3600), d, now_s=T0 + 7200), [])
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / name), ""))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)     # loads the figures first, then writes
    data = (tmp_path / name).read_bytes()
    assert data.startswith({"png": b"\x89PNG", "pdf": b"%PDF", "csv": "\ufeffchart".encode()}[name[-3:]])
