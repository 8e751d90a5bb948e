"""The wall's chart tiles: figures read off the UI thread, drawn large and dark, nothing to click."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from commandmap.services.charts import chart_data
from commandmap.services.exports.window import TimeWindow
from commandmap.ui.wall_charts import WallCharts

from .conftest import T0


def test_tiles_show_the_known_hour_read_in_a_worker(qtbot, history) -> None:
    ui_thread = threading.get_ident()
    calls: list[tuple[int, float]] = []

    def load(now_s: float):  # type: ignore[no-untyped-def]
        calls.append((threading.get_ident(), now_s))
        return chart_data(history.engine, TimeWindow(T0, T0 + 3600), now_s=now_s)

    tiles = WallCharts(unit=0.5)
    qtbot.addWidget(tiles)
    tiles.resize(480, 600)
    tiles.show()
    try:
        with qtbot.waitSignal(tiles.sig_drawn, timeout=10_000):
            tiles.start(load, lambda: T0 + 7200)
        assert calls == [(calls[0][0], T0 + 7200)] and calls[0][0] != ui_thread
        # dispatched→acknowledged 20 s and 90 s: p50 55 s, p90 83 s, target 1 min
        assert tiles.bars["p50_min"][1] == pytest.approx(55 / 60) and tiles.bars["p90_min"][1] == pytest.approx(83 / 60)
        assert tiles.bars["target_min"].tolist() == [1.0, 1.0, 5.0]
        assert tiles.bars["arrival_pct_by_hour"][list(tiles.data.by_hour).index(9)] == 50.0
        assert "<b>50%</b>" in tiles.caption.text()          # within 5 min (in whichever language is on)
        # readable from five metres, and nothing to click
        assert tiles.response_plot.getAxis("bottom").style["tickFont"].pixelSize() >= 11
        assert tiles.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        for plot in (tiles.response_plot, tiles.hour_plot):
            assert not plot.menuEnabled() and list(plot.vb.state["mouseEnabled"]) == [False, False]
        img = tiles.grab().toImage()
        dark = [img.pixelColor(x, y).lightness() for x in range(5, 475, 47) for y in range(200, 590, 39)]
        assert np.median(dark) < 60                     # a dark tile on the dark wall
    finally:
        tiles.close_worker()


def test_a_failed_read_keeps_the_last_picture(qtbot, history) -> None:
    answers = [chart_data(history.engine, TimeWindow(T0, T0 + 3600), now_s=T0 + 7200)]

    def load(now_s: float):  # type: ignore[no-untyped-def]
        if answers:
            return answers.pop()
        raise OSError("store gone")

    tiles = WallCharts()
    qtbot.addWidget(tiles)
    try:
        with qtbot.waitSignal(tiles.sig_drawn, timeout=10_000):
            tiles.start(load, lambda: T0 + 7200)
        first = tiles.data
        tiles.refresh()
        qtbot.waitUntil(lambda: not tiles.busy, timeout=10_000)
        assert tiles.data is first and tiles.bars["p90_min"][1] == pytest.approx(83 / 60)
    finally:
        tiles.close_worker()
