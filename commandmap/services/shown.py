"""The recommendations dispatchers saw, stored, so "why was officer X sent, not Y?" has an answer later.

Each list a seat shows is written once (a refresh that shows the same officers in the
same order with the same ETAs to the second is not written again): candidates in rank
order with ETA, distance, fix age and reason, and who was left out and why. When the
seat dispatches from that list, the row records who was chosen and the task. Replay
reads the list that was on screen at any moment (`shown_at`); review reads the list a
task was dispatched from (`shown_for_task`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..store.engine import READ_ONLY_OPTION
from ..store.schema import recommendation_shown as shown
from .clock import from_epoch, to_epoch
from .recommend import Recommendation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShownCandidate:
    officer_id: int
    badge: str
    name: str
    department: str
    mode: str
    eta_s: float
    distance_m: float
    fix_age_s: float
    within_target: bool
    reason: str


@dataclass(frozen=True)
class ShownList:
    id: int
    at_s: float
    seat: str
    incident_id: int
    status: str
    widened: bool
    target_s: float
    candidates: tuple[ShownCandidate, ...]
    left_out: dict[str, int]
    chosen_officer_id: int | None
    task_id: int | None
    dispatched_at_s: float | None

    def rank_of(self, officer_id: int) -> int | None:
        """1-based place of `officer_id` in the list, None when not offered."""
        for k, c in enumerate(self.candidates, 1):
            if c.officer_id == officer_id:
                return k
        return None


def _candidates(rec: Recommendation) -> list[dict[str, Any]]:
    return [{"officer_id": c.officer_id, "badge": c.badge, "name": c.name, "department": c.department,
             "mode": c.mode, "eta_s": round(float(c.eta_s), 1), "distance_m": round(float(c.distance_m), 1),
             "fix_age_s": round(float(c.fix_age_s), 1), "within_target": bool(c.within_target),
             "reason": c.reason} for c in rec.candidates]


class ShownLog:
    """One seat's record of what it showed. Never stops a dispatcher: a failed write is logged.

    `background=True` (a seat) writes on a thread of its own, in the order asked: the list reaches
    the screen without waiting for the store's write lock (a simulator tick holds it for a large
    part of a second), and "who was sent" still lands on the row of the list it was chosen from."""

    def __init__(self, engine: Engine, seat: str, *, background: bool = False) -> None:
        self.engine = engine
        self.seat = seat
        self._last: dict[int, tuple[int, tuple[Any, ...]]] = {}   # incident -> (row id, what it showed)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commandmap-shown") if background else None
        self._pending: Future[Any] | None = None

    def _run(self, fn: Callable[[], Any]) -> None:
        if self._writer is None:
            fn()
        else:
            self._pending = self._writer.submit(fn)

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every write asked for so far is done (tests, closing a seat)."""
        if self._pending is not None:
            wait([self._pending], timeout=timeout_s)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)

    def record(self, rec: Recommendation, now_s: float) -> None:
        """Store `rec` as shown at `now_s` (unless it repeats the last list shown for its incident)."""
        self._run(lambda: self._record(rec, now_s))

    def dispatched(self, incident_id: int, officer_id: int, task_id: int, now_s: float) -> None:
        """The seat sent `officer_id` from the last list it showed for `incident_id`."""
        self._run(lambda: self._dispatched(incident_id, officer_id, task_id, now_s))

    def _record(self, rec: Recommendation, now_s: float) -> int | None:
        if rec.incident_id is None:
            return None
        rows = _candidates(rec)
        key = (rec.status, rec.widened, tuple((r["officer_id"], round(r["eta_s"])) for r in rows))
        last = self._last.get(rec.incident_id)
        if last is not None and last[1] == key:
            return last[0]
        try:
            with self.engine.begin() as conn:
                row_id = int(conn.execute(insert(shown).values(
                    at=from_epoch(now_s), seat=self.seat, incident_id=rec.incident_id, status=rec.status,
                    widened=rec.widened, target_s=float(rec.target_s), candidates=rows,
                    left_out=dict(rec.left_out)).returning(shown.c.id)).scalar_one())
        except SQLAlchemyError as exc:
            log.warning("could not store the recommendation shown for incident %s: %s", rec.incident_id, exc)
            return None
        self._last[rec.incident_id] = (row_id, key)
        return row_id

    def _dispatched(self, incident_id: int, officer_id: int, task_id: int, now_s: float) -> None:
        last = self._last.pop(incident_id, None)
        if last is None:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(update(shown).where(shown.c.id == last[0]).values(
                    chosen_officer_id=officer_id, task_id=task_id, dispatched_at=from_epoch(now_s)))
        except SQLAlchemyError as exc:
            log.warning("could not record who was sent for incident %s: %s", incident_id, exc)


def _row(r: Any) -> ShownList:
    return ShownList(int(r.id), to_epoch(r.at) or 0.0, r.seat, int(r.incident_id), r.status, bool(r.widened),
                     float(r.target_s), tuple(ShownCandidate(**c) for c in r.candidates), dict(r.left_out or {}),
                     r.chosen_officer_id, r.task_id, to_epoch(r.dispatched_at))


def shown_at(engine: Engine, t_s: float, incident_ids: Sequence[int] | None = None,
             seat: str | None = None) -> dict[int, ShownList]:
    """Per incident, the last list shown at or before `t_s` (by any seat, or by `seat`)."""
    q = select(shown).where(shown.c.at <= from_epoch(t_s)).order_by(shown.c.incident_id, shown.c.at, shown.c.id)
    if incident_ids is not None:
        q = q.where(shown.c.incident_id.in_(list(incident_ids)))
    if seat is not None:
        q = q.where(shown.c.seat == seat)
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        rows = conn.execute(q).all()
    return {int(r.incident_id): _row(r) for r in rows}    # ordered by time: the last one wins


def shown_for_task(engine: Engine, task_id: int) -> ShownList | None:
    """The list the dispatcher chose from when `task_id` was dispatched (None: not recorded)."""
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        r = conn.execute(select(shown).where(shown.c.task_id == task_id).order_by(shown.c.id.desc()).limit(1)).first()
    return None if r is None else _row(r)
