"""Write a checked city into the store in ONE transaction: a failed or killed import
leaves the previous city exactly as it was.

Re-imports keep history: areas and departments are matched by code, officers by
badge, sites by external id; new rows are added, changed ones updated, missing
officers and sites retired (never deleted: their tasks, fixes, inspections and
audit rows refer to them). A different road layer becomes a new road_network
row and `city.road_network` points at it, so every seat loads it on its next refresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import shapely
from sqlalchemy import Connection, Table, bindparam, delete, select, update

from ...store import schema
from ...store.audit import append_audit
from ...store.changes import record_change
from ...store.repos import CITY_CRS_KEY, ROAD_NETWORK_KEY, ROAD_SHA_KEY, get_meta, is_empty, set_meta
from ..city_categories import SITE_CATEGORIES_KEY, categories_json
from ..devices import revoke_devices_of
from ..incident_codes import CODE_PREFIX_KEY
from .model import AreaRecord, Changes, CityData, ImportReport, Progress

#: city_meta key that marks a city as imported (a demo city is replaced only with --replace)
SOURCE_KEY = "city.source"
_CHUNK = 5000


class CityReplaceError(RuntimeError):
    """The store holds a city that was not imported (the demo); replacing it needs --replace."""


def _wkb(geom: Any) -> bytes:
    return bytes(shapely.to_wkb(geom, output_dimension=2))


def _update_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE table SET ... WHERE id = :_id for each row (executemany, in chunks)."""
    if not rows:
        return
    cols = [k for k in rows[0] if k != "_id"]
    stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
    for start in range(0, len(rows), _CHUNK):
        conn.execute(stmt, rows[start:start + _CHUNK])


def _insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        conn.execute(table.insert(), rows[start:start + _CHUNK])


def _referenced(conn: Connection, refs: list[tuple[Table, str]]) -> set[int]:
    ids: set[int] = set()
    for table, col in refs:
        ids |= {r[0] for r in conn.execute(select(table.c[col]).where(table.c[col].is_not(None)).distinct())}
    return ids


def _areas(conn: Connection, table: Table, parent_col: str | None, areas: list[AreaRecord],
           parent_ids: dict[str, int], refs: list[tuple[Table, str]]) -> tuple[dict[str, int], Changes]:
    """Upsert one level by code; a missing area is deleted unless something still refers to it."""
    ch = Changes()
    cols = [table.c.id, table.c.code, table.c.name, table.c.geometry_wkb]
    if parent_col:
        cols.append(table.c[parent_col])
    existing = {r.code: r for r in conn.execute(select(*cols))}
    new_rows, changed = [], []
    for a in areas:
        values: dict[str, Any] = {"name": a.name, "geometry_wkb": _wkb(a.geom_ll)}
        if parent_col:
            values[parent_col] = parent_ids[a.parent or ""]
        old = existing.get(a.code)
        if old is None:
            new_rows.append({"code": a.code, **values})
        elif (old.name, bytes(old.geometry_wkb), *([old[4]] if parent_col else [])) != (
                values["name"], values["geometry_wkb"], *([values[parent_col]] if parent_col else [])):
            changed.append({"_id": old.id, **values})
        else:
            ch.unchanged += 1
    _update_many(conn, table, changed)
    _insert_many(conn, table, new_rows)
    ch.added, ch.updated = len(new_rows), len(changed)
    gone = {code: r.id for code, r in existing.items() if code not in {a.code for a in areas}}
    if gone:
        used = _referenced(conn, refs)
        drop = [i for i in gone.values() if i not in used]
        if drop:
            conn.execute(delete(table).where(table.c.id.in_(drop)))
        ch.retired, ch.kept = len(drop), len(gone) - len(drop)
    if new_rows or changed or gone:
        record_change(conn, table.name, 0, "bulk")
    return {r.code: r.id for r in conn.execute(select(table.c.id, table.c.code))}, ch


def _departments(conn: Connection, city: CityData) -> tuple[dict[str, int], Changes]:
    d = schema.department
    existing = {r.code: r for r in conn.execute(select(d.c.id, d.c.code, d.c.name))}
    ch = Changes()
    new_rows = [{"code": x.code, "name": x.name} for x in city.departments if x.code not in existing]
    changed = [{"_id": existing[x.code].id, "name": x.name} for x in city.departments
               if x.code in existing and existing[x.code].name != x.name]
    _update_many(conn, d, changed)
    _insert_many(conn, d, new_rows)
    ch.added, ch.updated = len(new_rows), len(changed)
    ch.unchanged = len(city.departments) - ch.added - ch.updated
    ch.kept = len(set(existing) - {x.code for x in city.departments})   # officers may still belong to them
    if new_rows or changed:
        record_change(conn, "department", 0, "bulk")
    return {r.code: r.id for r in conn.execute(select(d.c.id, d.c.code))}, ch


_RETIRABLE_STATUS = ("available", "off_duty")


def _officers(conn: Connection, city: CityData, dept_ids: dict[str, int], town_ids: dict[str, int],
              now: datetime, actor: str, report: ImportReport) -> Changes:
    o = schema.officer
    assert city.officers is not None
    existing = {r.badge: r for r in conn.execute(select(
        o.c.id, o.c.badge, o.c.name, o.c.department_id, o.c.home_town_id, o.c.mode, o.c.skills, o.c.device_id,
        o.c.on_duty, o.c.status, o.c.version, o.c.retired_at))}
    ch = Changes()
    wanted = {x.badge for x in city.officers}
    keep = city.rejected_keys.get("officers", set())
    # retire first and free their devices: a new officer may carry a retired one's phone
    retire = [r for b, r in existing.items() if b not in wanted and b not in keep and r.retired_at is None]
    _update_many(conn, o, [{"_id": r.id, "retired_at": now, "on_duty": False, "device_id": None,
                            "version": r.version + 1,
                            "status": "off_duty" if r.status in _RETIRABLE_STATUS else r.status} for r in retire])
    ch.retired = len(retire)
    revoked = revoke_devices_of(conn, [int(r.id) for r in retire], actor, now, "officer retired by city import")
    if revoked:
        report.changes["devices"] = Changes(retired=revoked)
    new_rows, changed = [], []
    for x in city.officers:
        values = {"name": x.name, "department_id": dept_ids[x.department], "home_town_id": town_ids[x.home_town],
                  "mode": x.mode, "skills": list(x.skills), "device_id": x.device_id, "on_duty": x.on_duty}
        old = existing.get(x.badge)
        if old is None:
            new_rows.append({"badge": x.badge, **values, "status": "available" if x.on_duty else "off_duty",
                             "version": 1})
            continue
        same = all(getattr(old, k) == v for k, v in values.items()) and old.retired_at is None
        if same:
            ch.unchanged += 1
            continue
        status = old.status
        if status in _RETIRABLE_STATUS:
            status = "available" if x.on_duty else "off_duty"
        changed.append({"_id": old.id, **values, "status": status, "retired_at": None, "version": old.version + 1})
    # devices move between officers: clear the changed ones first so the UNIQUE index never sees two
    device_of = {r.id: r.device_id for r in existing.values()}
    moved = [{"_id": c["_id"], "device_id": None} for c in changed if c["device_id"] != device_of[c["_id"]]]
    _update_many(conn, o, moved)
    _update_many(conn, o, changed)
    _insert_many(conn, o, new_rows)
    ch.added, ch.updated = len(new_rows), len(changed)
    if new_rows or changed or retire:
        record_change(conn, "officer", 0, "bulk")
    return ch


def _sites(conn: Connection, city: CityData, grid_ids: dict[str, int], now: datetime) -> Changes:
    s = schema.site
    assert city.sites is not None
    existing = {r.external_id: r for r in conn.execute(select(
        s.c.id, s.c.external_id, s.c.name, s.c.category, s.c.domain, s.c.address, s.c.risk_level, s.c.grid_id,
        s.c.lon, s.c.lat, s.c.retired_at).where(s.c.external_id.is_not(None)))}
    ch = Changes()
    wanted = {x.external_id for x in city.sites}
    keep = city.rejected_keys.get("sites", set())
    retire = [{"_id": r.id, "retired_at": now} for e, r in existing.items()
              if e not in wanted and e not in keep and r.retired_at is None]
    new_rows, changed = [], []
    for x in city.sites:
        values = {"name": x.name, "category": x.category, "domain": x.domain, "address": x.address,
                  "risk_level": x.risk_level, "grid_id": grid_ids[x.grid], "lon": x.lon, "lat": x.lat}
        old = existing.get(x.external_id)
        if old is None:
            new_rows.append({"external_id": x.external_id, **values})
        elif old.retired_at is not None or any(getattr(old, k) != v for k, v in values.items()):
            changed.append({"_id": old.id, **values, "retired_at": None})
        else:
            ch.unchanged += 1
    _update_many(conn, s, retire)
    _update_many(conn, s, changed)
    _insert_many(conn, s, new_rows)
    ch.added, ch.updated, ch.retired = len(new_rows), len(changed), len(retire)
    if new_rows or changed or retire:
        record_change(conn, "site", 0, "bulk")
    return ch


def _roads(conn: Connection, city: CityData, now: datetime, report: ImportReport) -> None:
    if city.road_graph is None:
        return
    rn = schema.road_network
    payload = city.road_graph.to_bytes()
    sha = hashlib.sha256(payload).hexdigest()
    current = get_meta(conn, ROAD_NETWORK_KEY)
    same = conn.execute(select(rn.c.name).where(rn.c.sha256 == sha).limit(1)).scalar()
    if same is None:
        name = f"import-{now:%Y%m%dT%H%M%S}-{sha[:8]}"
        conn.execute(rn.insert().values(name=name, source=city.road_source[:256], crs=city.road_graph.crs,
                                        sha256=sha, created_at=now, payload=payload))
        record_change(conn, "road_network", 0, "bulk")
    else:
        name = same
    report.road_network, report.road_network_new = name, name != current
    if name != current:
        set_meta(conn, ROAD_NETWORK_KEY, name)
        set_meta(conn, ROAD_SHA_KEY, sha)


def write_city(conn: Connection, city: CityData, report: ImportReport, *, replace: bool,
               progress: Progress, actor: str, now: datetime | None = None,
               clear: Callable[[Connection], None] | None = None, source: str = "import") -> None:
    """Everything in the caller's transaction (the caller commits, or rolls back on any error).

    `source` "import" merges into an imported city (re-import); any other source (the
    synthetic demo) always starts from an empty store."""
    now = now or datetime.now(UTC)
    if not is_empty(conn) and (source != "import" or get_meta(conn, SOURCE_KEY) != "import"):
        if not replace:
            raise CityReplaceError(f"the store already holds a city ({get_meta(conn, SOURCE_KEY) or 'the demo'}): "
                                   "use --replace to replace it (its incidents, tasks and positions go too)")
        assert clear is not None
        clear(conn)
    t, g = schema.town, schema.grid
    progress("writing districts, towns and grids", 0.55)
    district_ids, report.changes["districts"] = _areas(
        conn, schema.district, None, city.districts, {}, [(t, "district_id"), (schema.incident, "district_id")])
    town_ids, report.changes["towns"] = _areas(
        conn, t, "district_id", city.towns, district_ids,
        [(g, "town_id"), (schema.officer, "home_town_id"), (schema.incident, "town_id")])
    grid_ids, report.changes["grids"] = _areas(
        conn, g, "town_id", city.grids, town_ids, [(schema.site, "grid_id"), (schema.incident, "grid_id")])
    dept_ids, report.changes["departments"] = _departments(conn, city)
    if city.officers is not None:
        progress("writing officers", 0.65)
        report.changes["officers"] = _officers(conn, city, dept_ids, town_ids, now, actor, report)
    if city.sites is not None:
        progress("writing sites", 0.75)
        report.changes["sites"] = _sites(conn, city, grid_ids, now)
    progress("writing the road network", 0.85)
    _roads(conn, city, now, report)
    if city.positions:
        _positions(conn, city, now)
    _catalogue_and_codes(conn, city)
    bbox = shapely.union_all([d.geom_ll for d in city.districts]).bounds
    for key, value in ((SOURCE_KEY, source), ("city.name", city.name), ("city.name_en", city.name),
                       (CITY_CRS_KEY, city.crs), ("city.bbox_wgs84", ",".join(f"{v:.6f}" for v in bbox)),
                       ("city.imported_at", now.isoformat())):
        set_meta(conn, key, value)
    progress("committing", 0.95)
    append_audit(conn, actor, "city_import", "city", 0,
                 {"city": city.name, "changes": {k: vars(v) for k, v in report.changes.items()},
                  "road_network": report.road_network, "crs": city.crs})


def _catalogue_and_codes(conn: Connection, city: CityData) -> None:
    """The city's own site categories (none: the built-in catalogue's again) and its incident-code prefix."""
    cats = categories_json(city.site_categories) if city.site_categories is not None else ""
    if cats != (get_meta(conn, SITE_CATEGORIES_KEY) or ""):
        set_meta(conn, SITE_CATEGORIES_KEY, cats)
    if city.code_prefix and city.code_prefix != get_meta(conn, CODE_PREFIX_KEY):
        set_meta(conn, CODE_PREFIX_KEY, city.code_prefix)


def _positions(conn: Connection, city: CityData, now: datetime) -> None:
    """Starting fixes (the synthetic demo's officers stand on its roads)."""
    o = schema.officer
    ids = {r.badge: r.id for r in conn.execute(select(o.c.id, o.c.badge))}
    conn.execute(delete(schema.officer_position))
    _insert_many(conn, schema.officer_position, [
        {"officer_id": ids[b], "lon": lon, "lat": lat, "heading_deg": None, "speed_mps": 0.0, "accuracy_m": 10.0,
         "fix_time": now, "received_at": now} for b, (lon, lat) in (city.positions or {}).items() if b in ids])
    record_change(conn, "officer_position", 0, "bulk")


def counts_json(report: ImportReport) -> str:
    return json.dumps({k: vars(v) for k, v in report.changes.items()})
