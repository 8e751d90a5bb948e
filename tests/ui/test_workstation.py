"""The dispatcher's workstation, used as a dispatcher would: keys, clicks, what the screen shows."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication

from commandmap.app import open_main_window, open_wall
from commandmap.domain.snapshot import OfficerStatusCode
from commandmap.ui.wall import WallWindow

from .conftest import app_args


def _open(qtbot, args, size=(1400, 900)):
    window = open_main_window(args)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    return window


def _ready(qtbot, window) -> None:
    c = window.controller
    qtbot.waitUntil(lambda: c.selected is not None and c.recommendation is not None
                    and window.canvas.stack.snapshot is not None
                    # the candidates' routes are on the map (drawn on the turn after they arrive)
                    and (not c.recommendation.candidates or window.canvas.stack.snapshot.routes.preview.any()),
                    timeout=10000)


def _officer_row(snap, officer_id: int) -> int:
    return int(np.flatnonzero(snap.officers.ids == officer_id)[0])


def test_enter_sends_the_best_officer_to_the_most_urgent_incident(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, seat="desk-7", lang="en"))
    try:
        _ready(qtbot, window)
        c = window.controller
        rows = window.queue.model.rows
        # the most urgent open incident is selected, and the queue has the keyboard
        assert c.selected.incident_id == rows[0].incident_id
        assert rows[0].priority == min(r.priority for r in rows)
        assert window.queue.selected_incident_id() == rows[0].incident_id
        assert window.queue.view.hasFocus()
        # candidates ranked by ETA, with the verdict up front
        etas = [cand.eta_s for cand in c.recommendation.candidates]
        assert etas == sorted(etas) and len(etas) >= 2
        assert window.candidates.candidate_names() == [cand.name for cand in c.recommendation.candidates]
        verdict = window.candidates.verdict.text()
        assert ("can arrive within 5 min" in verdict) or ("Nobody can arrive" in verdict)
        best = c.recommendation.candidates[0]
        # the previewed route is the top candidate's, drawn as a preview on the map
        routes = window.canvas.stack.snapshot.routes
        assert routes.preview.any()

        # the officer on the map before: centre on them and read the marker's pixel
        snap = window.snapshot
        i = _officer_row(snap, best.officer_id)
        assert snap.officers.status[i] == OfficerStatusCode.AVAILABLE
        x, y = snap.officers.xy[i]
        window.canvas.center_on(float(x), float(y), m_per_px=1.0)
        qtbot.wait(50)
        before = window.canvas.grab().toImage()
        p = window.canvas.world_to_screen(float(x), float(y)).toPoint()

        qtbot.keyClick(window.queue.view, Qt.Key.Key_Return)

        qtbot.waitUntil(lambda: window.snapshot.officers.status[_officer_row(window.snapshot, best.officer_id)]
                        == OfficerStatusCode.DISPATCHED, timeout=3000)
        assert "sent to" in window.status_outcome.text() and best.name in window.status_outcome.text()
        # the map repaints the marker in its new status colour
        window.canvas.center_on(float(x), float(y), m_per_px=1.0)
        qtbot.wait(50)
        after = window.canvas.grab().toImage()
        dpr = window.canvas.devicePixelRatioF()
        px = QPoint(round(p.x() * dpr), round(p.y() * dpr))
        assert before.pixelColor(px) != after.pixelColor(px)
        # the roster says so, with the incident
        window.roster.find_box.setText(best.badge)
        qtbot.waitUntil(lambda: window.roster.proxy.rowCount() == 1, timeout=2000)
        qtbot.waitUntil(lambda: window.roster.proxy.index(0, 4).data() == c.selected.code
                        if c.selected else False, timeout=3000)
        assert window.roster.proxy.index(0, 3).data() == "dispatched"
        # the timeline shows the dispatch with the seat
        qtbot.waitUntil(lambda: any("desk-7" in t and best.name in t for t in window.timeline.texts()), timeout=3000)

        # a second bare Enter on the now handled incident takes it from nobody: it says how to reassign
        code = c.selected.code
        qtbot.waitUntil(lambda: c.selected.task_id is not None and c.recommendation is not None, timeout=5000)
        window.queue.view.setFocus()
        qtbot.keyClick(window.queue.view, Qt.Key.Key_Return)
        assert "choose a candidate with 1–5 to reassign" in window.status_outcome.text()
        i = _officer_row(window.snapshot, best.officer_id)
        assert window.snapshot.officers.status[i] == OfficerStatusCode.DISPATCHED
        assert not any("reassigned" in t for t in window.timeline.texts() if code in t)
    finally:
        window.close()


def test_number_keys_choose_a_candidate_and_escape_clears(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        _ready(qtbot, window)
        c = window.controller
        second = c.recommendation.candidates[1]
        # arrowing through the candidates previews each one's route on the map
        window.candidates.tree.setFocus()
        qtbot.keyClick(window.candidates.tree, Qt.Key.Key_Down)
        assert window.preview_candidate() == 1

        def previews_second() -> bool:        # drawn on the next turn of the event loop
            routes = window.canvas.stack.snapshot.routes
            return bool(routes.preview.sum() == 1 and np.isclose(routes.eta_s[routes.preview][0], second.eta_s))
        qtbot.waitUntil(previews_second, timeout=3000)
        window.queue.view.setFocus()
        qtbot.keyClick(window.queue.view, Qt.Key.Key_2)
        assert c.candidate is second
        assert window.candidates.tree.currentItem().text(1) == second.name
        assert "#2" in window.candidates.dispatch_button.text()
        # Down moves in the queue and the candidates follow the new incident
        first_id = c.selected.incident_id
        qtbot.keyClick(window.queue.view, Qt.Key.Key_Down)
        qtbot.waitUntil(lambda: c.selected is not None and c.selected.incident_id != first_id
                        and c.recommendation is not None, timeout=5000)
        assert c.recommendation.incident_id == c.selected.incident_id
        qtbot.keyClick(window.queue.view, Qt.Key.Key_Escape)
        assert c.selected is None and window.candidates.tree.topLevelItemCount() == 0
    finally:
        window.close()


def test_two_seats_racing_for_one_officer_one_wins_the_other_sees_who(qtbot, mini_store) -> None:
    a = _open(qtbot, app_args(mini_store, seat="seat-A", lang="en"))
    b = _open(qtbot, app_args(mini_store, seat="seat-B", lang="en"))
    try:
        _ready(qtbot, a)
        _ready(qtbot, b)
        # both look at the same incident and the same top officer
        assert a.controller.selected.incident_id == b.controller.selected.incident_id
        officer = a.controller.candidate.officer_id
        assert b.controller.candidate.officer_id == officer
        for seat in (a, b):          # each dispatcher at their own screen clicks Dispatch
            qtbot.mouseClick(seat.candidates.dispatch_button, Qt.MouseButton.LeftButton)
        assert "sent to" in a.status_outcome.text()
        # seat B lost: an inline banner names why, and fresh candidates without that officer
        assert b.candidates.conflict.isVisible()
        assert "Not sent" in b.candidates.conflict.text()
        qtbot.waitUntil(lambda: b.controller.recommendation is not None and all(
            cand.officer_id != officer for cand in b.controller.recommendation.candidates), timeout=5000)
        # and seat B's screen follows the store: the incident now shows seat A's officer
        qtbot.waitUntil(lambda: b.controller.selected is not None and b.controller.selected.task_id is not None,
                        timeout=5000)
        qtbot.waitUntil(lambda: any("seat-A" in t for t in b.timeline.texts()), timeout=5000)
    finally:
        a.close()
        b.close()


def test_n_then_click_creates_an_incident_through_the_dialog(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store))
    try:
        _ready(qtbot, window)
        before = len(window.queue.model.rows)
        qtbot.keyClick(window.queue.view, Qt.Key.Key_N)
        assert window._picking
        # the city centre: a point inside a district
        snap = window.snapshot
        x, y = np.nanmedian(snap.officers.xy, axis=0)
        window.canvas.center_on(float(x), float(y), m_per_px=5.0)
        p = window.canvas.world_to_screen(float(x), float(y)).toPoint()

        def fill_dialog() -> None:
            d = window.incident_dialog
            d.priority.setCurrentIndex(d.priority.findData("P1"))
            d.note.setText("test caller")
            d.buttons.button(d.buttons.StandardButton.Ok).click()

        QTimer.singleShot(200, fill_dialog)
        qtbot.mouseClick(window.canvas, Qt.MouseButton.LeftButton, pos=p)
        qtbot.waitUntil(lambda: len(window.queue.model.rows) == before + 1, timeout=5000)
        new = [r for r in window.queue.model.rows if r.description == "test caller"]
        assert len(new) == 1 and new[0].priority == "P1" and new[0].district
        qtbot.waitUntil(lambda: window.controller.selected is not None
                        and window.controller.selected.incident_id == new[0].incident_id, timeout=5000)
    finally:
        window.close()


def test_dock_layout_is_remembered_and_can_be_reset(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store))
    window.timeline_dock.hide()
    window.close()
    again = open_main_window(app_args(mini_store))
    qtbot.addWidget(again)
    try:
        again.present()
        qtbot.waitExposed(again)
        assert not again.timeline_dock.isVisible()
        again.act_reset_layout.trigger()
        assert again.timeline_dock.isVisible()
    finally:
        again.close()


def test_actions_show_their_key_in_the_tooltip(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        assert window.act_dispatch.toolTip().endswith("(Return, Enter)")
        assert "(N)" in window.act_new.toolTip() and "(A)" in window.act_acknowledge.toolTip()
        assert "Ctrl+F" in window.act_search.toolTip()
    finally:
        window.close()


def test_wall_covers_the_screen_and_shows_the_kpis(qtbot, mini_store) -> None:
    wall = open_wall(app_args(mini_store, wall=True))
    qtbot.addWidget(wall)
    try:
        wall.present()
        qtbot.waitExposed(wall)
        screen = QApplication.primaryScreen().geometry()
        assert wall.geometry() == screen
        assert wall.windowFlags() & Qt.WindowType.FramelessWindowHint
        assert isinstance(wall, WallWindow) and wall.controller.read_only
        qtbot.waitUntil(lambda: wall.kpi.summary is not None, timeout=5000)
        open_p1 = wall.kpi.summary.open_by_priority["P1"]
        assert wall.kpi.values()["p1"] == str(open_p1)
        # the legend overlay is as wide as its longest label needs
        for label in wall.legend.findChildren(type(wall.heading)):
            if label.text():
                assert label.width() >= label.sizeHint().width()
        # the wall follows the newest P1
        if open_p1:
            qtbot.waitUntil(lambda: wall.followed is not None, timeout=5000)
    finally:
        wall.close()


def test_wall_follows_a_dispatch_made_at_a_workstation(qtbot, mini_store) -> None:
    wall = open_wall(app_args(mini_store, wall=True))
    qtbot.addWidget(wall)
    desk = _open(qtbot, app_args(mini_store, seat="desk-1", lang="en"))
    try:
        qtbot.waitUntil(lambda: wall.kpi.summary is not None, timeout=5000)
        available = wall.kpi.summary.available_officers
        _ready(qtbot, desk)
        officer = desk.controller.candidate.name
        qtbot.mouseClick(desk.candidates.dispatch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: wall.kpi.values()["available"] == f"{available - 1:,}", timeout=8000)
        qtbot.waitUntil(lambda: officer in wall.ticker.text(), timeout=8000)
    finally:
        desk.close()
        wall.close()


def test_theme_is_remembered(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store))
    window.act_wall.trigger()
    window.close()
    again = _open(qtbot, app_args(mini_store))
    try:
        assert again.canvas.theme.name == "wall" and again.act_wall.isChecked()
    finally:
        again.set_theme("workstation")
        again.close()


def test_wall_refuses_to_dispatch(qtbot, mini_store) -> None:
    wall = open_wall(app_args(mini_store, wall=True))
    qtbot.addWidget(wall)
    try:
        qtbot.waitUntil(lambda: bool(wall.controller.rows), timeout=5000)
        wall.controller.select(wall.controller.rows[0])
        assert wall.controller.dispatch() is False
    finally:
        wall.close()


@pytest.mark.parametrize("seat", [None])
def test_seat_defaults_to_the_host_name(qtbot, mini_store, seat) -> None:
    import socket
    window = _open(qtbot, app_args(mini_store, seat=seat))
    try:
        assert window.ctx.workbench.seat == socket.gethostname()
        assert socket.gethostname() in window.windowTitle()
    finally:
        window.close()


def test_showing_the_coverage_layer_computes_it_from_the_live_officers(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        _ready(qtbot, window)
        assert window.canvas.stack.snapshot.coverage_s is None          # nothing computed while hidden
        window.canvas.layer("coverage").visible = True
        qtbot.waitUntil(lambda: window.coverage.report is not None, timeout=30000)
        report = window.coverage.report
        assert 0.0 <= report.sites_share <= 1.0 and report.officers_available > 0
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot.coverage_s is not None, timeout=5000)
        assert "coverage: sites" in window.status_coverage.text()
        values = window.canvas.stack.snapshot.coverage_s.values
        assert np.nanmin(values) >= 0 and np.isfinite(values).any()
    finally:
        window.close()


def test_wall_shows_todays_response_chart_tiles(qtbot, mini_store) -> None:
    wall = open_wall(app_args(mini_store, wall=True))
    qtbot.addWidget(wall)
    try:
        wall.present()
        qtbot.waitExposed(wall)
        qtbot.waitUntil(lambda: wall.charts.data is not None, timeout=10_000)
        assert wall.charts.isVisible() and wall.charts.height() > 100
        assert wall.charts.response_title.text()
        assert set(wall.charts.bars) == {"p50_min", "p90_min", "target_min", "arrival_pct_by_hour"}
    finally:
        wall.close()
