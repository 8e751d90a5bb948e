"""Load the static city (areas, roads, sites) from the store for the map, and the road graph
for routing, with the graph cached on local disk by its sha256.

Every seat reads the same `road_network` row, so every seat routes on identical
roads; the disk cache only saves unpacking a large blob again on the next start.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import shapely
from sqlalchemy import Engine, select

from routing import RoadGraph
from routing.cache import load_or_build, save_cached
from routing.projection import to_lonlat, to_xy

from ..domain.snapshot import CityStatic, PolygonSet, RoadSet, SiteSet
from ..paths import cache_dir
from ..store import schema
from ..store.repos import CITY_CRS_KEY
from .city_categories import city_catalogue


class CityDataError(RuntimeError):
    """The store has no city (or a damaged one); the message says what to run."""


def _cache_path(sha: str) -> Path:
    from routing.graph import COMPILED_VERSION  # cached files carry routing's compiled structures
    return cache_dir() / f"roadgraph-{sha}-c{COMPILED_VERSION}.npz"


def cache_road_graph(graph: RoadGraph, sha: str) -> Path:
    """Keep a local copy of the store's road graph, named by the sha256 of its stored bytes."""
    path = _cache_path(sha)
    if not path.exists():
        save_cached(path, graph)
    return path


def _meta(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {k: v for k, v in conn.execute(select(schema.city_meta.c.key, schema.city_meta.c.value))}


def load_road_graph(engine: Engine, name: str | None = None) -> RoadGraph:
    """The city's road graph: from the disk cache when its sha256 matches the store, else
    from the store (checked against its sha256, then cached)."""
    rn = schema.road_network
    with engine.connect() as conn:
        if name is None:
            name = conn.execute(select(schema.city_meta.c.value)
                                .where(schema.city_meta.c.key == "city.road_network")).scalar()
        query = select(rn.c.id, rn.c.name, rn.c.sha256)
        query = query.where(rn.c.name == name) if name else query.order_by(rn.c.id.desc())
        row = conn.execute(query.limit(1)).first()
    where = engine.url.render_as_string(hide_password=True)
    if row is None:
        raise CityDataError(f"store {where} has no road network{f' named {name!r}' if name else ''}: "
                            "run `commandmap demo` (or import roads) first")

    def from_store() -> RoadGraph:
        with engine.connect() as conn:
            payload = bytes(conn.execute(select(rn.c.payload).where(rn.c.id == row.id)).scalar_one())
        if hashlib.sha256(payload).hexdigest() != row.sha256:
            raise CityDataError(f"store {where}: road network {row.name!r} does not match its sha256 (damaged); "
                                "rebuild it with `commandmap demo --force`")
        return RoadGraph.from_bytes(payload, origin=f"road network {row.name!r} in {where}")

    # a damaged or unreadable cache is rebuilt from the store; a read-only one only costs speed
    graph, _from_cache = load_or_build(_cache_path(row.sha256), from_store)
    return graph


# -- polygons ----------------------------------------------------------------------

def polygon_set(ids: np.ndarray, names: tuple[str, ...], geoms_ll: np.ndarray, parent_ids: np.ndarray,
                crs: str) -> PolygonSet:
    """Flatten lon/lat (Multi)Polygons into projected ring arrays with a label point each."""
    parts, part_of = shapely.get_parts(geoms_ll, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords_ll, ring_of = shapely.get_coordinates(rings, return_index=True)
    coords = to_xy(crs, coords_ll) if len(coords_ll) else np.zeros((0, 2))
    counts = np.bincount(ring_of, minlength=len(rings))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    poly_ring = part_of[ring_part].astype(np.int64)
    # label on the biggest part of each area (象山's islands should not pull it into the sea)
    label_ll = np.zeros((len(geoms_ll), 2))
    if len(parts):
        area = shapely.area(parts)
        order = np.lexsort((-area, part_of))
        first = order[np.concatenate([[True], part_of[order][1:] != part_of[order][:-1]])]
        label_ll[part_of[first]] = shapely.get_coordinates(shapely.point_on_surface(parts[first]))
    label = to_xy(crs, label_ll) if len(label_ll) else np.zeros((0, 2))
    return PolygonSet(ids=np.asarray(ids, dtype=np.int64), names=tuple(names), coords=coords,
                      ring_offsets=offsets, poly_ring=poly_ring, label_xy=label,
                      parent_ids=np.asarray(parent_ids, dtype=np.int64))


def _areas(engine: Engine, table, parent_col: str | None, crs: str) -> PolygonSet:  # type: ignore[no-untyped-def]
    cols = [table.c.id, table.c.name, table.c.geometry_wkb]
    if parent_col:
        cols.append(table.c[parent_col])
    with engine.connect() as conn:
        rows = conn.execute(select(*cols).order_by(table.c.id)).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows]) if rows else np.array([], dtype=object)
    parents = np.array([r[3] for r in rows], dtype=np.int64) if parent_col else np.full(len(rows), -1, np.int64)
    return polygon_set(ids, tuple(r[1] for r in rows), geoms, parents, crs)


# -- roads and sites ---------------------------------------------------------------

def road_set(graph: RoadGraph) -> RoadSet:
    """One drawn polyline per street segment: the two directions of a two-way street are one line.
    Minor roads come first so that drawing in order puts major roads on top."""
    e = np.arange(graph.n_edges)
    keep = np.flatnonzero((graph.edge_twin < 0) | (e < graph.edge_twin))
    keep = keep[np.argsort(-graph.edge_class[keep].astype(np.int64), kind="stable")]
    off = graph.edge_geom_offsets
    counts = off[keep + 1] - off[keep]
    new_off = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    src = np.repeat(off[keep], counts) + (np.arange(new_off[-1]) - np.repeat(new_off[:-1], counts))
    names = tuple(graph.names[i] for i in graph.edge_name_id[keep].tolist())
    return RoadSet(coords=graph.edge_geom_xy[src], offsets=new_off, road_class=graph.edge_class[keep].astype(np.int8),
                   names=names)


def site_set(engine: Engine, crs: str) -> SiteSet:
    # plain driver SQL: 50,000 rows through SQLAlchemy's result processing cost twice the fetch
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, category, risk_level, lon, lat FROM site "
                                  "WHERE retired_at IS NULL ORDER BY id").fetchall()
    ids, names, cats, risk, lon, lat = (list(col) for col in zip(*rows)) if rows else ([], [], [], [], [], [])
    categories = [c.name for c in city_catalogue(engine).site_categories]
    for extra in sorted(set(cats) - set(categories)):
        categories.append(extra)  # a category the catalogue does not know yet still gets drawn
    index = {c: i for i, c in enumerate(categories)}
    lonlat = np.column_stack([np.array(lon, dtype=float), np.array(lat, dtype=float)])
    return SiteSet(ids=np.array(ids, dtype=np.int64),
                   xy=to_xy(crs, lonlat) if rows else np.zeros((0, 2)),
                   category=np.array([index[c] for c in cats], dtype=np.int16),
                   categories=tuple(categories), names=tuple(names),
                   risk_level=np.array(risk, dtype=np.int8))


def _water(meta: dict[str, str], crs: str) -> PolygonSet | None:
    raw = meta.get("city.water_geojson")
    if not raw:
        return None
    try:
        geom = shapely.from_geojson(raw)
    except Exception:  # shapely raises GEOSException for bad GeoJSON
        return None
    parts = np.array([g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"], dtype=object)
    return polygon_set(np.arange(1, len(parts) + 1), tuple("" for _ in parts), parts, np.full(len(parts), -1), crs)


def load_city_static(engine: Engine, graph: RoadGraph | None = None) -> CityStatic:
    """Everything static the map draws, projected to the city's metric CRS (`graph`: the
    store's road graph when the caller already loaded it: one copy serves every use)."""
    meta = _meta(engine)
    graph = graph if graph is not None else load_road_graph(engine)
    crs = meta.get(CITY_CRS_KEY) or graph.crs   # a store from before city.crs: its roads' CRS
    districts = _areas(engine, schema.district, None, crs)
    if len(districts.ids) == 0:
        raise CityDataError(f"store {engine.url.render_as_string(hide_password=True)} has no districts: "
                            "run `commandmap demo` first")
    towns = _areas(engine, schema.town, "district_id", crs)
    grids = _areas(engine, schema.grid, "town_id", crs)
    roads = road_set(graph) if graph.crs == crs else reproject_roads(road_set(graph), graph.crs, crs)
    pts = districts.coords
    bounds = (float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max()))
    return CityStatic(crs=crs, bounds=bounds, districts=districts, towns=towns, grids=grids, roads=roads,
                      sites=site_set(engine, crs), water=_water(meta, crs))


def reproject_roads(roads: RoadSet, src: str, dst: str) -> RoadSet:
    return RoadSet(coords=to_xy(dst, to_lonlat(src, roads.coords)), offsets=roads.offsets,
                   road_class=roads.road_class, names=roads.names)


def city_names_en(engine: Engine) -> dict[str, str]:
    """English names of districts and towns by code (the UI's English labels)."""
    raw = _meta(engine).get("city.names_en")
    return json.loads(raw) if raw else {}
