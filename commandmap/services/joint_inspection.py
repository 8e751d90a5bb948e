"""Joint inspection planner (综合查一次: enter once, check many things).

For the chosen sites, every check item the departments want done (catalogue: item →
department → qualification) must be covered by someone on the team. The team is the
smallest set of on-duty officers that covers them all (domain.setcover: exact when
small, greedy with its bound otherwise); the route orders the sites with per-leg
ETAs (routing.plan_tour); visits avoided are the separate departmental visits the
one joint visit per site replaces (the seed's 减少扰企).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import cast
from datetime import datetime

import numpy as np
from sqlalchemy import Engine, select

from routing import RoadGraph, plan_tour

from ..domain.setcover import set_cover
from ..store.audit import append_audit
from ..store.changes import record_change
from ..store.schema import department, inspection_item, inspection_plan, officer, officer_position, site
from .catalogue import Catalogue, CheckItem
from .city_categories import city_catalogue


class JointPlanError(ValueError):
    """The plan cannot be made; the message names the site, item or department."""


@dataclass(frozen=True)
class TeamMember:
    officer_id: int
    badge: str
    name: str
    department: str            # department code
    skills: tuple[str, ...]
    covers: tuple[str, ...]    # check item codes this member is on the team for


@dataclass(frozen=True)
class Stop:
    site_id: int
    name: str
    category: str
    lon: float
    lat: float
    leg_eta_s: float | None    # from the previous stop (None for the first)
    items: tuple[CheckItem, ...]
    departments: tuple[str, ...]


@dataclass(frozen=True)
class JointPlan:
    stops: tuple[Stop, ...]            # in visiting order
    team: tuple[TeamMember, ...]
    team_exact: bool                   # no smaller team covers every item
    team_bound: float                  # worst case team size / optimum (1.0 when exact)
    route_eta_s: float
    separate_visits: int               # one visit per department per site, without the joint plan
    left_out: tuple[tuple[int, str], ...] = field(default=())   # (site id, reason) the route cannot reach

    @property
    def joint_visits(self) -> int:
        return len(self.stops)

    @property
    def visits_avoided(self) -> int:
        return self.separate_visits - self.joint_visits


def _requirement(item: CheckItem) -> tuple[str, str]:
    return item.department, item.qualification


def plan_joint_inspection(engine: Engine, site_ids: Sequence[int], graph: RoadGraph, *,
                          catalogue: Catalogue | None = None, mode: str = "car") -> JointPlan:
    """Team, route and visits avoided for `site_ids` (JointPlanError for bad ids or no team)."""
    catalogue = catalogue or city_catalogue(engine)
    ids = list(dict.fromkeys(int(i) for i in site_ids))
    if not ids:
        raise JointPlanError("no sites given")
    with engine.connect() as conn:
        srows = {r.id: r for r in conn.execute(select(site.c.id, site.c.name, site.c.category, site.c.lon, site.c.lat)
                                                .where(site.c.id.in_(ids)))}
        missing = [i for i in ids if i not in srows]
        if missing:
            raise JointPlanError(f"no site with id {', '.join(map(str, missing))}")
        deps = {r.code: r.id for r in conn.execute(select(department.c.code, department.c.id))}
        orows = conn.execute(select(officer.c.id, officer.c.badge, officer.c.name, officer.c.department_id,
                                    officer.c.skills, officer.c.status, officer_position.c.lon, officer_position.c.lat)
                             .join(officer_position, officer_position.c.officer_id == officer.c.id)
                             .where(officer.c.on_duty.is_(True)).order_by(officer.c.id)).all()
    items_of: dict[int, list[CheckItem]] = {}
    for i in ids:
        try:
            items_of[i] = catalogue.check_items_for(srows[i].category)
        except KeyError:
            items_of[i] = []
        if not items_of[i]:
            raise JointPlanError(f"site {i} ({srows[i].category}) has no check items in the catalogue")
    universe = frozenset(_requirement(it) for its in items_of.values() for it in its)
    dep_code = {v: k for k, v in deps.items()}
    profiles: dict[tuple[str, frozenset[str]], list[int]] = {}
    for k, r in enumerate(orows):
        code = dep_code.get(r.department_id)
        if code is None:
            continue
        profiles.setdefault((code, frozenset(r.skills or [])), []).append(k)
    keys = sorted(profiles, key=lambda p: (p[0], sorted(p[1])))
    sets: list[frozenset[Hashable]] = [frozenset({(d, q) for q in s} | {(d, "")}) for d, s in keys]
    cover = set_cover(universe, sets)
    if cover.uncovered:
        d, q = cast(tuple[str, str], sorted(cover.uncovered, key=str)[0])
        raise JointPlanError(f"no on-duty officer of department {d} holds qualification {q or '(any)'} "
                             "needed by the check items")
    centre = np.array([[srows[i].lon, srows[i].lat] for i in ids]).mean(axis=0)
    team: list[TeamMember] = []
    for j in cover.chosen:
        members = profiles[keys[j]]
        free = [k for k in members if orows[k].status == "available"]
        members = free or members     # an officer who is free now can be dispatched with the plan
        pos = np.array([[orows[k].lon, orows[k].lat] for k in members])
        best = members[int(np.argmin(np.hypot(*(pos - centre).T)))]
        r = orows[best]
        covered = tuple(sorted({it.code for its in items_of.values() for it in its if _requirement(it) in sets[j]}))
        team.append(TeamMember(int(r.id), r.badge, r.name, keys[j][0], tuple(sorted(keys[j][1])), covered))
    stops_ll = np.array([[srows[i].lon, srows[i].lat] for i in ids], dtype=np.float64)
    tour = plan_tour(graph, stops_ll, mode=mode)
    legs = {leg.to_stop: leg.eta_s for leg in tour.legs}
    stops = tuple(Stop(ids[s], srows[ids[s]].name, srows[ids[s]].category, float(stops_ll[s, 0]),
                       float(stops_ll[s, 1]), legs.get(s), tuple(items_of[ids[s]]),
                       tuple(dict.fromkeys(it.department for it in items_of[ids[s]])))
                  for s in tour.order)
    separate = sum(len(st.departments) for st in stops)
    return JointPlan(stops, tuple(team), cover.exact, cover.bound, tour.total_eta_s, separate,
                     tuple((ids[i], why) for i, why in tour.left_out))


def save_plan(engine: Engine, plan: JointPlan, *, actor: str, now: datetime, name: str | None = None) -> int:
    """Store the plan (one item per site, in visiting order) with its audit and change rows."""
    detail = {"team": [{"officer_id": m.officer_id, "department": m.department, "covers": list(m.covers)}
                       for m in plan.team],
              "team_exact": plan.team_exact, "team_bound": plan.team_bound, "route_eta_s": plan.route_eta_s,
              "legs_eta_s": [s.leg_eta_s for s in plan.stops], "separate_visits": plan.separate_visits,
              "visits_avoided": plan.visits_avoided, "left_out": [list(x) for x in plan.left_out]}
    with engine.begin() as conn:
        deps = {r.code: r.id for r in conn.execute(select(department.c.code, department.c.id))}
        plan_id = int(conn.execute(inspection_plan.insert().values(  # type: ignore[index]
            name=name or f"综合查一次 {now.date().isoformat()} ({len(plan.stops)} sites)", kind="joint",
            created_at=now, created_by=actor, seed=None, status="planned", detail=detail)).inserted_primary_key[0])
        lead = plan.team[0].officer_id if plan.team else None
        conn.execute(inspection_item.insert(), [
            {"plan_id": plan_id, "site_id": s.site_id, "officer_id": lead,
             "department_ids": [deps[d] for d in s.departments if d in deps],
             "check_items": [it.code for it in s.items], "sequence": k, "status": "planned"}
            for k, s in enumerate(plan.stops)])
        record_change(conn, "inspection_plan", plan_id, "insert")
        append_audit(conn, actor, "inspection.plan", "inspection_plan", plan_id,
                     {"sites": [s.site_id for s in plan.stops], "team": [m.officer_id for m in plan.team],
                      "visits_avoided": plan.visits_avoided}, at=now)
    return plan_id


def plan_csv(plan: JointPlan) -> str:
    """The plan as a CSV: one row per stop and check item, in visiting order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(("stop", "site_id", "site_name", "category", "leg_eta_s", "item", "item_text", "department",
                "officer_id", "badge"))
    who: dict[str, TeamMember] = {}
    for member in plan.team:
        for code in member.covers:
            who.setdefault(code, member)
    for k, s in enumerate(plan.stops, 1):
        for it in s.items:
            by = who.get(it.code)
            w.writerow((k, s.site_id, s.name, s.category, "" if s.leg_eta_s is None else f"{s.leg_eta_s:.0f}",
                        it.code, it.text, it.department, by.officer_id if by else "", by.badge if by else ""))
    return buf.getvalue()
