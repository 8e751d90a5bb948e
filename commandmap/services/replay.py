"""Replay: the operation as it stood at any moment of the stored history.

`ReplayHistory` reads one span (e.g. a day) once — accepted fixes, tasks with their
stage times, incidents with when they closed, and the recommendation lists shown —
into sorted arrays, so each frame is array look-ups, not queries: officers' last
accepted fix at or before T, each task's stage at T, each incident's status at T,
the lists dispatchers had on screen at T (`services.shown`), and "who was within
R m of this point at T". `snapshot_at(T)` is an `OperationSnapshot`, so the map's
own layers draw a replay exactly as they draw the live operation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, select

from routing.projection import to_xy

from ..domain.fix_validation import DEFAULT_STALE_AFTER_S
from ..domain.snapshot import (INCIDENT_STATUS_CODES, OFFICER_STATUS_CODES, IncidentArrays, OfficerArrays,
                               OperationSnapshot, RouteArrays, empty_routes)
from ..store import schema
from ..store.engine import READ_ONLY_OPTION
from .clock import from_epoch, to_epoch
from .shown import ShownList, _row

NAN = float("nan")


def _t(at: object) -> float:
    v = to_epoch(at)  # type: ignore[arg-type]
    return NAN if v is None else v


@dataclass(frozen=True)
class Nearby:
    officer_id: int
    badge: str
    distance_m: float
    fix_age_s: float


class ReplayHistory:
    """The stored history of [start_s, end_s] in memory, for frames at any T inside it."""

    def __init__(self, engine: Engine, crs: str, start_s: float, end_s: float, *,
                 stale_after_s: float = DEFAULT_STALE_AFTER_S) -> None:
        if end_s <= start_s:
            raise ValueError(f"replay: the end ({end_s:.0f}) is not after the start ({start_s:.0f})")
        self.crs, self.start_s, self.end_s, self.stale_after_s = crs, start_s, end_s, stale_after_s
        f, o, t, i, a, s = (schema.position_fix, schema.officer, schema.task, schema.incident, schema.audit_event,
                            schema.recommendation_shown)
        lo, hi = from_epoch(start_s - stale_after_s), from_epoch(end_s)
        with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            officers = conn.execute(select(o.c.id, o.c.badge, o.c.department_id).order_by(o.c.id)).all()
            fixes = conn.execute(select(f.c.officer_id, f.c.fix_time, f.c.lon, f.c.lat, f.c.heading_deg)
                                 .where(f.c.verdict == "good", f.c.fix_time >= lo, f.c.fix_time <= hi)
                                 .order_by(f.c.officer_id, f.c.fix_time)).all()
            tasks = conn.execute(select(t.c.id, t.c.incident_id, t.c.officer_id, t.c.dispatched_at, t.c.acknowledged_at,
                                        t.c.en_route_at, t.c.arrived_at, t.c.completed_at, t.c.predicted_eta_s,
                                        t.c.route_lonlat)
                                 .where(t.c.dispatched_at <= hi).order_by(t.c.id)).all()
            incidents = conn.execute(select(i.c.id, i.c.code, i.c.category, i.c.priority, i.c.lon, i.c.lat,
                                            i.c.reported_at).where(i.c.reported_at <= hi).order_by(i.c.id)).all()
            ended = conn.execute(select(a.c.entity_id, a.c.at).where(
                a.c.entity == "incident", a.c.action.in_(("incident.close", "incident.cancel")),
                a.c.at <= hi)).all()
            self._shown = [_row(r) for r in conn.execute(select(s).where(s.c.at <= hi).order_by(s.c.at, s.c.id))]
        # officers
        self.officer_ids = np.array([r.id for r in officers], np.int64)
        self.badges = tuple(r.badge for r in officers)
        self.departments = np.array([r.department_id for r in officers], np.int32)
        rank = {int(v): k for k, v in enumerate(self.officer_ids)}
        # fixes, sorted by (officer rank, time): one searchsorted finds everyone's last fix at T
        self._fix_rank = np.array([rank.get(int(r.officer_id), -1) for r in fixes], np.int64)
        self._fix_t = np.array([_t(r.fix_time) for r in fixes], np.float64)
        ll = np.array([(r.lon, r.lat) for r in fixes], np.float64).reshape(-1, 2)
        self._fix_xy = to_xy(crs, ll) if len(ll) else np.zeros((0, 2))
        self._fix_heading = np.array([NAN if r.heading_deg is None else r.heading_deg for r in fixes], np.float32)
        self._span = (end_s - start_s) + 2 * stale_after_s + 1.0
        self._fix_key = self._fix_rank * self._span + (self._fix_t - (start_s - stale_after_s))
        # tasks
        self._task_ids = np.array([r.id for r in tasks], np.int64)
        self._task_incident = np.array([-1 if r.incident_id is None else r.incident_id for r in tasks], np.int64)
        self._task_officer_rank = np.array([rank.get(int(r.officer_id), -1) for r in tasks], np.int64)
        self._task_stage = {k: np.array([_t(getattr(r, k)) for r in tasks], np.float64)
                            for k in ("dispatched_at", "acknowledged_at", "en_route_at", "arrived_at", "completed_at")}
        self._task_eta = np.array([r.predicted_eta_s for r in tasks], np.float64)
        self._task_route = [r.route_lonlat or [] for r in tasks]
        # incidents
        self.incident_ids = np.array([r.id for r in incidents], np.int64)
        self._inc_codes = tuple(r.code for r in incidents)
        self._inc_categories = tuple(r.category for r in incidents)
        self._inc_priority = np.array([int(str(r.priority)[1:]) for r in incidents], np.int8)
        ill = np.array([(r.lon, r.lat) for r in incidents], np.float64).reshape(-1, 2)
        self._inc_xy = to_xy(crs, ill) if len(ill) else np.zeros((0, 2))
        self._inc_reported = np.array([_t(r.reported_at) for r in incidents], np.float64)
        end_of = {int(r.entity_id): _t(r.at) for r in ended}
        self._inc_ended = np.array([end_of.get(int(v), NAN) for v in self.incident_ids], np.float64)

    # -- officers -------------------------------------------------------------------------------------
    def positions_at(self, t_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xy, heading_deg, fix_age_s) of every officer from the last accepted fix at or before T
        (NaN / inf when none within the stale horizon before the span)."""
        n = len(self.officer_ids)
        xy = np.full((n, 2), np.nan)
        heading = np.full(n, np.nan, np.float32)
        age = np.full(n, np.inf, np.float32)
        if len(self._fix_key):
            q = np.arange(n) * self._span + (t_s - (self.start_s - self.stale_after_s))
            k = np.searchsorted(self._fix_key, q, side="right") - 1
            ok = (k >= 0)
            ok[ok] &= self._fix_rank[k[ok]] == np.arange(n)[ok]
            xy[ok] = self._fix_xy[k[ok]]
            heading[ok] = self._fix_heading[k[ok]]
            age[ok] = (t_s - self._fix_t[k[ok]]).astype(np.float32)
        return xy, heading, age

    def _active_tasks(self, t_s: float) -> np.ndarray:
        st = self._task_stage
        done = st["completed_at"]
        return np.flatnonzero((st["dispatched_at"] <= t_s) & ~(done <= t_s))

    def within(self, x: float, y: float, radius_m: float, t_s: float) -> list[Nearby]:
        """Officers whose position at T (last accepted fix, not stale) lies within `radius_m`, nearest first."""
        xy, _, age = self.positions_at(t_s)
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        hit = np.flatnonzero((d <= radius_m) & (age <= self.stale_after_s))
        hit = hit[np.argsort(d[hit], kind="stable")]
        return [Nearby(int(self.officer_ids[k]), self.badges[k], float(d[k]), float(age[k])) for k in hit]

    # -- the whole frame ------------------------------------------------------------------------------
    def snapshot_at(self, t_s: float) -> OperationSnapshot:
        xy, heading, age = self.positions_at(t_s)
        status = np.full(len(self.officer_ids), OFFICER_STATUS_CODES["available"], np.int8)
        active = self._active_tasks(t_s)
        st = self._task_stage
        task_code = np.where(st["arrived_at"][active] <= t_s, OFFICER_STATUS_CODES["on_scene"],
                             np.where(st["en_route_at"][active] <= t_s, OFFICER_STATUS_CODES["en_route"],
                                      OFFICER_STATUS_CODES["dispatched"])).astype(np.int8)
        ranks = self._task_officer_rank[active]
        keep = ranks >= 0
        status[ranks[keep]] = task_code[keep]
        officers = OfficerArrays(ids=self.officer_ids.copy(), xy=xy, heading_deg=heading, status=status, fix_age_s=age,
                                 stale=age > self.stale_after_s, department=self.departments.copy(),
                                 badges=self.badges)
        return OperationSnapshot(sequence=-1, time_s=t_s, officers=officers, incidents=self._incidents_at(t_s, active),
                                 routes=self._routes(active, t_s))

    def _incidents_at(self, t_s: float, active: np.ndarray) -> IncidentArrays:
        st = self._task_stage
        disp = st["dispatched_at"]
        resolved = np.isin(self.incident_ids, self._task_incident[st["completed_at"] <= t_s])
        open_ = (self._inc_reported <= t_s) & ~(self._inc_ended <= t_s) & ~resolved
        codes = np.full(len(self.incident_ids), INCIDENT_STATUS_CODES["new"], np.int8)
        # the most advanced stage of each incident's active tasks
        stage = np.where(st["arrived_at"][active] <= t_s, INCIDENT_STATUS_CODES["on_scene"],
                         np.where(st["en_route_at"][active] <= t_s, INCIDENT_STATUS_CODES["en_route"],
                                  np.where(disp[active] <= t_s, INCIDENT_STATUS_CODES["dispatched"],
                                           INCIDENT_STATUS_CODES["new"]))).astype(np.int8)
        idx = np.searchsorted(self.incident_ids, self._task_incident[active])
        known = (idx < len(self.incident_ids))
        known[known] &= self.incident_ids[idx[known]] == self._task_incident[active][known]
        np.maximum.at(codes, idx[known], stage[known])
        sel = np.flatnonzero(open_)
        return IncidentArrays(ids=self.incident_ids[sel], xy=self._inc_xy[sel], priority=self._inc_priority[sel],
                              status=codes[sel], age_s=(t_s - self._inc_reported[sel]).astype(np.float32),
                              codes=tuple(self._inc_codes[k] for k in sel),
                              categories=tuple(self._inc_categories[k] for k in sel))

    def _routes(self, active: np.ndarray, t_s: float) -> RouteArrays:
        lines = [(k, np.asarray(self._task_route[k], np.float64)) for k in active
                 if len(self._task_route[k]) >= 2 and not (self._task_stage["arrived_at"][k] <= t_s)]
        if not lines:
            return empty_routes()
        coords = to_xy(self.crs, np.concatenate([ll for _, ll in lines]))
        offsets = np.concatenate([[0], np.cumsum([len(ll) for _, ll in lines])]).astype(np.int64)
        eta = np.array([max(0.0, self._task_eta[k] - (t_s - self._task_stage["dispatched_at"][k]))
                        for k, _ in lines], np.float32)
        return RouteArrays(coords, offsets, self._task_ids[[k for k, _ in lines]], eta, np.zeros(len(lines), bool))

    # -- what the dispatchers saw ----------------------------------------------------------------------
    def shown_at(self, t_s: float, incident_id: int | None = None) -> dict[int, ShownList]:
        """Per incident, the last recommendation list on a screen at or before T."""
        out: dict[int, ShownList] = {}
        for row in self._shown:
            if row.at_s > t_s:
                break
            if incident_id is None or row.incident_id == incident_id:
                out[row.incident_id] = row
        return out
