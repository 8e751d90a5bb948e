"""A tiny, fully controlled city for the live-operations tests.

Two districts split at the centre meridian, two towns each, two grids per town
(real WKB boxes), the catalogue's departments, officers standing at known
places with fresh fixes, the city's metric CRS (the UTM zone of its centre:
Ningbo's by default, any other city with `center=`), and optionally the road
network of a small synthetic lattice around the same centre. Far faster than the demo city and every number
is known to the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import shapely
from sqlalchemy import Engine

from commandmap.services.clock import from_epoch
from commandmap.store import schema
from commandmap.store.changes import record_change
from commandmap.store.repos import CITY_CRS_KEY
from routing.projection import utm_crs_for

NOW_S = datetime(2026, 11, 25, 6, 0, tzinfo=UTC).timestamp()   # 14:00 in Ningbo
CENTER = (121.55, 29.87)
HALF_DEG = 0.02   # the city is 0.04° square (~3.9 km × 4.4 km)
DEPARTMENTS = (("zhzf", "综合行政执法"), ("scjg", "市场监管"), ("sthj", "生态环境"), ("gaxt", "公安"))


def _box(x0: float, y0: float, x1: float, y1: float) -> bytes:
    return shapely.to_wkb(shapely.box(x0, y0, x1, y1))


def _iso(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class OfficerSpec:
    id: int
    lon: float
    lat: float
    department: str = "zhzf"
    mode: str = "car"
    status: str = "available"
    on_duty: bool = True
    fix_age_s: float | None = 10.0   # None: no fix at all


def city_bounds(center: tuple[float, float] = CENTER) -> tuple[float, float, float, float]:
    cx, cy = center
    return (cx - HALF_DEG, cy - HALF_DEG, cx + HALF_DEG, cy + HALF_DEG)


def city_crs(center: tuple[float, float] = CENTER) -> str:
    return utm_crs_for(np.array([center]))


def build_city(engine: Engine, officers: list[OfficerSpec] | None = None, *, now_s: float = NOW_S,
               center: tuple[float, float] = CENTER) -> None:
    """Fill a migrated, empty store with the tiny city centred on `center` (lon, lat)."""
    x0, y0, x1, y1 = city_bounds(center)
    xm, ym = center
    districts, towns, grids = [], [], []
    for d, (dx0, dx1) in enumerate(((x0, xm), (xm, x1)), start=1):
        districts.append({"id": d, "code": f"33020{d}", "name": f"区{d}", "population": 100_000 * d,
                          "geometry_wkb": _box(dx0, y0, dx1, y1)})
        for t, (ty0, ty1) in enumerate(((y0, ym), (ym, y1)), start=1):
            tid = d * 10 + t
            towns.append({"id": tid, "district_id": d, "code": f"33020{d}{t:03d}", "name": f"街道{tid}",
                          "geometry_wkb": _box(dx0, ty0, dx1, ty1)})
            for g, (gx0, gx1) in enumerate(((dx0, (dx0 + dx1) / 2), ((dx0 + dx1) / 2, dx1)), start=1):
                gid = tid * 10 + g
                grids.append({"id": gid, "town_id": tid, "code": f"G{gid}", "name": f"网格{gid}",
                              "geometry_wkb": _box(gx0, ty0, gx1, ty1)})
    deps = [{"id": i, "code": c, "name": n} for i, (c, n) in enumerate(DEPARTMENTS, start=1)]
    dep_id = {c: i for i, (c, _) in enumerate(DEPARTMENTS, start=1)}
    with engine.begin() as conn:
        conn.execute(schema.city_meta.insert(), {"key": CITY_CRS_KEY, "value": city_crs(center)})
        conn.execute(schema.district.insert(), districts)
        conn.execute(schema.town.insert(), towns)
        conn.execute(schema.grid.insert(), grids)
        conn.execute(schema.department.insert(), deps)
        if officers:
            conn.execute(schema.officer.insert(), [
                {"id": o.id, "badge": f"NB{o.id:05d}", "name": f"执法员{o.id}", "department_id": dep_id[o.department],
                 "home_town_id": 11, "mode": o.mode, "skills": [], "on_duty": o.on_duty, "status": o.status,
                 "device_id": f"dev-{o.id}", "version": 1} for o in officers])
            fixes = [o for o in officers if o.fix_age_s is not None]
            if fixes:
                conn.execute(schema.officer_position.insert(), [
                    {"officer_id": o.id, "lon": o.lon, "lat": o.lat, "fix_time": _iso(now_s - o.fix_age_s),
                     "received_at": _iso(now_s - o.fix_age_s)} for o in fixes])


def lattice_graph(side: int = 30, seed: int = 1, center: tuple[float, float] = CENTER):  # type: ignore[no-untyped-def]
    """A small synthetic road network (100 m blocks) centred on the tiny city."""
    from routing.synthetic import synthetic_city

    graph, _report = synthetic_city(side=side, seed=seed, center_lonlat=center)
    return graph


def store_road_network(engine: Engine, graph, name: str = "lattice") -> None:  # type: ignore[no-untyped-def]
    """Record `graph` as the city's road network, as the demo loader does (the map loads it)."""
    import hashlib

    payload = graph.to_bytes()
    with engine.begin() as conn:
        conn.execute(schema.road_network.insert().values(
            name=name, source=graph.source, crs=graph.crs, sha256=hashlib.sha256(payload).hexdigest(),
            created_at=_iso(NOW_S), payload=payload))
        conn.execute(schema.city_meta.insert(), {"key": "city.road_network", "value": name})
        record_change(conn, "road_network", 0, "bulk")


def officers_on_nodes(graph, n: int, seed: int = 0, **kw) -> list[OfficerSpec]:  # type: ignore[no-untyped-def]
    """`n` officers standing on random road junctions."""
    rng = np.random.default_rng(seed)
    nodes = rng.choice(graph.n_nodes, size=n, replace=False)
    return [OfficerSpec(i + 1, float(graph.node_lonlat[k, 0]), float(graph.node_lonlat[k, 1]), **kw)
            for i, k in enumerate(nodes)]


def add_incident(conn, iid: int, status: str = "new", lon: float = CENTER[0], lat: float = CENTER[1]) -> None:
    conn.execute(schema.incident.insert().values(
        id=iid, code=f"NB-20261125-{iid:04d}", category="占道经营", domain="city_appearance", priority="P2",
        source="patrol", lon=lon, lat=lat, department_ids=[1], status=status, reported_at=from_epoch(NOW_S - 100)))
    record_change(conn, "incident", iid, "insert")
