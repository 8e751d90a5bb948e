"""Saved joint inspection plans as a dispatcher sees them: what, how far along, who, what it spares.

One read of the plans and their items (no per-plan queries), newest first, for the
workstation's plans dialog and the map's plan routes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..store.engine import READ_ONLY_OPTION
from ..store.schema import inspection_item, inspection_plan, site
from .clock import to_epoch
from .inspection_tour import team_of


@dataclass(frozen=True)
class PlanSummary:
    plan_id: int
    name: str
    status: str                                    # planned / dispatched / done
    created_s: float
    team: tuple[int, ...]                          # officer ids
    site_ids: tuple[int, ...]                      # in visiting order
    sites_done: int
    stops_lonlat: tuple[tuple[float, float], ...]  # in visiting order
    visits_avoided: int
    route_eta_s: float

    @property
    def sites(self) -> int:
        return len(self.site_ids)


def list_plans(engine: Engine, *, limit: int = 200) -> list[PlanSummary]:
    """The latest `limit` joint plans, newest first."""
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        plans = conn.execute(select(inspection_plan.c.id, inspection_plan.c.name, inspection_plan.c.status,
                                    inspection_plan.c.created_at, inspection_plan.c.detail)
                             .where(inspection_plan.c.kind == "joint")
                             .order_by(inspection_plan.c.id.desc()).limit(limit)).all()
        ids = [int(p.id) for p in plans]
        items = conn.execute(select(inspection_item.c.plan_id, inspection_item.c.site_id, inspection_item.c.status,
                                    site.c.lon, site.c.lat)
                             .join(site, site.c.id == inspection_item.c.site_id)
                             .where(inspection_item.c.plan_id.in_(ids))
                             .order_by(inspection_item.c.plan_id, inspection_item.c.sequence,
                                       inspection_item.c.id)).all() if ids else []
    by_plan: dict[int, list] = {}
    for it in items:
        by_plan.setdefault(int(it.plan_id), []).append(it)
    out = []
    for p in plans:
        detail = p.detail or {}
        its = by_plan.get(int(p.id), [])
        out.append(PlanSummary(int(p.id), str(p.name), str(p.status), to_epoch(p.created_at) or 0.0,
                               tuple(team_of(detail)), tuple(int(i.site_id) for i in its),
                               sum(i.status == "done" for i in its),
                               tuple((float(i.lon), float(i.lat)) for i in its),
                               int(detail.get("visits_avoided") or 0), float(detail.get("route_eta_s") or 0.0)))
    return out
