"""While candidates are computed, queue updates wait; they reach the screen in the frame after the one
that shows the candidates (in the same frame, a queue refresh made that frame 20-50 ms later)."""

from __future__ import annotations

import threading

from tests.ui.conftest import app_args
from tests.ui.test_workstation import _open, _ready


def test_a_queue_update_during_a_search_follows_the_candidates_frame(qtbot, mini_store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from commandmap.ui import dispatch_controller
    monkeypatch.setattr(dispatch_controller, "YIELD_TO_RECOMMENDATION_S", 30.0)   # no race with the clock
    window = _open(qtbot, app_args(mini_store, seat="desk-3", lang="en"))
    try:
        _ready(qtbot, window)
        c = window.controller
        wb = c.workbench
        other = next(r for r in c.rows if r.incident_id != c.selected.incident_id)
        gone = next(r for r in c.rows if r.incident_id not in (c.selected.incident_id, other.incident_id))
        searching, reading, entered = threading.Event(), threading.Event(), threading.Event()
        real_recommend, real_open = wb.recommender.recommend, wb.board.open_incidents

        def slow_recommend(*args, **kw):  # type: ignore[no-untyped-def]
            searching.wait(10)             # the search is still running when the queue read returns
            return real_recommend(*args, **kw)

        def slow_open(*args, **kw):  # type: ignore[no-untyped-def]
            entered.set()
            reading.wait(10)               # a queue read under way when the dispatcher clicks
            return [r for r in real_open(*args, **kw) if r.incident_id != gone.incident_id]   # someone closed one
        wb.board.open_incidents = slow_open
        wb.recommender.recommend = slow_recommend
        c.refresh_queue()
        qtbot.waitUntil(entered.is_set, timeout=5000)
        window.queue.select_incident(other.incident_id)
        qtbot.waitUntil(lambda: c.recommending, timeout=5000)
        reading.set()
        qtbot.waitUntil(lambda: any(item[0][0] == "queue" for item in c._held), timeout=5000)
        listed = lambda: any(r.incident_id == gone.incident_id for r in window.queue.model.rows)  # noqa: E731
        assert listed()                               # held while the dispatcher waits for candidates

        frames: list[tuple[bool, bool]] = []          # per flushed frame: (candidates shown, closed one still listed)

        def frame() -> None:
            rec = c.recommendation
            shown = rec is not None and rec.incident_id == other.incident_id and not window._preview_due
            frames.append((shown, listed()))
        window.frame_listeners.append(frame)
        searching.set()
        qtbot.waitUntil(lambda: any(not still for _, still in frames), timeout=10000)
        first_shown = next(i for i, (shown, _) in enumerate(frames) if shown)
        first_gone = next(i for i, (_, still) in enumerate(frames) if not still)
        assert frames[first_shown][1]                 # the candidates' frame did not carry the queue update
        assert first_gone > first_shown               # it came in a later frame
    finally:
        window.close()
