"""The analyst's docks in the workstation: replay shows what the dispatcher saw, the heatmap
window feeds the map's heatmap layer, data exports from the menu."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from PySide6.QtCore import Qt

from commandmap.app import open_main_window
from commandmap.domain.snapshot import OfficerStatusCode

from .conftest import app_args


def _open(qtbot, args):  # type: ignore[no-untyped-def]
    window = open_main_window(args)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_replay_shows_the_list_the_dispatcher_chose_from(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, seat="desk-9", lang="en"))
    try:
        c = window.controller
        qtbot.waitUntil(lambda: c.selected is not None and c.recommendation is not None
                        and window.snapshot is not None, timeout=10000)
        best = c.recommendation.candidates[0]
        sent_at = window.ctx.live.now()
        qtbot.keyClick(window.queue.view, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.snapshot.officers.status[
            int(np.flatnonzero(window.snapshot.officers.ids == best.officer_id)[0])] == OfficerStatusCode.DISPATCHED,
            timeout=5000)
        a = window.analysis
        assert a is not None and a.menu.title() and not a.replay_dock.isVisible()
        a.replay_dock.toggleViewAction().trigger()
        from commandmap.services.replay import ReplayHistory
        window.ctx.workbench.shown.flush()     # the seat's writer thread stores the lists shown in the background
        a.replay.set_history(ReplayHistory(window.ctx.engine, window.ctx.city.crs, sent_at - 600, sent_at + 600))
        assert a.replaying
        snap = a.replay.seek(sent_at + 5)
        assert window.canvas.stack.snapshot is snap and snap.sequence == -1      # the map shows the replay
        k = int(np.flatnonzero(snap.officers.ids == best.officer_id)[0])
        assert snap.officers.status[k] == OfficerStatusCode.DISPATCHED
        top = a.replay.shown.topLevelItem(0)
        assert top is not None and "desk-9" in top.text(0)
        rows = [(top.child(i).text(0), top.child(i).text(2)) for i in range(top.childCount())]
        assert rows[0] == (f"{best.badge} {best.name}", "✔")
        a.replay.seek(sent_at - 600)                   # before anything was shown
        assert a.replay.shown.topLevelItemCount() == 0
        a.replay.stop()
        assert not a.replaying
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot.sequence >= 0, timeout=5000)   # live again
    finally:
        window.close()


def test_heatmap_window_and_data_export_from_the_menu(qtbot, mini_store, tmp_path) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        qtbot.waitUntil(lambda: window.snapshot is not None, timeout=10000)
        a = window.analysis
        a.heatmap.width_h.setValue(24 * 7)
        a.heatmap.enabled.setChecked(True)
        assert a.heatmap.grid is not None and "kernel 500 m" in a.heatmap.caption.text()
        assert window.canvas.stack.snapshot.incident_density is a.heatmap.grid
        assert window.canvas.stack["heatmap"].visible
        window._on_feed_snapshot(window.snapshot)       # the next live tick keeps the window's density
        assert window.canvas.stack.snapshot.incident_density is a.heatmap.grid
        a.heatmap.enabled.setChecked(False)
        assert window.canvas.stack.snapshot.incident_density is None
        written = a.export_data_to(tmp_path / "day.gpkg")
        assert written == [tmp_path / "day.gpkg"]
        assert len(gpd.read_file(written[0], layer="districts")) == len(window.ctx.city.districts.ids)
    finally:
        window.close()


def _history_of_latest_positions(url: str) -> float:
    """Store every officer's latest position as an accepted fix (the demo writes no history); its time."""
    from sqlalchemy import create_engine, func, insert, select

    from commandmap.services.clock import to_epoch
    from commandmap.store import schema
    p = schema.officer_position
    engine = create_engine(url)
    with engine.begin() as conn:
        rows = conn.execute(select(p.c.officer_id, p.c.lon, p.c.lat, p.c.fix_time, p.c.received_at)).all()
        conn.execute(insert(schema.position_fix), [
            {"officer_id": r.officer_id, "lon": r.lon, "lat": r.lat, "fix_time": r.fix_time,
             "received_at": r.received_at, "verdict": "good", "source": "simulator"} for r in rows])
        last = to_epoch(conn.execute(select(func.max(p.c.fix_time))).scalar_one())
    engine.dispose()
    assert last is not None
    return last


def test_pick_on_map_fills_the_point_and_esc_cancels(qtbot, mini_store) -> None:
    last = _history_of_latest_positions(mini_store)
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        qtbot.waitUntil(lambda: window.snapshot is not None, timeout=10000)
        a = window.analysis
        a.replay_dock.toggleViewAction().trigger()
        from commandmap.services.replay import ReplayHistory
        a.replay.set_history(ReplayHistory(window.ctx.engine, window.ctx.city.crs, last - 60, last))
        snap = a.replay.seek(last)
        assert window.canvas.stack.snapshot is snap
        shown = np.flatnonzero(np.isfinite(snap.officers.xy).all(axis=1) & ~snap.officers.stale)
        k = int(shown[0])
        badge, (ox, oy) = snap.officers.badges[k], snap.officers.xy[k]
        window.canvas.zoom_to_extent((ox - 400, oy - 400, ox + 400, oy + 400))    # a street-level view
        target = window.canvas.world_to_screen(float(ox), float(oy)).toPoint()
        a.replay.radius.setValue(50)
        # Esc cancels: no point, the cross cursor goes, the button pops up
        qtbot.mouseClick(a.replay.pick_button, Qt.MouseButton.LeftButton)
        assert a.picker.active and window.canvas.cursor().shape() == Qt.CursorShape.CrossCursor
        qtbot.keyClick(window.canvas, Qt.Key.Key_Escape)
        assert not a.picker.active and not a.replay.pick_button.isChecked() and a.replay.point is None
        assert window.canvas.cursor().shape() != Qt.CursorShape.CrossCursor
        # a real click on the canvas picks the point and answers for it
        qtbot.mouseClick(a.replay.pick_button, Qt.MouseButton.LeftButton)
        assert window.canvas.selected is None
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=target)
        assert a.replay.point is not None and not a.picker.active and not a.replay.pick_button.isChecked()
        px, py = a.replay.point
        assert window.canvas.view.m_per_px < 5 and abs(px - ox) < 10 and abs(py - oy) < 10
        assert a.replay.point_label.text() == "Point: picked on the map"
        assert badge in a.replay.within_label.text()
        assert window.canvas.selected is None              # the click picked the point, it selected no officer
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=target)
        assert window.canvas.selected is not None          # out of pick mode the same click selects again
        qtbot.mouseClick(a.replay.pick_button, Qt.MouseButton.LeftButton)
        a.replay.stop()                                      # back to live while picking: picking ends too
        assert not a.picker.active and window.canvas.cursor().shape() != Qt.CursorShape.CrossCursor
    finally:
        window.close()
