"""The store's operation as GeoDataFrames, one per analyst layer.

Every table is WGS84 (EPSG:4326) as stored; `to_crs` gives the city's metric CRS.
Times are ISO 8601 texts with the +08:00 offset (QGIS, pandas and spreadsheets all
read them, and the file formats do not disagree about time zones). Stage durations
come from `domain.sla.stage_durations`, the rule the KPI strip and the wall use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine, select

from ...domain.sla import StageTimes, stage_durations
from ...store import schema
from ...store.engine import READ_ONLY_OPTION
from ...store.repos import city_crs
from ..clock import from_epoch, to_epoch
from ..sla import incident_stages
from .window import TimeWindow, iso_beijing

WGS84 = "EPSG:4326"
LAYERS: tuple[str, ...] = ("incidents", "tasks", "tracks", "sites", "districts", "towns", "grids")


class ExportCancelled(Exception):
    """The analyst cancelled a long export; nothing half-written is left behind."""


def _read(engine: Engine):  # type: ignore[no-untyped-def]
    return engine.connect().execution_options(**{READ_ONLY_OPTION: True})


def _frame(rows: list[dict[str, Any]], geoms: Sequence[Any], columns: Sequence[str]) -> gpd.GeoDataFrame:
    import pandas as pd
    data = pd.DataFrame(rows, columns=list(columns))
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(list(geoms), crs=WGS84), crs=WGS84)


def _in_window(col: Any, window: TimeWindow) -> list[Any]:
    conds = []
    if window.start_s is not None:
        conds.append(col >= from_epoch(window.start_s))
    if window.end_s is not None:
        conds.append(col < from_epoch(window.end_s))
    return conds


def _names(engine: Engine, table: Any) -> dict[int, str]:
    with _read(engine) as conn:
        return {int(i): str(n) for i, n in conn.execute(select(table.c.id, table.c.name))}


INCIDENT_COLUMNS = ("id", "code", "category", "domain", "priority", "source", "status", "district", "town",
                    "grid", "reported_at", "sla_due_at", "dispatched_at", "acknowledged_at", "arrived_at",
                    "resolved_at", "to_dispatch_s", "to_contact_s", "to_arrival_s")


def incidents(engine: Engine, window: TimeWindow = TimeWindow()) -> gpd.GeoDataFrame:
    """Incidents reported in the window, with their incident-level stage times (domain.sla)."""
    i = schema.incident
    q = select(i.c.id, i.c.code, i.c.category, i.c.domain, i.c.priority, i.c.source, i.c.status, i.c.district_id,
               i.c.town_id, i.c.grid_id, i.c.reported_at, i.c.sla_due_at, i.c.lon, i.c.lat).order_by(i.c.id)
    for cond in _in_window(i.c.reported_at, window):
        q = q.where(cond)
    with _read(engine) as conn:
        rows = conn.execute(q).all()
    stages = incident_stages(engine, [r.id for r in rows]) if rows else {}
    district, town, grid = _names(engine, schema.district), _names(engine, schema.town), _names(engine, schema.grid)
    out = []
    for r in rows:
        st = stages[r.id][2]
        d = stage_durations(st)
        out.append({"id": r.id, "code": r.code, "category": r.category, "domain": r.domain, "priority": r.priority,
                    "source": r.source, "status": r.status, "district": district.get(r.district_id),
                    "town": town.get(r.town_id), "grid": grid.get(r.grid_id),
                    "reported_at": iso_beijing(st.reported_s), "sla_due_at": iso_beijing(to_epoch(r.sla_due_at)),
                    "dispatched_at": iso_beijing(st.dispatched_s), "acknowledged_at": iso_beijing(st.acknowledged_s),
                    "arrived_at": iso_beijing(st.arrived_s), "resolved_at": iso_beijing(st.resolved_s),
                    "to_dispatch_s": d.to_dispatch_s, "to_contact_s": d.to_contact_s, "to_arrival_s": d.to_arrival_s})
    return _frame(out, shapely.points([(r.lon, r.lat) for r in rows]) if rows else [], INCIDENT_COLUMNS)


TASK_COLUMNS = ("id", "incident_id", "incident_code", "officer_id", "badge", "department", "dispatched_by", "status",
                "predicted_eta_s", "reported_at", "dispatched_at", "acknowledged_at", "en_route_at", "arrived_at",
                "completed_at", "to_contact_s", "to_arrival_s", "on_scene_s")


def tasks(engine: Engine, window: TimeWindow = TimeWindow()) -> gpd.GeoDataFrame:
    """Tasks dispatched in the window with every stage timestamp, at their incident's location."""
    t, i, o = schema.task, schema.incident, schema.officer
    q = (select(t.c.id, t.c.incident_id, i.c.code, t.c.officer_id, o.c.badge, o.c.department_id, t.c.dispatched_by,
                t.c.status, t.c.predicted_eta_s, i.c.reported_at, t.c.dispatched_at, t.c.acknowledged_at,
                t.c.en_route_at, t.c.arrived_at, t.c.completed_at, i.c.lon, i.c.lat)
         .join(i, i.c.id == t.c.incident_id).join(o, o.c.id == t.c.officer_id).order_by(t.c.id))
    for cond in _in_window(t.c.dispatched_at, window):
        q = q.where(cond)
    with _read(engine) as conn:
        rows = conn.execute(q).all()
    dept = _names(engine, schema.department)
    out = []
    for r in rows:
        ep = {k: to_epoch(getattr(r, k)) for k in ("reported_at", "dispatched_at", "acknowledged_at", "en_route_at",
                                                   "arrived_at", "completed_at")}
        done = ep["completed_at"] if r.status == "completed" else None
        d = stage_durations(StageTimes(ep["reported_at"] or 0.0, ep["dispatched_at"], ep["acknowledged_at"],
                                       ep["arrived_at"], done))
        out.append({"id": r.id, "incident_id": r.incident_id, "incident_code": r.code, "officer_id": r.officer_id,
                    "badge": r.badge, "department": dept.get(r.department_id), "dispatched_by": r.dispatched_by,
                    "status": r.status, "predicted_eta_s": float(r.predicted_eta_s),
                    **{k: iso_beijing(v) for k, v in ep.items()},
                    "to_contact_s": d.to_contact_s, "to_arrival_s": d.to_arrival_s, "on_scene_s": d.on_scene_s})
    return _frame(out, shapely.points([(r.lon, r.lat) for r in rows]) if rows else [], TASK_COLUMNS)


TRACK_COLUMNS = ("officer_id", "badge", "department", "start_at", "end_at", "fixes")


def tracks(engine: Engine, window: TimeWindow = TimeWindow()) -> gpd.GeoDataFrame:
    """One line per officer through their accepted fixes in the window (officers with ≥ 2 fixes)."""
    f, o = schema.position_fix, schema.officer
    q = (select(f.c.officer_id, f.c.fix_time, f.c.lon, f.c.lat).where(f.c.verdict == "good")
         .order_by(f.c.officer_id, f.c.fix_time))
    for cond in _in_window(f.c.fix_time, window):
        q = q.where(cond)
    with _read(engine) as conn:
        rows = conn.execute(q).all()
        officers = {int(r.id): r for r in conn.execute(select(o.c.id, o.c.badge, o.c.department_id))}
    dept = _names(engine, schema.department)
    out, geoms = [], []
    if rows:
        ids = np.array([r.officer_id for r in rows], np.int64)
        xy = np.array([(r.lon, r.lat) for r in rows], np.float64)
        cuts = np.flatnonzero(np.diff(ids)) + 1
        for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(ids)]])):
            if b - a < 2:
                continue
            oid = int(ids[a])
            who = officers.get(oid)
            out.append({"officer_id": oid, "badge": who.badge if who else None,
                        "department": dept.get(who.department_id) if who else None,
                        "start_at": iso_beijing(to_epoch(rows[a].fix_time)),
                        "end_at": iso_beijing(to_epoch(rows[b - 1].fix_time)), "fixes": int(b - a)})
            geoms.append(shapely.linestrings(xy[a:b]))
    return _frame(out, geoms, TRACK_COLUMNS)


SITE_COLUMNS = ("id", "name", "category", "domain", "address", "risk_level", "grid", "last_inspected")


def sites(engine: Engine, window: TimeWindow = TimeWindow()) -> gpd.GeoDataFrame:
    s = schema.site
    with _read(engine) as conn:
        rows = conn.execute(select(s.c.id, s.c.name, s.c.category, s.c.domain, s.c.address, s.c.risk_level,
                                   s.c.grid_id, s.c.last_inspected, s.c.lon, s.c.lat).order_by(s.c.id)).all()
    grid = _names(engine, schema.grid)
    out = [{"id": r.id, "name": r.name, "category": r.category, "domain": r.domain, "address": r.address,
            "risk_level": int(r.risk_level), "grid": grid.get(r.grid_id),
            "last_inspected": iso_beijing(to_epoch(r.last_inspected))} for r in rows]
    return _frame(out, shapely.points([(r.lon, r.lat) for r in rows]) if rows else [], SITE_COLUMNS)


def _areas(engine: Engine, table: Any, parent: Any | None) -> gpd.GeoDataFrame:
    cols = [table.c.id, table.c.code, table.c.name, table.c.geometry_wkb]
    parent_col = None
    if parent is not None:
        parent_col = next(c for c in table.c if c.foreign_keys and next(iter(c.foreign_keys)).column.table is parent)
        cols.append(parent_col)
    with _read(engine) as conn:
        rows = conn.execute(select(*cols).order_by(table.c.id)).all()
        codes = {int(i): c for i, c in conn.execute(select(parent.c.id, parent.c.code))} if parent is not None else {}
    out = [{"id": r.id, "code": r.code, "name": r.name,
            "parent_code": codes.get(r[4]) if parent is not None else None} for r in rows]
    geoms = [shapely.from_wkb(bytes(r.geometry_wkb)) for r in rows]
    return _frame(out, geoms, ("id", "code", "name", "parent_code"))


def districts(engine: Engine, window: TimeWindow = TimeWindow()) -> gpd.GeoDataFrame:
    return _areas(engine, schema.district, None)


def towns(engine: Engine, window: TimeWindow = TimeWindow()) -> gpd.GeoDataFrame:
    return _areas(engine, schema.town, schema.district)


def grids(engine: Engine, window: TimeWindow = TimeWindow()) -> gpd.GeoDataFrame:
    return _areas(engine, schema.grid, schema.town)


READERS: dict[str, Callable[[Engine, TimeWindow], gpd.GeoDataFrame]] = {
    "incidents": incidents, "tasks": tasks, "tracks": tracks, "sites": sites,
    "districts": districts, "towns": towns, "grids": grids,
}


def projected_crs(engine: Engine) -> str:
    """The city's metric CRS as recorded with the city."""
    with _read(engine) as conn:
        crs = city_crs(conn)
    if not crs:
        raise ValueError("the store records no city CRS: run `commandmap demo` (or import a city) first")
    return crs


def read_layers(engine: Engine, names: Sequence[str], window: TimeWindow = TimeWindow(), *, crs: str = WGS84,
                progress: Callable[[str, float], None] | None = None,
                cancelled: Callable[[], bool] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The named layers (see LAYERS) in `crs`; `progress(layer, fraction)` after each, and
    ExportCancelled as soon as `cancelled()` says so between layers."""
    unknown = [n for n in names if n not in READERS]
    if unknown:
        raise ValueError(f"unknown layer {unknown[0]!r}; layers are: {', '.join(LAYERS)}")
    out: dict[str, gpd.GeoDataFrame] = {}
    for k, name in enumerate(names):
        if cancelled is not None and cancelled():
            raise ExportCancelled(f"cancelled before {name}")
        frame = READERS[name](engine, window)
        out[name] = frame if crs == WGS84 else frame.to_crs(crs)
        if progress is not None:
            progress(name, (k + 1) / len(names))
    return out
