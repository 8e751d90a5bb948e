"""What keeps a click on an incident quick while the city moves: the queue repaints only what
changed, a live tick waits for the candidates being computed, the seat warms its router at start
and stores what it showed off the path to the screen."""

from __future__ import annotations

import dataclasses
import time

from commandmap.ui.queue_dock import QueueModel

from .conftest import app_args
from .test_workstation import _open, _ready


def _spans(model: QueueModel) -> list[tuple[int, int, int, int]]:
    got: list[tuple[int, int, int, int]] = []
    model.dataChanged.connect(lambda a, b, *_: got.append((a.row(), a.column(), b.row(), b.column())))
    return got


def test_a_queue_refresh_repaints_only_the_rows_that_changed(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        _ready(qtbot, window)
        model = window.queue.model
        rows = list(model.rows)
        assert len(rows) >= 3
        spans = _spans(model)
        resets: list[int] = []
        model.modelReset.connect(lambda: resets.append(1))
        window.queue.set_rows(rows)                      # nothing changed: nothing to paint
        assert spans == [] and resets == []
        changed = list(rows)
        changed[1] = dataclasses.replace(rows[1], status="acknowledged", officer_name="张三")
        window.queue.set_rows(changed)
        last = len(QueueModel.COLUMNS) - 1
        assert spans == [(1, 0, 1, last)] and resets == []
        assert "张三" in window.queue.proxy.index(window.queue.row_of(rows[1].incident_id), 4).data()
        # the status column was widened for the longer text (columns are fitted by our own measure)
        assert window.queue.view.columnWidth(4) >= window.queue.view.fontMetrics().horizontalAdvance("张三")
    finally:
        window.close()


def test_the_countdown_tick_repaints_the_clock_columns_and_flashing_rows_only(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        _ready(qtbot, window)
        model = window.queue.model
        window.queue._timer.stop()
        spans = _spans(model)
        model.tick()
        first, last = QueueModel.TIME_COLUMNS[0], QueueModel.TIME_COLUMNS[-1]
        assert spans == [(0, first, len(model.rows) - 1, last)]
        spans.clear()
        flashing = model.rows[2].incident_id
        model._flash_until[flashing] = 1e18
        model.tick()
        assert (2, 0, 2, len(QueueModel.COLUMNS) - 1) in spans and len(spans) == 2
        spans.clear()
        model._flash_until[flashing] = 0.0               # the flash ends: one last repaint clears it
        model.tick()
        assert (2, 0, 2, len(QueueModel.COLUMNS) - 1) in spans
        spans.clear()
        model.tick()
        assert len(spans) == 1
    finally:
        window.close()


def test_a_live_tick_waits_for_the_candidates_being_computed(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        _ready(qtbot, window)
        c = window.controller
        window.live_feed.stop()                          # only this test's ticks from here on
        shown = window.snapshot
        newer = dataclasses.replace(shown, sequence=shown.sequence + 1)
        qtbot.waitUntil(lambda: c.settled, timeout=3000)  # the first candidates are on the screen
        c._rec_pending = c.selected.incident_id          # the dispatcher is waiting for candidates
        c._hold_until = time.monotonic() + 30.0          # (no race with the clock's 0.5 s bound)
        window._snapshot_applied_at = 1e18               # and the map was drawn just now
        window._on_feed_snapshot(newer)
        assert window.snapshot is shown                  # held, not drawn over the wait
        # the candidates arrive as a computed result does; the tick follows once they are shown
        c._on_result(("recommend", c.selected.incident_id, c.widen), c.recommendation, None)
        assert window.snapshot is shown                  # not in the candidates' own frame
        qtbot.waitUntil(lambda: window.snapshot is newer, timeout=3000)
    finally:
        window.close()


def test_the_seat_is_ready_once_its_router_is_warm(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        qtbot.waitUntil(lambda: window.controller.ready, timeout=20000)
        # the warm-up paid the officer directory and the compiled networks
        assert window.ctx.workbench.recommender._directory is not None
    finally:
        window.close()


def test_what_the_seat_showed_is_stored_by_its_own_writer(qtbot, mini_store) -> None:
    from commandmap.services.shown import shown_at

    window = _open(qtbot, app_args(mini_store, seat="desk-3", lang="en"))
    try:
        _ready(qtbot, window)
        c = window.controller
        wb = window.ctx.workbench
        wb.shown.flush()
        got = shown_at(wb.engine, wb.clock() + 1, [c.selected.incident_id], seat="desk-3")
        assert got and [x.officer_id for x in got[c.selected.incident_id].candidates] == [
            x.officer_id for x in c.recommendation.candidates]
    finally:
        window.close()
