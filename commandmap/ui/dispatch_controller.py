"""The workstation's state and the seat's actions, between the docks and the `Workbench`.

One selected incident, its latest recommendation, the chosen candidate. Reads
that can take tens of milliseconds (a recommendation over 25,000 officers, the
queue and KPI queries) run on one worker thread, and their results come back as
signals on the UI thread; a result for an incident that is no longer selected
is dropped. Actions (dispatch, acknowledge, resolve, cancel, reassign) run on the
UI thread: each is one short transaction, and the dispatcher must see its
outcome before the next key press.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from queue import SimpleQueue
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

from ..services.board import KpiSummary, QueueRow
from ..services.recommend import Candidate, Recommendation
from ..services.workbench import Workbench

log = logging.getLogger(__name__)
_WAKE_EVENT = QEvent.Type(QEvent.registerEventType())
DRAIN_MS = 100                   # a fallback: a finished read wakes the UI thread itself (_wake)
QUEUE_MIN_INTERVAL_MS = 400      # the queue/KPI reads follow the change feed, at most this often
KPI_INTERVAL_MS = 5_000
YIELD_TO_RECOMMENDATION_S = 0.5   # other reads and updates wait at most this long for candidates
RELEASE_FALLBACK_MS = 150         # held updates go out after the candidates' frame, or after this (no frame: hidden)


class DispatchController(QObject):
    sig_queue = Signal(list)
    """Open incidents, most urgent first (list[QueueRow])."""
    sig_selected = Signal(object)
    """The selected QueueRow, or None."""
    sig_recommendation = Signal(object)
    """A Recommendation for the selected incident (or None while computing)."""
    sig_candidate = Signal(int)
    """Index of the chosen candidate (-1: none)."""
    sig_outcome = Signal(str, bool)
    """One line after an action: message, succeeded."""
    sig_conflict = Signal(object)
    """A lost dispatch race: the DispatchResult (who won, fresh recommendation)."""
    sig_kpis = Signal(object)
    """A KpiSummary."""
    sig_timeline = Signal(list)
    """The latest TimelineEntry list, newest first."""
    sig_tasks = Signal(object)
    """Open tasks by officer id (dict[int, OpenTask])."""
    sig_committed = Signal()
    """An action changed the store: the seat should refresh its live view now."""
    sig_candidates_shown = Signal()
    """The candidates are on the screen (or their frame is overdue, or there are none): what waited
    for them may be applied now."""
    sig_ready = Signal()
    """The seat is warm: the first recommendation's one-off costs are paid (a read-only seat: its
    first queue is shown)."""

    def __init__(self, workbench: Workbench, parent: QObject | None = None, *, read_only: bool = False) -> None:
        super().__init__(parent)
        self.workbench = workbench
        self.read_only = read_only
        self.rows: list[QueueRow] = []
        self.selected: QueueRow | None = None
        self.recommendation: Recommendation | None = None
        self.candidate_index = -1
        self.widen = False
        self.kpis: KpiSummary | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commandmap-reads")
        # recommendations never wait behind a queue or KPI read: the dispatcher is looking at the panel
        self._rec_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commandmap-recommend")
        self._rec_future: Future[Any] | None = None
        self._rec_pending: int | None = None     # the incident whose recommendation is being computed
        self._chosen_explicitly = False           # 1–5 (or a click) chose the candidate: Enter may reassign
        # results come back through a queue the UI thread drains: a worker never calls into Qt
        self._results: SimpleQueue[tuple[Any, Any, Any]] = SimpleQueue()
        self._drain = QTimer(self)
        self._drain.setInterval(DRAIN_MS)
        self._drain.timeout.connect(self._drain_results)
        self._drain.start()
        self._queue_busy = False
        self._queue_dirty = False
        self._last_sequence = -1
        self._throttle = QTimer(self)
        self._throttle.setSingleShot(True)
        self._throttle.setInterval(QUEUE_MIN_INTERVAL_MS)
        self._throttle.timeout.connect(self._on_throttle_timeout)
        self._kpi_timer = QTimer(self)
        self._kpi_timer.setInterval(KPI_INTERVAL_MS)
        self._kpi_timer.timeout.connect(self.refresh_kpis)
        self._closed = False
        self._wake_lock = threading.Lock()
        self._rec_idle = threading.Event()          # no candidates are being computed or waiting for their frame
        self._rec_idle.set()
        self._hold_until = 0.0
        self._await_frame = False                   # candidates computed, their frame not painted yet
        self._held: list[tuple[Any, Any, Any]] = []
        # held results wait for the frame that shows the candidates (`frame_shown`), or this long
        self._release = QTimer(self)
        self._release.setSingleShot(True)
        self._release.setInterval(RELEASE_FALLBACK_MS)
        self._release.timeout.connect(self._candidates_shown)
        self._ready = False

    # -- background reads -------------------------------------------------------------------------
    def _submit(self, tag: Any, fn: Callable[[], Any]) -> None:
        if self._closed:
            return
        if tag[0] == "warm":
            fut: Future[Any] = self._rec_pool.submit(fn)   # recommendations queue up behind it
        elif tag[0] == "recommend":
            if self._rec_future is not None:
                self._rec_future.cancel()        # a recommendation nobody looks at any more: drop it unstarted
            self._rec_idle.clear()
            self._await_frame = False
            self._hold_until = time.monotonic() + YIELD_TO_RECOMMENDATION_S
            fut = self._rec_pool.submit(fn)
            self._rec_future = fut
        else:
            idle = self._rec_idle

            def yielding() -> Any:       # a queue or KPI read waits for the candidates to be on the screen
                idle.wait(YIELD_TO_RECOMMENDATION_S)
                return fn()
            fut = self._pool.submit(yielding)

        def done(f: Future[Any]) -> None:
            if f.cancelled():
                return
            try:
                self._results.put((tag, f.result(), None))
            except Exception as exc:  # reported on the UI thread
                self._results.put((tag, None, exc))
            self._wake()

        fut.add_done_callback(done)

    def _wake(self) -> None:
        """From a worker: have the UI thread drain the results now instead of at the next poll (the
        dispatcher is waiting for the candidates). Posting an event is the one Qt call that is safe
        from any thread; `close()` stops it before the controller can go away."""
        with self._wake_lock:
            if not self._closed:
                QCoreApplication.postEvent(self, QEvent(_WAKE_EVENT))

    def event(self, e: QEvent) -> bool:
        if e.type() == _WAKE_EVENT:
            self._drain_results()
            return True
        return super().event(e)

    def _drain_results(self) -> None:
        """Results in the order they came, except that while the dispatcher waits for candidates
        (`waiting_for_candidates`) a queue, KPI or timeline update waits for them: computed meanwhile
        it would take the CPU the search needs, painted in the candidates' frame it would delay it."""
        while not self._results.empty():
            item = self._results.get()
            if self.waiting_for_candidates and item[0][0] in ("queue", "kpis", "timeline"):
                self._held.append(item)
                continue
            self._on_result(*item)
        if self._held and not self.waiting_for_candidates:
            self._release_held()          # waited long enough

    @property
    def waiting_for_candidates(self) -> bool:
        """The dispatcher waits for candidates: being computed, or computed and not painted yet; for
        at most YIELD_TO_RECOMMENDATION_S after the selection. Other updates wait meanwhile."""
        return (self._rec_pending is not None or self._await_frame) and time.monotonic() < self._hold_until

    @property
    def settled(self) -> bool:
        """Nothing is waiting for the candidates' frame any more (what was held back has been applied)."""
        return not (self._held or self._await_frame or self.recommending)

    def frame_shown(self) -> None:
        """The window painted and flushed a frame with everything this controller has said so far."""
        if self._await_frame:
            self._candidates_shown()

    def _candidates_shown(self) -> None:
        """The candidates are on the screen (or their frame is overdue): what waited goes out now, to be
        painted in the next frame."""
        self._await_frame = False
        self._release.stop()
        if self._rec_pending is None:
            self._rec_idle.set()
        self._release_held()
        self.sig_candidates_shown.emit()

    def _release_held(self) -> None:
        held, self._held = self._held, []
        for item in held:
            self._on_result(*item)

    def _on_result(self, tag: Any, result: Any, error: Any) -> None:
        if self._closed:
            return
        kind = tag[0]
        if error is not None:
            log.warning("%s failed: %s", kind, error)
            if kind == "queue":
                self._queue_busy = False
            elif kind == "warm":           # not warm, but ready: the first click pays what is left
                self._now_ready()
                return
            elif kind == "recommend" and self._rec_pending == tag[1]:
                self._rec_pending = None
                self._candidates_shown()      # nothing to show: nothing waits for it
            self.sig_outcome.emit(f"{kind}: {error}", False)
            return
        if kind == "warm":
            self._now_ready()
        elif kind == "queue":
            self._queue_busy = False
            self._apply_queue(result)
            if self.read_only:
                self._now_ready()
            if self._queue_dirty:
                self._queue_dirty = False
                self._throttle.start()
        elif kind == "recommend":
            incident_id, widen = tag[1], tag[2]
            if self._rec_pending == incident_id:
                self._rec_pending = None
                self._await_frame = True      # until the window has painted them (frame_shown), or RELEASE_FALLBACK_MS
                self._release.start()
            if self.selected is not None and self.selected.incident_id == incident_id and widen == self.widen:
                self.recommendation = result
                self.candidate_index = 0 if result.candidates else -1
                self._chosen_explicitly = False
                self.sig_recommendation.emit(result)
                self.sig_candidate.emit(self.candidate_index)
        elif kind == "kpis":
            self.kpis = result
            self.sig_kpis.emit(result)
        elif kind == "timeline":
            self.sig_timeline.emit(result)

    def start(self) -> None:
        if not self.read_only:   # the dispatcher's first click should not pay the router's start-up
            self._submit(("warm",), self.workbench.recommender.warm_up)
        self.refresh_queue()
        self.refresh_kpis()
        self._kpi_timer.start()

    @property
    def recommending(self) -> bool:
        """A recommendation the dispatcher is waiting for is being computed."""
        return self._rec_pending is not None

    @property
    def ready(self) -> bool:
        return self._ready

    def _now_ready(self) -> None:
        if self._ready:
            return
        self._ready = True
        self.sig_ready.emit()

    def close(self) -> None:
        with self._wake_lock:
            self._closed = True
        self._drain.stop()
        self._kpi_timer.stop()
        self._throttle.stop()
        self._release.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._rec_pool.shutdown(wait=True, cancel_futures=True)
        self.workbench.shown.close()      # the lists shown so far reach the store before the seat goes
        self.workbench.recommender.close()   # its search process, if any

    # -- following the store ----------------------------------------------------------------------
    def on_sequence(self, sequence: int) -> None:
        """The live snapshot moved to `sequence`: reread the queue (throttled)."""
        if sequence == self._last_sequence:
            return
        self._last_sequence = sequence
        if not self._throttle.isActive():
            self._throttle.start()

    def _on_throttle_timeout(self) -> None:
        self.refresh_queue()
        self.refresh_kpis()

    def refresh_queue(self) -> None:
        if self._queue_busy:
            self._queue_dirty = True
            return
        self._queue_busy = True
        wb = self.workbench
        self._submit(("queue",), lambda: (wb.board.open_incidents(), wb.board.timeline(150), wb.board.open_tasks()))

    def refresh_kpis(self) -> None:
        wb = self.workbench
        self._submit(("kpis",), lambda: wb.board.kpis(wb.clock()))

    def _apply_queue(self, result: tuple[list[QueueRow], list[Any], dict[int, Any]]) -> None:
        rows, timeline, tasks = result
        self.rows = rows
        self.sig_queue.emit(rows)
        self.sig_timeline.emit(timeline)
        self.sig_tasks.emit(tasks)
        if self.selected is not None:
            fresh = next((r for r in rows if r.incident_id == self.selected.incident_id), None)
            if fresh is None:
                self.select(None)
            elif fresh != self.selected:
                changed_hands = (fresh.task_id, fresh.status) != (self.selected.task_id, self.selected.status)
                self.selected = fresh
                self.sig_selected.emit(fresh)
                if changed_hands:
                    self.recommend()

    # -- selection --------------------------------------------------------------------------------
    def select(self, row: QueueRow | None) -> None:
        same = (row is None and self.selected is None) or (
            row is not None and self.selected is not None and row.incident_id == self.selected.incident_id)
        self.selected = row
        if same and row is not None and (self.recommendation is not None or self._rec_pending == row.incident_id):
            return                       # already shown, or on its way: never start it over
        self.recommendation = None
        self.candidate_index = -1
        if row is not None:
            self.recommend()     # first: the worker computes while the docks and the map follow the click
        self.sig_selected.emit(row)
        self.sig_recommendation.emit(None)
        self.sig_candidate.emit(-1)

    def select_incident(self, incident_id: int) -> bool:
        row = next((r for r in self.rows if r.incident_id == incident_id), None)
        if row is not None:
            self.select(row)
        return row is not None

    def recommend(self) -> None:
        row = self.selected
        if row is None:
            return
        wb, widen = self.workbench, self.widen
        self._rec_pending = row.incident_id
        self._submit(("recommend", row.incident_id, widen), lambda: wb.recommend(row.incident_id, widen=widen))

    def set_widen(self, widen: bool) -> None:
        if widen != self.widen:
            self.widen = widen
            self.recommendation = None
            self.sig_recommendation.emit(None)
            self.recommend()

    def choose(self, index: int) -> bool:
        """Make candidate `index` (0-based) the one Enter sends."""
        rec = self.recommendation
        if rec is None or not (0 <= index < len(rec.candidates)):
            return False
        self.candidate_index = index
        self._chosen_explicitly = True
        self.sig_candidate.emit(index)
        return True

    @property
    def candidate(self) -> Candidate | None:
        rec = self.recommendation
        if rec is None or not (0 <= self.candidate_index < len(rec.candidates)):
            return None
        return rec.candidates[self.candidate_index]

    # -- actions ----------------------------------------------------------------------------------
    def _refuse_viewer(self) -> bool:
        if self.read_only:
            self.sig_outcome.emit(self.tr("This seat is read-only"), False)
        return self.read_only

    def dispatch(self) -> bool:
        """Send the chosen candidate (the top one unless 1–5 chose another) to the selected incident;
        when the incident already has an officer, reassign it to a candidate chosen with 1–5."""
        row, cand = self.selected, self.candidate
        if self._refuse_viewer():
            return False
        if row is None:
            self.sig_outcome.emit(self.tr("Select an incident first"), False)
            return False
        if cand is None:
            self.sig_outcome.emit(self.tr("Nobody to send yet: wait for the candidates"), False)
            return False
        if row.task_id is not None:
            if not self._chosen_explicitly:   # a bare Enter never takes an incident from its officer
                self.sig_outcome.emit(self.tr("{code} already has an officer ({name}): choose a candidate "
                                              "with 1–5 to reassign it").format(
                    code=row.code, name=row.officer_name or "?"), False)
                return False
            return self.reassign()
        result = self.workbench.dispatch(row.incident_id, cand, widen=self.widen)
        if result.ok:
            self.sig_outcome.emit(self.tr("{name} ({badge}) sent to {code}, ETA {eta}").format(
                name=cand.name, badge=cand.badge, code=row.code, eta=format_duration(cand.eta_s)), True)
            self.sig_committed.emit()
            self.refresh_queue()
            self.refresh_kpis()
            return True
        self.sig_conflict.emit(result)
        if result.recommendation is not None:
            self.recommendation = result.recommendation
            self.candidate_index = 0 if result.recommendation.candidates else -1
            self.sig_recommendation.emit(result.recommendation)
            self.sig_candidate.emit(self.candidate_index)
        self.refresh_queue()
        return False

    def reassign(self) -> bool:
        row, cand = self.selected, self.candidate
        if self._refuse_viewer() or row is None or row.task_id is None or cand is None:
            return False
        result = self.workbench.reassign(row.task_id, cand)
        self._after_action(result.ok, result.message)
        if not result.ok:
            self.recommend()
        return bool(result.ok)

    def acknowledge(self) -> bool:
        return self._task_action("acknowledge", self.workbench.acknowledge)

    def resolve(self) -> bool:
        return self._task_action("resolve", self.workbench.resolve)

    def _task_action(self, what: str, fn: Callable[[int], Any]) -> bool:
        row = self.selected
        if self._refuse_viewer() or row is None:
            return False
        if row.task_id is None:
            self.sig_outcome.emit(self.tr("{code} has no officer yet: dispatch first").format(code=row.code), False)
            return False
        result = fn(row.task_id)
        self._after_action(result.ok, result.message)
        return bool(result.ok)

    def cancel(self, reason: str = "") -> bool:
        row = self.selected
        if self._refuse_viewer() or row is None:
            return False
        result = self.workbench.cancel(row.incident_id, reason)
        self._after_action(result.ok, result.message)
        return bool(result.ok)

    def _after_action(self, ok: bool, message: str) -> None:
        self.sig_outcome.emit(message, ok)
        if ok:
            self.sig_committed.emit()
        self.refresh_queue()
        self.refresh_kpis()


def format_duration(seconds: float | None) -> str:
    """m:ss (or h:mm:ss) for ETAs, ages and countdowns; negative shows a minus."""
    if seconds is None or seconds != seconds:
        return "–"
    sign = "-" if seconds < 0 else ""
    s = int(round(abs(seconds)))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{sign}{h}:{m:02d}:{sec:02d}" if h else f"{sign}{m}:{sec:02d}"
