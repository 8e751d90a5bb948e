"""SLA state of incidents from the store: stage timestamps in, `domain.sla` levels out.

An incident's stages come from its tasks: first dispatch, first acknowledgement,
first arrival and the completion of the task that resolved it, so a reassignment
never resets the citizen's clock (see `commandmap.domain.sla`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from ..domain.sla import SlaPolicy, SlaState, StageDurations, StageTimes, sla_state, stage_durations
from ..store.engine import READ_ONLY_OPTION
from ..store.schema import incident, task
from .clock import to_epoch, wall_clock


@dataclass(frozen=True)
class IncidentSla:
    incident_id: int
    code: str
    status: str
    stages: StageTimes
    state: SlaState
    durations: StageDurations


def incident_stages(engine: Engine, incident_ids: Sequence[int] | None = None, *,
                    reported_since_s: float | None = None) -> dict[int, tuple[str, str, StageTimes]]:
    """(code, status, StageTimes) per incident: all, the given ids, or those reported since a time."""
    agg = (select(task.c.incident_id, func.min(task.c.dispatched_at).label("d"),
                  func.min(task.c.acknowledged_at).label("a"), func.min(task.c.arrived_at).label("r"),
                  func.max(task.c.completed_at).filter(task.c.status == "completed").label("c"))
           .group_by(task.c.incident_id).subquery())
    query = (select(incident.c.id, incident.c.code, incident.c.status, incident.c.reported_at, agg.c.d, agg.c.a,
                    agg.c.r, agg.c.c).outerjoin(agg, agg.c.incident_id == incident.c.id))
    if incident_ids is not None:
        query = query.where(incident.c.id.in_(list(incident_ids)))
    if reported_since_s is not None:
        from .clock import from_epoch
        query = query.where(incident.c.reported_at >= from_epoch(reported_since_s))
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        rows = conn.execute(query).all()
    out = {}
    for r in rows:
        resolved = to_epoch(r.c) if r.status in ("resolved", "closed") else None
        out[int(r.id)] = (r.code, r.status, StageTimes(to_epoch(r.reported_at) or 0.0, to_epoch(r.d), to_epoch(r.a),
                                                       to_epoch(r.r), resolved))
    return out


def incident_sla(engine: Engine, incident_ids: Sequence[int] | None = None, *, now_s: float | None = None,
                 policy: SlaPolicy = SlaPolicy(), reported_since_s: float | None = None) -> list[IncidentSla]:
    """SLA state and stage durations for display and reports, ordered by incident id."""
    now = wall_clock() if now_s is None else float(now_s)
    stages = incident_stages(engine, incident_ids, reported_since_s=reported_since_s)
    return [IncidentSla(i, code, status, st, sla_state(st, now, policy), stage_durations(st))
            for i, (code, status, st) in sorted(stages.items())]
