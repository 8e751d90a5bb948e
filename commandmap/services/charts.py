"""The analyst's chart data from the store, filtered by date range and district, and as CSV.

Reads stage times with `services.sla.incident_stages` and computes with
`domain.analytics`; the dock (commandmap.ui.charts_dock) and `commandmap export`
draw and write what this returns.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, or_, select

from ..domain.analytics import Distribution, busy_share, compliance_by, compliance_by_hour, counts, distributions
from ..domain.kpi import ResponseKpis
from ..store import schema
from ..store.engine import READ_ONLY_OPTION
from .board import city_midnight
from .clock import from_epoch, to_epoch, wall_clock
from .exports.window import TimeWindow
from .sla import incident_stages


@dataclass(frozen=True)
class ChartData:
    window: TimeWindow
    district: str | None
    incidents: int
    distributions: dict[str, Distribution]
    by_district: dict[str, ResponseKpis]
    by_hour: dict[int, ResponseKpis]
    by_category_district: dict[str, dict[str, int]]
    utilisation_by_department: dict[str, float]


def chart_data(engine: Engine, window: TimeWindow = TimeWindow(), district: str | None = None, *,
               now_s: float | None = None) -> ChartData:
    """Everything the charts show for incidents reported in `window` (optionally one district by name)."""
    now = wall_clock() if now_s is None else now_s
    i, d = schema.incident, schema.district
    q = select(i.c.id, i.c.category, d.c.name.label("district")).outerjoin(d, d.c.id == i.c.district_id)
    if window.start_s is not None:
        q = q.where(i.c.reported_at >= from_epoch(window.start_s))
    if window.end_s is not None:
        q = q.where(i.c.reported_at < from_epoch(window.end_s))
    if district is not None:
        q = q.where(d.c.name == district)
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        rows = conn.execute(q.order_by(i.c.id)).all()
    stages_by_id = incident_stages(engine, [r.id for r in rows]) if rows else {}
    stages = [stages_by_id[r.id][2] for r in rows]
    names = [r.district or "—" for r in rows]
    start = window.start_s if window.start_s is not None else min((s.reported_s for s in stages), default=now)
    end = window.end_s if window.end_s is not None else now
    return ChartData(window, district, len(rows), distributions(stages),
                     {str(k): v for k, v in compliance_by(stages, names, now).items()},
                     compliance_by_hour(stages, now),
                     {str(k): {str(b): n for b, n in v.items()} for k, v in
                      counts([(r.category, n) for r, n in zip(rows, names)]).items()},
                     utilisation(engine, start, end, district))


def today_chart_data(engine: Engine, now_s: float) -> ChartData:
    """The figures of the city's calendar day up to `now_s` (the wall's tiles)."""
    return chart_data(engine, TimeWindow(city_midnight(now_s), None), now_s=now_s)


def utilisation(engine: Engine, start_s: float, end_s: float, district: str | None = None) -> dict[str, float]:
    """Share of on-duty officer time spent on tasks in [start, end), by department
    (`district`: officers whose home town is in it)."""
    o, t, dep, town, d = schema.officer, schema.task, schema.department, schema.town, schema.district
    q = select(o.c.id, dep.c.name).join(dep, dep.c.id == o.c.department_id).where(o.c.on_duty)
    if district is not None:
        q = q.join(town, town.c.id == o.c.home_town_id).join(d, d.c.id == town.c.district_id).where(d.c.name == district)
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        officers = conn.execute(q).all()
        tasks = conn.execute(select(t.c.officer_id, t.c.dispatched_at, t.c.completed_at)
                             .where(t.c.dispatched_at < from_epoch(end_s),       # tasks done before the window
                                    or_(t.c.completed_at.is_(None),               # add nothing: not read
                                        t.c.completed_at >= from_epoch(start_s)))).all()
    dept_of = {int(r.id): r.name for r in officers}
    per_dept: dict[str, list[tuple[float, float | None]]] = {}
    staff: dict[str, int] = {}
    for name in dept_of.values():
        staff[name] = staff.get(name, 0) + 1
    for r in tasks:
        name = dept_of.get(int(r.officer_id))
        if name is not None:
            per_dept.setdefault(name, []).append((to_epoch(r.dispatched_at) or 0.0, to_epoch(r.completed_at)))
    return {name: busy_share(per_dept.get(name, []), n, start_s, end_s) for name, n in sorted(staff.items())}


def write_csv(data: ChartData, out: str | Path) -> Path:
    """Every chart's figures in one long CSV (chart, key, measure, value): opens in any spreadsheet."""
    out = Path(out)
    with out.open("w", newline="", encoding="utf-8-sig") as f:     # BOM: Excel reads the Chinese names
        w = csv.writer(f)
        w.writerow(["chart", "key", "measure", "value"])
        for stage, dist in data.distributions.items():
            for measure, value in (("n", dist.n), ("p50_s", dist.p50_s), ("p90_s", dist.p90_s),
                                   ("target_s", dist.target_s), ("within_target", dist.within_target)):
                w.writerow(["stage", stage, measure, "" if value is None else value])
        for chart, table in (("sla_by_district", data.by_district), ("sla_by_hour", data.by_hour)):
            for key, k in table.items():
                w.writerow([chart, key, "dispatched", k.dispatched])
                w.writerow([chart, key, "contact_rate", "" if k.contact.rate is None else k.contact.rate])
                w.writerow([chart, key, "arrival_rate", "" if k.arrival.rate is None else k.arrival.rate])
        for category, by in data.by_category_district.items():
            for district, n in by.items():
                w.writerow(["incidents", f"{category}|{district}", "count", n])
        for dept, share in data.utilisation_by_department.items():
            w.writerow(["utilisation", dept, "busy_share", share])
    return out


def district_names(engine: Engine) -> list[str]:
    """The store's district names, for validating a district filter where it enters."""
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        return [str(n) for n in conn.execute(select(schema.district.c.name).order_by(schema.district.c.id)).scalars()]
