"""Arrival detected from positions: plug `ArrivalDetector.check` into the ingest path
(`FixIngestor(on_moved=detector.check)`) and an officer whose good fix comes within
the arrival radius of the scene is marked on scene, exactly as if they had tapped
"arrived" — through `lifecycle.arrive`, so the state machine still decides.
A task without an incident goes to its target point; a move-up ends there (the
officer is repositioned and available again at once).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Engine, func, select

from ..domain.arrival import DEFAULT_ARRIVAL_RADIUS_M, arrived
from ..domain.enums import TaskKind, TaskStatus
from ..store.engine import READ_ONLY_OPTION
from ..store.schema import incident, task
from . import lifecycle

_TRAVELLING = [TaskStatus.DISPATCHED.value, TaskStatus.ACKNOWLEDGED.value, TaskStatus.EN_ROUTE.value]
ACTOR = "arrival-detector"


class ArrivalDetector:
    def __init__(self, engine: Engine, radius_m: float = DEFAULT_ARRIVAL_RADIUS_M) -> None:
        if radius_m <= 0:
            raise ValueError(f"arrival radius must be > 0 m, got {radius_m}")
        self.engine = engine
        self.radius_m = radius_m
        self.detected = 0

    def check(self, officer_ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, now_s: float) -> list[int]:
        """Mark arrived every travelling task whose officer is now at its scene; returns those task ids."""
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            rows = conn.execute(select(task.c.id, task.c.officer_id, func.coalesce(incident.c.lon, task.c.target_lon),
                                       func.coalesce(incident.c.lat, task.c.target_lat), task.c.kind)
                                .outerjoin(incident, incident.c.id == task.c.incident_id)
                                .where(task.c.status.in_(_TRAVELLING), func.coalesce(incident.c.lon, task.c.target_lon)
                                       .is_not(None))).all()
        if not rows:
            return []
        t_ids = np.array([r[0] for r in rows], np.int64)
        t_off = np.array([r[1] for r in rows], np.int64)
        scene = np.array([(r[2], r[3]) for r in rows], np.float64)
        ids = np.asarray(officer_ids, np.int64)
        order = np.argsort(ids)
        pos = np.searchsorted(ids[order], t_off)
        pos_c = np.minimum(pos, len(ids) - 1)
        has = ids[order][pos_c] == t_off
        if not has.any():
            return []
        k = order[pos_c[has]]
        hit = arrived(np.asarray(lon)[k], np.asarray(lat)[k], scene[has, 0], scene[has, 1], self.radius_m)
        done = []
        move_ups = {int(r[0]) for r in rows if r[4] == TaskKind.MOVE_UP.value}
        for tid in t_ids[has][hit].tolist():
            if lifecycle.arrive(self.engine, tid, actor=ACTOR, now_s=now_s).ok:
                done.append(tid)
                if tid in move_ups:   # repositioned: available again where coverage needs them
                    lifecycle.resolve(self.engine, tid, actor=ACTOR, now_s=now_s)
        self.detected += len(done)
        return done
