"""Double-random inspections (双随机): read the registry, draw, record, publish.

The draw itself is pure (domain.double_random). This module gathers its inputs from
the store in canonical order: the filtered sites (category, district, risk level),
the inspectors of the departments that may inspect them (the site category's
competent departments plus the integrated-enforcement team), the previous cycle's
inspections (the `cycle_days` before the draw's as-of date) and declared conflicts.
The publication list carries the seed, the as-of date and the registry version, so a
re-run with the same three gives a byte-identical list.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from ..domain.double_random import Draw, DrawError, DrawInputs, DrawSite, Inspector, draw
from ..store.audit import append_audit
from ..store.changes import record_change
from ..store.schema import (conflict_of_interest, department, district, grid, inspection_item, inspection_plan,
                            inspection_record, officer, site, town)
from .catalogue import Catalogue
from .city_categories import city_catalogue

LEAD_DEPARTMENT = "zhzf"    # 综合行政执法 may join any team
CYCLE_DAYS = 365
CSV_HEADER = ("seed", "as_of", "registry_version", "team", "site_id", "site_name", "category", "district",
              "officer_id", "badge", "officer_name", "department")


@dataclass(frozen=True)
class DrawFilter:
    category: str | None = None     # site category name (餐饮) or code (catering)
    district: str | None = None     # district name or code
    risk_levels: tuple[int, ...] = ()


@dataclass(frozen=True)
class DrawOutcome:
    draw: Draw
    as_of: datetime
    rows: list[tuple[str, ...]]     # the publication list, CSV_HEADER order
    plan_id: int | None

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_HEADER)
        w.writerows(self.rows)
        return buf.getvalue()


def _site_query(flt: DrawFilter, catalogue: Catalogue):  # type: ignore[no-untyped-def]
    q = (select(site.c.id, site.c.name, site.c.category, district.c.name.label("district"))
         .join(grid, grid.c.id == site.c.grid_id).join(town, town.c.id == grid.c.town_id)
         .join(district, district.c.id == town.c.district_id))
    if flt.category is not None:
        try:
            name = catalogue.site_category(flt.category).name
        except KeyError:
            known = ", ".join(c.name for c in catalogue.site_categories)
            raise DrawError(f"--category {flt.category!r} is not a site category (known: {known})") from None
        q = q.where(site.c.category == name)
    if flt.district is not None:
        q = q.where((district.c.name == flt.district) | (district.c.code == flt.district))
    if flt.risk_levels:
        bad = [r for r in flt.risk_levels if r not in (1, 2, 3, 4)]
        if bad:
            raise DrawError(f"--risk {bad[0]}: risk levels are 1..4")
        q = q.where(site.c.risk_level.in_(flt.risk_levels))
    return q


def load_inputs(engine: Engine, flt: DrawFilter, as_of: datetime, *, cycle_days: int = CYCLE_DAYS,
                catalogue: Catalogue | None = None) -> tuple[DrawInputs, dict[int, tuple[str, str, str]],
                                                             dict[int, tuple[str, str, str]]]:
    """(inputs, site id → (name, category, district), officer id → (badge, name, department))."""
    catalogue = catalogue or city_catalogue(engine)
    with engine.connect() as conn:
        if flt.district is not None and conn.execute(select(district.c.id).where(
                (district.c.name == flt.district) | (district.c.code == flt.district))).first() is None:
            raise DrawError(f"--district {flt.district!r}: no such district")
        srows = conn.execute(_site_query(flt, catalogue).order_by(site.c.id)).all()
        deps = {r.code: (r.id, r.name) for r in conn.execute(select(department.c.id, department.c.code,
                                                                     department.c.name))}
        dep_name = {i: n for i, n in deps.values()}
        orows = conn.execute(select(officer.c.id, officer.c.badge, officer.c.name, officer.c.department_id)
                             .order_by(officer.c.id)).all()
        site_ids = [int(r.id) for r in srows]
        prev_rows = conn.execute(select(inspection_record.c.site_id, inspection_record.c.officer_ids).where(
            inspection_record.c.inspected_at >= as_of - timedelta(days=cycle_days),
            inspection_record.c.inspected_at < as_of)).all()
        conf_rows = conn.execute(select(conflict_of_interest.c.officer_id, conflict_of_interest.c.site_id)).all()
    wanted = set(site_ids)
    sites: list[DrawSite] = []
    site_info: dict[int, tuple[str, str, str]] = {}
    for r in srows:
        try:
            codes = list(catalogue.site_category(r.category).departments)
        except KeyError:
            codes = []
        ids = frozenset(deps[c][0] for c in [*codes, LEAD_DEPARTMENT] if c in deps)
        sites.append(DrawSite(int(r.id), ids))
        site_info[int(r.id)] = (r.name, r.category, r.district)
    useful = frozenset().union(*(s.departments for s in sites)) if sites else frozenset()
    inspectors = [Inspector(int(r.id), int(r.department_id)) for r in orows if r.department_id in useful]
    officer_info = {int(r.id): (r.badge, r.name, dep_name.get(r.department_id, "")) for r in orows
                    if r.department_id in useful}
    previous = {(int(o), int(r.site_id)) for r in prev_rows if r.site_id in wanted for o in (r.officer_ids or [])}
    conflicts = {(int(r.officer_id), int(r.site_id)) for r in conf_rows if r.site_id in wanted}
    return DrawInputs.canonical(sites, inspectors, previous, conflicts), site_info, officer_info


def run_draw(engine: Engine, flt: DrawFilter, n_sites: int, team_size: int, seed: int, as_of: datetime, *,
             actor: str, record: bool = True, catalogue: Catalogue | None = None) -> DrawOutcome:
    """Draw, and (with `record`) store it as a plan with its items and an audit row.
    DrawError (nothing stored) when the filter is empty or the request cannot be met."""
    inputs, site_info, officer_info = load_inputs(engine, flt, as_of, catalogue=catalogue)
    result = draw(inputs, n_sites, team_size, seed)
    day = as_of.date().isoformat()
    rows: list[tuple[str, ...]] = []
    for t_no, team in enumerate(result.teams, 1):
        name, cat, dist = site_info[team.site_id]
        for ins in team.officers:
            badge, oname, dep = officer_info[ins.officer_id]
            rows.append((str(seed), day, result.registry_version, str(t_no), str(team.site_id), name, cat, dist,
                         str(ins.officer_id), badge, oname, dep))
    plan_id = None
    if record:
        now = datetime.now(as_of.tzinfo)
        detail = {"filter": {"category": flt.category, "district": flt.district, "risk_levels": list(flt.risk_levels)},
                  "as_of": day, "registry_version": result.registry_version, "sites": n_sites,
                  "team_size": team_size,
                  "teams": [{"site_id": t.site_id, "officer_ids": [i.officer_id for i in t.officers]}
                            for t in result.teams]}
        with engine.begin() as conn:
            plan_id = int(conn.execute(inspection_plan.insert().values(  # type: ignore[index]
                name=f"双随机 {day} seed {seed}", kind="random", created_at=now, created_by=actor, seed=seed,
                status="drawn", detail=detail)).inserted_primary_key[0])
            conn.execute(inspection_item.insert(), [
                {"plan_id": plan_id, "site_id": t.site_id, "officer_id": i.officer_id,
                 "department_ids": [i.department_id], "check_items": [], "sequence": k, "status": "planned"}
                for k, t in enumerate(result.teams) for i in t.officers])
            record_change(conn, "inspection_plan", plan_id, "insert")
            append_audit(conn, actor, "inspection.draw", "inspection_plan", plan_id,
                         {"seed": seed, "as_of": day, "registry_version": result.registry_version,
                          "sites": [t.site_id for t in result.teams]}, at=now)
    return DrawOutcome(result, as_of, rows, plan_id)
