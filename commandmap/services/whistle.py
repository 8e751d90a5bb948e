"""Grid whistles (网格吹哨、镇队报到): a grid leader raises an issue; the town team that owns
the grid must accept it in time, else it escalates to the district command centre.

The incident is made by intake (source grid_whistle) at the grid's location; the
whistle row holds the acceptance clock (domain.escalation decides it). `escalate_due`
is idempotent and meant to run on a timer (the app's or the simulator's): each whistle
escalates once, at its deadline and not before, with its reason, audited and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from sqlalchemy import Engine, select, update

from ..domain.enums import IncidentSource
from ..domain.escalation import DEFAULT_ACCEPT_WITHIN_S, WhistleClock, WhistleLevel, WhistleState, escalation_reason
from ..store.audit import append_audit
from ..store.changes import record_change
from ..store.engine import READ_ONLY_OPTION
from ..store.schema import district, grid, town, whistle
from .clock import from_epoch, to_epoch
from .intake import Intake, IntakeError, NewIncident


class WhistleError(ValueError):
    """The whistle cannot be raised or accepted; the message says why."""


@dataclass(frozen=True)
class WhistleRow:
    incident_id: int
    grid_id: int
    town_id: int
    district_id: int
    level: WhistleLevel
    clock: WhistleClock
    reason: str | None

    def state(self, now_s: float) -> WhistleState:
        return self.clock.state(now_s)


def raise_whistle(engine: Engine, grid_id: int, category: str, *, actor: str, now_s: float,
                  accept_within_s: float = DEFAULT_ACCEPT_WITHIN_S, description: str = "",
                  intake: Intake | None = None) -> WhistleRow:
    """New incident in the grid (at a point inside it), routed to the grid's town with a clock."""
    if not (accept_within_s > 0):
        raise WhistleError(f"accept_within_s must be > 0, got {accept_within_s!r}")
    with engine.connect() as conn:
        row = conn.execute(select(grid.c.id, grid.c.geometry_wkb, grid.c.town_id, town.c.district_id, town.c.name)
                           .join(town, town.c.id == grid.c.town_id).where(grid.c.id == grid_id)).first()
    if row is None:
        raise WhistleError(f"no grid with id {grid_id}")
    pt = shapely.point_on_surface(shapely.from_wkb(row.geometry_wkb))
    try:
        res = (intake or Intake(engine)).create(
            NewIncident(category, IncidentSource.GRID_WHISTLE, float(pt.x), float(pt.y), description=description),
            actor=actor, now_s=now_s)
    except IntakeError as exc:
        raise WhistleError(str(exc)) from None
    clock = WhistleClock(now_s, accept_within_s)
    with engine.begin() as conn:
        conn.execute(whistle.insert().values(
            incident_id=res.incident_id, grid_id=grid_id, town_id=row.town_id, district_id=row.district_id,
            raised_by=actor, raised_at=from_epoch(now_s), accept_due_at=from_epoch(clock.due_s),
            level=WhistleLevel.TOWN.value))
        append_audit(conn, actor, "whistle.raise", "incident", res.incident_id,
                     {"grid_id": grid_id, "town": row.name, "accept_within_s": accept_within_s},
                     at=from_epoch(now_s))
        record_change(conn, "incident", res.incident_id, "update")
    return WhistleRow(res.incident_id, grid_id, row.town_id, row.district_id, WhistleLevel.TOWN, clock, None)


def get_whistle(engine: Engine, incident_id: int) -> WhistleRow | None:
    with engine.connect() as conn:
        r = conn.execute(select(whistle).where(whistle.c.incident_id == incident_id)).first()
    if r is None:
        return None
    raised = to_epoch(r.raised_at) or 0.0
    clock = WhistleClock(raised, (to_epoch(r.accept_due_at) or raised) - raised, to_epoch(r.accepted_at),
                         to_epoch(r.escalated_at))
    return WhistleRow(int(r.incident_id), int(r.grid_id), int(r.town_id), int(r.district_id),
                      WhistleLevel(r.level), clock, r.escalation_reason)


def accept(engine: Engine, incident_id: int, *, actor: str, now_s: float) -> WhistleRow:
    """The current level (town, or district after escalation) takes the whistle."""
    with engine.begin() as conn:
        r = conn.execute(select(whistle.c.level, whistle.c.accepted_at).where(
            whistle.c.incident_id == incident_id)).first()
        if r is None:
            raise WhistleError(f"incident {incident_id} is not a grid whistle")
        if r.accepted_at is not None:
            raise WhistleError(f"incident {incident_id} was already accepted")
        conn.execute(update(whistle).where(whistle.c.incident_id == incident_id, whistle.c.accepted_at.is_(None))
                     .values(accepted_at=from_epoch(now_s), accepted_by=actor))
        append_audit(conn, actor, "whistle.accept", "incident", incident_id, {"level": r.level},
                     at=from_epoch(now_s))
        record_change(conn, "incident", incident_id, "update")
    out = get_whistle(engine, incident_id)
    assert out is not None
    return out


def escalate_due(engine: Engine, *, now_s: float, actor: str = "escalation-clock") -> list[int]:
    """Escalate every town-level whistle not accepted by its deadline; returns their incident ids.

    Cheap when nothing is due (one indexed read, no write transaction), so timers may call it often."""
    now = from_epoch(now_s)
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        pending = conn.execute(select(whistle.c.incident_id).where(
            whistle.c.level == WhistleLevel.TOWN.value, whistle.c.accepted_at.is_(None),
            whistle.c.accept_due_at <= now).limit(1)).first()
    if pending is None:
        return []
    with engine.begin() as conn:
        due = conn.execute(select(whistle.c.incident_id, whistle.c.raised_at, whistle.c.accept_due_at, town.c.name)
                           .join(town, town.c.id == whistle.c.town_id)
                           .where(whistle.c.level == WhistleLevel.TOWN.value, whistle.c.accepted_at.is_(None),
                                  whistle.c.accept_due_at <= now)
                           .order_by(whistle.c.incident_id)).all()
        done: list[int] = []
        for r in due:
            within = (to_epoch(r.accept_due_at) or 0.0) - (to_epoch(r.raised_at) or 0.0)
            clock = WhistleClock(to_epoch(r.raised_at) or 0.0, within)
            if clock.state(now_s) is not WhistleState.DUE:   # the domain has the last word on the edge
                continue
            reason = escalation_reason(r.name, within)
            n = conn.execute(update(whistle).where(whistle.c.incident_id == r.incident_id,
                                                   whistle.c.level == WhistleLevel.TOWN.value,
                                                   whistle.c.accepted_at.is_(None))
                             .values(level=WhistleLevel.DISTRICT.value, escalated_at=now,
                                     escalation_reason=reason)).rowcount
            if n:
                append_audit(conn, actor, "whistle.escalate", "incident", int(r.incident_id), {"reason": reason},
                             at=now)
                record_change(conn, "incident", int(r.incident_id), "update")
                done.append(int(r.incident_id))
    return done


def chain_names(engine: Engine, grid_id: int) -> tuple[str, str, str]:
    """(district, town, grid) names: the chain shown wherever the incident shows."""
    with engine.connect() as conn:
        r = conn.execute(select(district.c.name.label("dname"), town.c.name.label("tname"), grid.c.name.label("gname"))
                         .select_from(grid).join(town, town.c.id == grid.c.town_id)
                         .join(district, district.c.id == town.c.district_id).where(grid.c.id == grid_id)).first()
    if r is None:
        raise WhistleError(f"no grid with id {grid_id}")
    return str(r.dname), str(r.tname), str(r.gname)
