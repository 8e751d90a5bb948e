"""The practices on the workstation: whistle badges and the district › town › grid filters in the queue,
move-up arrows on the map and the M key that sends the best one."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import create_engine, select

from commandmap.app import open_main_window
from commandmap.services.board import Board
from commandmap.services.whistle import escalate_due, raise_whistle
from commandmap.store import schema
from commandmap.ui.queue_dock import QueueDock
from tests.live.citykit import NOW_S, build_city

from .conftest import app_args


def _column(dock: QueueDock, name: str) -> int:
    return dock.model.COLUMNS.index(name)


def _cell(dock: QueueDock, incident_id: int, name: str, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
    row = dock.row_of(incident_id)
    assert row >= 0, f"incident {incident_id} is not shown"
    return dock.proxy.index(row, _column(dock, name)).data(role)


def _choose(dock: QueueDock, name: str, value: str | None) -> None:
    box = dock.filters[name]
    index = box.findData(value)
    assert index >= 0, f"{value!r} is not offered by the {name} filter: {[box.itemData(i) for i in range(box.count())]}"
    box.setCurrentIndex(index)


@pytest.fixture
def english(qapp):  # type: ignore[no-untyped-def]
    from commandmap.ui.language import apply_language
    from layers.i18n import language

    before = language()
    apply_language(qapp, "en")
    yield
    apply_language(qapp, before)


def test_queue_shows_whistle_badges_and_filters_along_the_chain(qtbot, store_engine, english) -> None:  # type: ignore[no-untyped-def]
    build_city(store_engine)
    waiting = raise_whistle(store_engine, 111, "占道经营", actor="grid leader", now_s=NOW_S, accept_within_s=600.0)
    late = raise_whistle(store_engine, 212, "占道经营", actor="grid leader", now_s=NOW_S - 900, accept_within_s=300.0)
    assert escalate_due(store_engine, now_s=NOW_S) == [late.incident_id]
    now = [NOW_S + 480.0]           # the town has 2 minutes left on the first whistle
    dock = QueueDock(lambda: now[0])
    qtbot.addWidget(dock)
    dock.show()
    dock.set_rows(Board(store_engine).open_incidents())
    assert dock.proxy.rowCount() == 2

    assert _cell(dock, waiting.incident_id, "whistle") == "🔔 Town 2:00"
    tip = _cell(dock, waiting.incident_id, "whistle", Qt.ItemDataRole.ToolTipRole)
    assert "town team" in tip and "2:00 left" in tip
    assert _cell(dock, waiting.incident_id, "whistle", Qt.ItemDataRole.BackgroundRole) is not None   # amber: last quarter
    assert _cell(dock, late.incident_id, "whistle") == "⚠ District"
    tip = _cell(dock, late.incident_id, "whistle", Qt.ItemDataRole.ToolTipRole)
    assert "escalated to the district" in tip and "not accepted by 街道21 within 5 min" in tip
    assert "not accepted by" in _cell(dock, late.incident_id, "code", Qt.ItemDataRole.ToolTipRole)
    now[0] += 30                    # the countdown runs from the clock, no query
    dock.model.tick()
    assert _cell(dock, waiting.incident_id, "whistle") == "🔔 Town 1:30"

    _choose(dock, "whistle_level", "district")
    assert dock.proxy.rowCount() == 1 and dock.incident_id_at(0) == late.incident_id
    assert dock.filters["whistle_level"].currentText() == "Whistle: escalated to district"
    _choose(dock, "whistle_level", None)
    _choose(dock, "district", "区1")
    grids = [dock.filters["grid"].itemData(i) for i in range(1, dock.filters["grid"].count())]
    assert grids == ["网格111"], "the grid filter narrows to the chosen district"
    _choose(dock, "grid", "网格111")
    assert dock.proxy.rowCount() == 1 and dock.incident_id_at(0) == waiting.incident_id
    assert dock.count_label.text() == "1 of 2 open incidents"
    _choose(dock, "district", None)
    _choose(dock, "grid", None)
    assert dock.proxy.rowCount() == 2


def test_move_ups_are_drawn_and_m_sends_the_best(qtbot, mini_store) -> None:  # type: ignore[no-untyped-def]
    from commandmap.commands.incident import _operation_now
    from commandmap.store.migrate import open_store

    store = open_store(mini_store)
    try:   # a whistle the town let lapse before the seat opened: the seat's own timer escalates it
        overdue = raise_whistle(store, 1, "占道经营", actor="grid leader", now_s=_operation_now(store) - 120,
                                accept_within_s=60.0)
    finally:
        store.dispose()
    window = open_main_window(app_args(mini_store, lang="en"))
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    try:
        assert window.act_move_up.shortcuts()[0].toString() == "M"
        assert "(M)" in window.act_move_up.toolTip() and window.act_move_up in window.menu_incident.actions()
        qtbot.waitUntil(lambda: window.escalation_clock.escalated == [overdue.incident_id], timeout=15000)
        qtbot.waitUntil(lambda: window.queue.row_of(overdue.incident_id) >= 0 and _cell(
            window.queue, overdue.incident_id, "whistle") == "⚠ District", timeout=15000)
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot is not None, timeout=10000)
        window.canvas.layer("coverage").visible = True
        qtbot.waitUntil(lambda: window.coverage.report is not None, timeout=30000)
        report = window.coverage.report
        assert report.moves, "the mini city has idle officers to move up"
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot.move_ups is not None, timeout=5000)
        arrows = window.canvas.stack.snapshot.move_ups
        assert list(arrows.officer_ids) == [m.officer_id for m in report.moves]
        assert "M sends the best" in window.status_coverage.text()
        best = report.moves[0]
        window.queue.view.setFocus()
        qtbot.keyClick(window.queue.view, Qt.Key.Key_M)
        qtbot.waitUntil(lambda: "moved up" in window.status_outcome.text(), timeout=15000)
        engine = create_engine(mini_store)
        try:
            with engine.connect() as conn:
                t = conn.execute(select(schema.task.c.kind, schema.task.c.officer_id, schema.task.c.incident_id,
                                        schema.task.c.dispatched_by).where(schema.task.c.kind == "move_up")).all()
                status = conn.execute(select(schema.officer.c.status).where(
                    schema.officer.c.id == best.officer_id)).scalar_one()
        finally:
            engine.dispose()
        assert [(r.officer_id, r.incident_id) for r in t] == [(best.officer_id, None)]
        assert t[0].dispatched_by.endswith("test-seat") and status == "dispatched"
        # the roster says what the officer is doing: a move-up, not an incident
        qtbot.waitUntil(lambda: best.officer_id in window.roster.model.tasks, timeout=10000)
        from commandmap.ui.labels import task_label
        assert task_label(window.roster.model.tasks[best.officer_id].incident_code) == "move-up"
        # the sent suggestion leaves the map; the next M sends the next one
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot.move_ups is None
                        or best.officer_id not in window.canvas.stack.snapshot.move_ups.officer_ids, timeout=5000)
        assert window.coverage.arrows is None or best.officer_id not in window.coverage.arrows.officer_ids
    finally:
        window.close()
