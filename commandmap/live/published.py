"""The live state as of its last refresh, copied once and read by any thread without its lock.

Why: the follower holds the state's lock while it reads the store (tens of ms when the simulator
moves 25,000 officers), and the map asked for a snapshot under that lock four times a second, so the
UI thread stood waiting for the database. The follower now publishes read-only copies at the end of
each refresh; `snapshot_of` adds only what depends on the moment asked (fix ages, stale flags, the
remaining ETA of each route), with no lock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..domain.sla import sla_levels
from ..domain.snapshot import (OFFICER_STATUS_CODES, IncidentArrays, OfficerArrays, OperationSnapshot, RosterArrays,
                               RouteArrays)
from .columns import ColumnTable

_OFF_DUTY = OFFICER_STATUS_CODES["off_duty"]


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Published:
    """Read-only copies of the state's arrays at `sequence`; `roster` shares the officers' arrays."""

    sequence: int
    roster: RosterArrays          # what a recommendation filters (duty, status, department, fix)
    officer_ids: np.ndarray
    officer_xy: np.ndarray
    heading_deg: np.ndarray
    officer_status: np.ndarray
    fix_t: np.ndarray
    department: np.ndarray
    badges: tuple[str, ...]
    incident_ids: np.ndarray
    incident_xy: np.ndarray
    priority: np.ndarray
    incident_status: np.ndarray
    reported_t: np.ndarray
    dispatched_t: np.ndarray
    acknowledged_t: np.ndarray
    arrived_t: np.ndarray
    codes: tuple[str, ...]
    categories: tuple[str, ...]
    route_xy: np.ndarray          # the routes still driven (not on scene), concatenated
    route_offsets: np.ndarray
    route_task_ids: np.ndarray
    route_eta_s: np.ndarray
    route_dispatched_t: np.ndarray


def publish(sequence: int, officers: ColumnTable, incidents: ColumnTable, tasks: ColumnTable) -> Published:
    """Copy what a snapshot needs (call it under the state's lock)."""
    o, i, t = officers.cols, incidents.cols, tasks.cols
    ids, status, department, fix_t = (_frozen(a) for a in (officers.ids, o["status"], o["department"], o["fix_t"]))
    roster = RosterArrays(ids, _frozen(o["on_duty"]), status, department,
                          _frozen(np.column_stack([o["lon"], o["lat"]])), fix_t)
    polylines = tasks.text.get("route_xy", [])
    statuses = tasks.text.get("status", [])
    keep = [k for k, p in enumerate(polylines) if len(p) >= 2 and statuses[k] != "on_scene"]
    if keep:
        lengths = np.array([len(polylines[k]) for k in keep])
        route_xy = np.concatenate([polylines[k] for k in keep])
        offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    else:
        route_xy, offsets = np.zeros((0, 2)), np.zeros(1, np.int64)
    return Published(
        sequence=sequence, roster=roster, officer_ids=ids, officer_xy=_frozen(np.column_stack([o["x"], o["y"]])),
        heading_deg=_frozen(o["heading"]), officer_status=status, fix_t=fix_t,
        department=department, badges=tuple(officers.text.get("badge", ())),
        incident_ids=_frozen(incidents.ids), incident_xy=_frozen(np.column_stack([i["x"], i["y"]])),
        priority=_frozen(i["priority"]), incident_status=_frozen(i["status"]), reported_t=_frozen(i["reported_t"]),
        dispatched_t=_frozen(i["dispatched_t"]), acknowledged_t=_frozen(i["acknowledged_t"]),
        arrived_t=_frozen(i["arrived_t"]), codes=tuple(incidents.text.get("code", ())),
        categories=tuple(incidents.text.get("category", ())), route_xy=_frozen(route_xy),
        route_offsets=_frozen(offsets), route_task_ids=_frozen(tasks.ids[keep]),
        route_eta_s=_frozen(t["eta_s"][keep]), route_dispatched_t=_frozen(t["dispatched_t"][keep]))


def snapshot_of(p: Published, now: float, stale_after_s: float) -> OperationSnapshot:
    """The operation at `now`: the published arrays (shared, read-only) plus what depends on the time."""
    age = (now - p.fix_t).astype(np.float32)
    age[np.isnan(age)] = np.inf
    officers = OfficerArrays(
        ids=p.officer_ids, xy=p.officer_xy, heading_deg=p.heading_deg, status=p.officer_status, fix_age_s=age,
        # off duty, an officer is not expected to report: shown as off duty, not as a lost fix
        stale=(age > stale_after_s) & (p.officer_status != _OFF_DUTY), department=p.department, badges=p.badges)
    incidents = IncidentArrays(
        ids=p.incident_ids, xy=p.incident_xy, priority=p.priority, status=p.incident_status,
        age_s=(now - p.reported_t).astype(np.float32), codes=p.codes, categories=p.categories)
    remaining = np.maximum(p.route_eta_s - (now - p.route_dispatched_t), 0.0).astype(np.float32)
    routes = RouteArrays(p.route_xy, p.route_offsets, p.route_task_ids, remaining, np.zeros(len(remaining), bool))
    return OperationSnapshot(sequence=p.sequence, time_s=now, officers=officers, incidents=incidents, routes=routes)


def sla_of(p: Published, now: float) -> tuple[np.ndarray, np.ndarray]:
    """(incident ids, SLA level codes) aligned with the snapshot's incidents."""
    return p.incident_ids, sla_levels(p.dispatched_t, p.acknowledged_t, p.arrived_t, now)
