"""Write a generated demo city into the store in one transaction.

One transaction so a failure leaves the store as it was; explicit ids so every
seat (SQLite or PostgreSQL) gets the same city for the same seed; one 'bulk'
change row per table so open seats reload what changed.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import shapely
from sqlalchemy import Connection, Engine, delete, text

from ...store import schema
from ...store.audit import STORE_ID_KEY, append_audit
from ...store.changes import record_change
from ...store.migrate import ensure_schema, open_store
from ...store.repos import CITY_CRS_KEY, bulk_insert, is_empty
from .generate import Progress, generate_city
from .incidents import renumber
from .geography import Area
from .model import DemoCity

ROAD_NETWORK_NAME = "demo"
# children before parents, so deleting in this order never trips a foreign key
CITY_TABLES = ("recommendation_shown", "task", "whistle", "conflict_of_interest", "inspection_record", "inspection_item",
               "inspection_plan", "position_fix", "position_batch", "officer_position", "device",
               "incident", "officer", "site", "grid", "town", "district", "department", "road_network", "app_user",
               "city_meta")
_ID_TABLES = ("district", "town", "grid", "department", "officer", "site", "incident", "app_user",
              "inspection_record", "conflict_of_interest")


class StoreNotEmptyError(RuntimeError):
    """The store already holds a city; rebuilding it needs an explicit --force."""


def _wkb(area: Area) -> bytes:
    return shapely.to_wkb(area.geom_ll, output_dimension=2)


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _shifted(at: datetime | None, shift: timedelta) -> datetime | None:
    return at + shift if at is not None else None


def clear_city(conn: Connection) -> None:
    """Delete the city and everything that refers to it (the audit chain, its store id and the change feed
    stay: the chain's key and anchor are found by that id)."""
    for name in CITY_TABLES:
        table = schema.metadata.tables[name]
        if name == "city_meta":
            conn.execute(delete(table).where(table.c.key != STORE_ID_KEY))
        else:
            conn.execute(delete(table))
        record_change(conn, name, 0, "bulk")


def _reset_sequences(conn: Connection) -> None:
    """PostgreSQL keeps a sequence per id column that explicit ids do not advance."""
    if conn.dialect.name != "postgresql":
        return
    for name in _ID_TABLES:
        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                          f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"))


def _city_meta(city: DemoCity, sha: str) -> list[dict[str, str]]:
    names_en = {a.code: a.name_en for a in (*city.districts, *city.towns)}
    water = shapely.to_geojson(city.water_ll) if city.water_ll is not None else ""
    meta = {
        "city.name": "宁波市",
        "city.name_en": "Ningbo",
        CITY_CRS_KEY: city.crs,
        "city.bbox_wgs84": city.meta.get("bbox", ""),
        "city.names_en": json.dumps(names_en, ensure_ascii=False),
        "city.water_geojson": water,
        "city.road_network": ROAD_NETWORK_NAME,
        "city.road_sha256": sha,
        "demo.scale": city.scale,
        "demo.seed": str(city.seed),
        "demo.generated_at": city.generated_at.isoformat(),
        "demo.checksum": city.checksum(),
        "demo.counts": json.dumps(city.counts()),
    }
    return [{"key": k, "value": v} for k, v in meta.items()]


def load_demo_into_store(engine: Engine, city: DemoCity, *, replace: bool = False,
                         as_of: datetime | None = None) -> dict[str, int]:
    """Write `city` in one transaction and return the row counts written.

    Refuses a store that already has a city unless `replace` (then the old city,
    its incidents, tasks and positions are deleted first, in the same transaction).
    With `as_of`, every timestamp moves by `as_of - city.generated_at`, so fixes
    written a while after generating are still fresh.
    """
    ensure_schema(engine)
    shift = (as_of - city.generated_at) if as_of is not None else timedelta(0)
    payload = city.road_graph.to_bytes()
    sha = hashlib.sha256(payload).hexdigest()
    o, s = city.officers, city.sites
    fix_time = [t + shift for t in o.fix_time]
    incidents = renumber([{**inc, "reported_at": inc["reported_at"] + shift,
                           "sla_due_at": inc["sla_due_at"] + shift if inc["sla_due_at"] else None}
                          for inc in city.incidents])
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        if not is_empty(conn):
            if not replace:
                raise StoreNotEmptyError(f"store {engine.url.render_as_string(hide_password=True)} already holds a "
                                         "city; use --force to replace it")
            clear_city(conn)
        counts["districts"] = bulk_insert(conn, schema.district, [
            {"id": a.id, "code": a.code, "name": a.name, "population": a.population, "geometry_wkb": _wkb(a)}
            for a in city.districts])
        counts["towns"] = bulk_insert(conn, schema.town, [
            {"id": a.id, "district_id": a.parent_id, "code": a.code, "name": a.name, "geometry_wkb": _wkb(a)}
            for a in city.towns])
        counts["grids"] = bulk_insert(conn, schema.grid, [
            {"id": a.id, "town_id": a.parent_id, "code": a.code, "name": a.name, "geometry_wkb": _wkb(a)}
            for a in city.grids])
        counts["departments"] = bulk_insert(conn, schema.department, city.departments)
        counts["officers"] = bulk_insert(conn, schema.officer, [
            {"id": int(o.ids[i]), "badge": o.badge[i], "name": o.name[i], "department_id": int(o.department_id[i]),
             "home_town_id": int(o.home_town_id[i]), "mode": o.mode[i], "skills": o.skills[i],
             "on_duty": bool(o.on_duty[i]), "status": "available" if o.on_duty[i] else "off_duty",
             "device_id": o.device_id[i], "version": 1}
            for i in range(len(o))])
        bulk_insert(conn, schema.officer_position, [
            {"officer_id": int(o.ids[i]), "lon": float(o.lonlat[i, 0]), "lat": float(o.lonlat[i, 1]),
             "heading_deg": _num(float(o.heading_deg[i])), "speed_mps": float(o.speed_mps[i]),
             "accuracy_m": float(o.accuracy_m[i]), "fix_time": fix_time[i],
             "received_at": fix_time[i] + timedelta(seconds=1)}
            for i in range(len(o))])
        counts["sites"] = bulk_insert(conn, schema.site, [
            {"id": int(s.ids[i]), "name": s.name[i], "category": s.category[i], "domain": s.domain[i],
             "address": s.address[i], "risk_level": int(s.risk_level[i]), "grid_id": int(s.grid_id[i]),
             "lon": float(s.lonlat[i, 0]), "lat": float(s.lonlat[i, 1]),
             "last_inspected": _shifted(s.last_inspected[i], shift)}
            for i in range(len(s))])
        counts["incidents"] = bulk_insert(conn, schema.incident, incidents)
        counts["inspections"] = bulk_insert(conn, schema.inspection_record, [
            {**r, "inspected_at": r["inspected_at"] + shift} for r in city.inspections])
        bulk_insert(conn, schema.conflict_of_interest, city.conflicts)
        bulk_insert(conn, schema.app_user, city.users)
        conn.execute(schema.road_network.insert().values(
            name=ROAD_NETWORK_NAME, source=city.road_graph.source, crs=city.road_graph.crs, sha256=sha,
            created_at=city.generated_at, payload=payload))
        record_change(conn, "road_network", 0, "bulk")
        bulk_insert(conn, schema.city_meta, _city_meta(city, sha))
        _reset_sequences(conn)
        counts["road_nodes"] = city.road_graph.n_nodes
        counts["road_edges"] = city.road_graph.n_edges
        append_audit(conn, "commandmap demo", "demo_build", "city", 0,
                     {"scale": city.scale, "seed": city.seed, "replaced": replace, "counts": counts,
                      "road_sha256": sha})
    # a warm cache: the first seat to open the city does not unpack the graph again
    from ..city import cache_road_graph
    cache_road_graph(city.road_graph, sha)
    return counts


def store_has_city(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not is_empty(conn)


def build_demo(url_or_engine: str | Engine | None, scale: str = "mini", seed: int = 42,
               progress: Progress | None = None, *, force: bool = False,
               now: datetime | None = None) -> dict[str, int]:
    """Generate the demo city and write it into the store at `url_or_engine` (a URL,
    an engine, or None for the default store). Returns the counts written."""
    own = not isinstance(url_or_engine, Engine)
    if isinstance(url_or_engine, Engine):
        engine = url_or_engine
        ensure_schema(engine)
    else:
        engine = open_store(url_or_engine)
    try:
        if not force and store_has_city(engine):
            raise StoreNotEmptyError(f"store {engine.url.render_as_string(hide_password=True)} already holds a "
                                     "city; use --force to replace it")

        def gen_progress(stage: str, fraction: float) -> None:
            if progress and stage != "done":
                progress(stage, 0.8 * fraction)

        city = generate_city(scale, seed, gen_progress, now=now or datetime.now(UTC))
        if progress:
            progress("writing to the store", 0.8)
        t0 = time.perf_counter()
        counts = load_demo_into_store(engine, city, replace=force, as_of=datetime.now(UTC) if now is None else None)
        counts["write_s"] = round(time.perf_counter() - t0, 2)  # type: ignore[assignment]
        if progress:
            progress("done", 1.0)
        return counts
    finally:
        if own:
            engine.dispose()


def counts_line(counts: dict[str, Any]) -> str:
    keys = ("districts", "towns", "grids", "road_nodes", "road_edges", "departments", "officers", "sites",
            "incidents")
    return ", ".join(f"{k.replace('_', ' ')} {counts[k]:,}" for k in keys if k in counts)
