"""The simulated dispatcher: works the store's queue of `new` incidents like a person at a seat.

It reads the queue from the store (not from its own memory), so incidents typed in
at a workstation, left over by a killed process, or reported while it was switched
off are worked too. Most urgent first, oldest first; each incident after a short,
priority-dependent reaction time. It never gives up on an incident while it is
`new`: with nobody to send it looks again after `retry_s`. It prefers a competent
department, but an urgent incident (or one that waited `widen_after_s`) goes to
whoever arrives first when no competent officer can make the 5-minute target —
otherwise categories with few competent officers wait forever. It also closes
incidents that stayed resolved for `close_after_s`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, func, select

from ...domain.enums import IncidentStatus
from ...store.engine import READ_ONLY_OPTION
from ...store.schema import incident, task
from .. import lifecycle
from ..clock import from_epoch, to_epoch
from ..dispatch import dispatch
from ..recommend import Recommender
from ..shown import ShownLog

# seconds from report to the dispatcher's first look, by priority (uniform range)
REACTION_S: dict[str, tuple[float, float]] = {"P1": (5.0, 20.0), "P2": (10.0, 45.0), "P3": (20.0, 90.0),
                                              "P4": (30.0, 150.0)}
URGENT = ("P1", "P2")


@dataclass(frozen=True)
class DispatcherConfig:
    seed: int = 42
    scan_s: float = 5.0           # how often the queue is looked at
    retry_s: float = 15.0         # nobody to send: look again this much later (never give up)
    widen_after_s: float = 180.0  # a non-urgent incident waits this long for a competent officer
    close_after_s: float = 300.0
    close_scan_s: float = 30.0
    reaction_scale: float = 1.0
    seat: str = "sim-dispatcher"


class SimDispatcher:
    """Works the queue at `tick(now_s)`; `on_dispatched(task_id)` tells the engine about new tasks."""

    def __init__(self, engine: Engine, recommender: Recommender, config: DispatcherConfig,
                 on_dispatched: Callable[[int, float], None]) -> None:
        self.engine = engine
        self.recommender = recommender
        self.config = config
        self.on_dispatched = on_dispatched
        self.shown = ShownLog(engine, config.seat)   # the simulated dispatcher's lists, replayable like a seat's
        self._next_scan = -np.inf
        self._next_close_scan = -np.inf
        self._next_try: dict[int, float] = {}
        self.dispatched = 0
        self.closed = 0

    def reaction_s(self, incident_id: int, priority: str) -> float:
        """Deterministic per incident (seed, id), so a restart keeps the same reaction times."""
        lo, hi = REACTION_S.get(priority, REACTION_S["P3"])
        rng = np.random.default_rng([self.config.seed, incident_id])
        return float(rng.uniform(lo, hi)) * self.config.reaction_scale

    def tick(self, now_s: float) -> None:
        if now_s >= self._next_scan:
            self._next_scan = now_s + self.config.scan_s
            self._work_queue(now_s)
        if now_s >= self._next_close_scan:
            self._next_close_scan = now_s + self.config.close_scan_s
            self._close_resolved(now_s)

    def _read(self):  # type: ignore[no-untyped-def]
        return self.engine.connect().execution_options(**{READ_ONLY_OPTION: True})

    def _work_queue(self, now_s: float) -> None:
        with self._read() as conn:
            rows = conn.execute(select(incident.c.id, incident.c.priority, incident.c.reported_at)
                                .where(incident.c.status == IncidentStatus.NEW.value)
                                .order_by(incident.c.priority, incident.c.reported_at, incident.c.id)).all()
        queued = {int(r.id) for r in rows}
        self._next_try = {i: t for i, t in self._next_try.items() if i in queued}
        for r in rows:
            iid = int(r.id)
            reported = to_epoch(r.reported_at) or now_s
            due = max(reported + self.reaction_s(iid, r.priority), self._next_try.get(iid, -np.inf))
            if due > now_s:
                continue
            if not self._try(iid, r.priority, now_s - reported, now_s):
                self._next_try[iid] = now_s + self.config.retry_s

    def _try(self, incident_id: int, priority: str, waited_s: float, now_s: float) -> bool:
        """One attempt; True when the incident left the queue (dispatched, or taken by someone else)."""
        rec = self.recommender.recommend(incident_id, k=3, now_s=now_s)
        self.shown.record(rec, now_s)
        candidates = list(rec.candidates)
        if not rec.can_meet_target and (priority in URGENT or waited_s >= self.config.widen_after_s):
            wide = self.recommender.recommend(incident_id, k=3, widen=True, now_s=now_s)
            self.shown.record(wide, now_s)
            if wide.can_meet_target or not candidates:
                candidates = list(wide.candidates) + candidates
        for c in candidates:
            res = dispatch(self.engine, incident_id, c.officer_id, seat=self.config.seat,
                           predicted_eta_s=c.eta_s, route_lonlat=c.route_lonlat, officer_version=c.version,
                           now_s=now_s)
            if res.ok:
                self.dispatched += 1
                assert res.task_id is not None
                self.shown.dispatched(incident_id, c.officer_id, res.task_id, now_s)
                self.on_dispatched(res.task_id, now_s)
                return True
            if res.conflict in ("incident_taken", "incident_closed", "not_found"):
                return True
        return False

    def _close_resolved(self, now_s: float) -> None:
        done = (select(task.c.incident_id, func.max(task.c.completed_at).label("done"))
                .where(task.c.status == "completed").group_by(task.c.incident_id).subquery())
        with self._read() as conn:
            rows = conn.execute(select(incident.c.id).join(done, done.c.incident_id == incident.c.id)
                                .where(incident.c.status == IncidentStatus.RESOLVED.value,
                                       done.c.done <= from_epoch(now_s - self.config.close_after_s))
                                .order_by(incident.c.id)).scalars().all()
        for iid in rows:
            if lifecycle.close(self.engine, int(iid), actor=self.config.seat, now_s=now_s).ok:
                self.closed += 1
