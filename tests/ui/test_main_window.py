"""The first main window: the demo city on the map, live officers, the layer panel."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from commandmap.app import LaunchError, open_main_window, run_app as launch
from commandmap.ui.language import apply_language

from .conftest import app_args


def _open(qtbot, args):
    window = open_main_window(args)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_empty_store_gets_the_demo_city_and_the_map_shows_it(qtbot, tmp_path, tiny_demo_env) -> None:
    window = _open(qtbot, app_args(f"sqlite:///{tmp_path / 'new.sqlite3'}"))
    try:
        assert window.ctx.built_demo
        city = window.canvas.stack.city
        assert len(city.districts.ids) == 10 and "海曙区" in city.districts.names
        assert len(city.roads.offsets) > 1000 and len(city.sites.ids) == 1000
        # the map fits Ningbo: its centre is near Sanjiangkou, in UTM 51N metres
        assert 300_000 < window.canvas.view.cx < 430_000 and 3_190_000 < window.canvas.view.cy < 3_380_000
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot is not None, timeout=5000)
        officers = window.canvas.layer("officers").officers
        assert len(officers.ids) == 500 and np.isfinite(officers.xy).all()
        qtbot.waitUntil(lambda: "500" in window.status_live.text(), timeout=5000)
    finally:
        window.close()


def test_store_with_a_city_is_opened_as_is(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, theme="wall", lang="en"))
    try:
        assert not window.ctx.built_demo
        assert window.canvas.theme.name == "wall"
        assert QApplication.instance().property("commandmap_theme") == "wall"
        assert window.layer_dock.windowTitle() == "Layers"
        assert window.live_feed.running and window.live_feed.interval_ms == 250
    finally:
        window.close()
        apply_language(QApplication.instance(), "zh_CN")


def test_switching_language_at_run_time_retranslates_the_layer_panel(qtbot, mini_store) -> None:
    app = QApplication.instance()
    window = _open(qtbot, app_args(mini_store))
    try:
        panel = window.layer_panel
        assert panel.item("officers").text(0) == "执法队员" and "空闲" in panel.legend_labels("officers")
        apply_language(app, "en")
        qtbot.waitUntil(lambda: panel.item("officers").text(0) == "Officers", timeout=3000)
        assert "Available" in panel.legend_labels("officers") and panel.item("roads").text(0) == "Roads"
    finally:
        window.close()
        apply_language(app, "zh_CN")


def test_switching_language_at_run_time_retranslates_the_window_chrome(qtbot, mini_store) -> None:
    app = QApplication.instance()
    window = _open(qtbot, app_args(mini_store))
    try:
        assert window.layer_dock.windowTitle() == "图层" and window.act_zoom_in.text() == "放大"
        assert window.windowTitle().startswith("指挥一张图")
        assert window.queue_dock.windowTitle() == "事件队列" and window.candidates.widen_box.text() == "包含其他部门"
        apply_language(app, "en")
        qtbot.waitUntil(lambda: window.layer_dock.windowTitle() == "Layers", timeout=3000)
        assert window.windowTitle().startswith("CommandMap")
        assert (window.act_zoom_in.text(), window.act_home.text(), window.act_wall.text()) == \
            ("Zoom in", "Whole city", "Wall theme")
        assert window.queue_dock.windowTitle() == "Incident queue"
        assert window.candidates.widen_box.text() == "Include other departments"
        assert window.queue.model.headerData(0, Qt.Orientation.Horizontal) == "Code"
    finally:
        window.close()
        apply_language(app, "zh_CN")


def test_layer_panel_toggles_layers_and_shows_legends(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store))
    try:
        panel = window.layer_panel
        assert "空闲" in panel.legend_labels("officers") and "定位过期（显示时长）" in panel.legend_labels("officers")
        assert any(label.startswith("P1") for label in panel.legend_labels("incidents"))
        assert {"餐饮", "建筑工地", "危化品企业"} <= set(panel.legend_labels("sites"))
        item = panel.item("roads")
        item.setCheckState(0, Qt.CheckState.Unchecked)
        assert not window.canvas.layer("roads").visible
        window.canvas.layer("roads").visible = True          # and the panel follows the map
        assert item.checkState(0) == Qt.CheckState.Checked
        # the heatmap and coverage overlays start hidden
        assert panel.item("heatmap").checkState(0) == Qt.CheckState.Unchecked
    finally:
        window.close()


def test_selection_and_cursor_show_in_the_status_bar(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store))
    try:
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot is not None, timeout=5000)
        officers = window.canvas.layer("officers").officers
        x, y = officers.xy[0]
        window.canvas.center_on(float(x), float(y), m_per_px=2.0)
        p = window.canvas.world_to_screen(float(x), float(y)).toPoint()
        with qtbot.waitSignal(window.canvas.sig_feature_selected, timeout=3000):
            qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=p)
        assert officers.badges[0] in window.status_selection.text()
        qtbot.mouseMove(window.canvas, p + QPoint(7, 5))
        qtbot.mouseMove(window.canvas, p + QPoint(20, 9))   # offscreen Qt may swallow the first move after a click
        qtbot.waitUntil(lambda: "°E" in window.status_cursor.text(), timeout=3000)
        lon = float(window.status_cursor.text().split("°E")[0])
        assert 120.8 < lon < 122.4
        assert window.status_scale.text().startswith("比例尺 1:")
    finally:
        window.close()


def test_theme_switch_restyles_the_map_and_the_panel(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store))
    try:
        assert window.canvas.theme.name == "workstation"
        window.act_wall.trigger()
        assert window.canvas.theme.name == "wall" and window.act_wall.isChecked()
        window.act_wall.trigger()
        assert window.canvas.theme.name == "workstation"
    finally:
        window.close()


def test_pdf_export_from_the_window(qtbot, mini_store, tmp_path) -> None:
    window = _open(qtbot, app_args(mini_store))
    try:
        out = window.export_to(tmp_path / "view.pdf")
        assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 10_000
    finally:
        window.close()


def test_launch_runs_the_event_loop_and_exits(qtbot, mini_store, monkeypatch) -> None:
    monkeypatch.setenv("COMMANDMAP_EXIT_AFTER_MS", "400")
    assert launch(app_args(mini_store)) == 0


def test_unreachable_store_is_one_clear_line(qtbot, tmp_path, capsys) -> None:
    rc = launch(app_args(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.sqlite3'}"))
    assert rc == 2
    err = capsys.readouterr().err
    assert err.startswith("commandmap: error:") and "does not exist" in err and "Traceback" not in err


def test_bad_demo_scale_is_reported(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("COMMANDMAP_DEMO_SCALE", "huge")
    with pytest.raises(LaunchError, match="COMMANDMAP_DEMO_SCALE"):
        open_main_window(app_args(f"sqlite:///{tmp_path / 'x.sqlite3'}"))
