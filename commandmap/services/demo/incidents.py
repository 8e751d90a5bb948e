"""A starting set of open incidents, so the map has work on it the moment it opens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np

from ...domain.enums import SOURCE_LABELS_ZH, IncidentSource, IncidentStatus, Priority
from ..catalogue import Catalogue
from ..incident_codes import city_day, format_code
from .geography import Area
from .model import SiteTable
from .sites import ZONE_SHARES, _street_weights
from .spatial import AreaLocator, Streets

SOURCE_WEIGHTS: dict[IncidentSource, float] = {
    IncidentSource.GRID_WHISTLE: 0.30, IncidentSource.HOTLINE_12345: 0.30, IncidentSource.PATROL: 0.20,
    IncidentSource.REMOTE_MONITOR: 0.10, IncidentSource.PUBLIC_REPORT: 0.10,
}
# time allowed to close an incident, by priority (the dispatch SLA of 1 min / 5 min is separate)
RESOLVE_WITHIN = {Priority.P1: timedelta(minutes=30), Priority.P2: timedelta(hours=2),
                  Priority.P3: timedelta(hours=24), Priority.P4: timedelta(hours=72)}
REPORTED_AGO_MIN = {Priority.P1: (0.5, 10.0), Priority.P2: (1.0, 25.0), Priority.P3: (2.0, 90.0),
                    Priority.P4: (5.0, 180.0)}


def incident_code(reported_at: datetime, seq: int) -> str:
    """NB-YYYYMMDD-NNNN with Ningbo's calendar day of the report (intake numbers on from here)."""
    return format_code(city_day(reported_at.timestamp()), seq)


def make_incidents(n: int, seed: int, now: datetime, catalogue: Catalogue, sites: SiteTable, streets: Streets,
                   street_zone: np.ndarray, grids: list[Area], towns: list[Area], districts: list[Area],
                   departments: list[dict], to_lonlat) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng([seed, 501])
    cats = catalogue.incident_categories
    w = np.array([c.weight for c in cats])
    dep_id = {d["code"]: d["id"] for d in departments}
    grid_slot = {g.id: i for i, g in enumerate(grids)}
    town_by_id = {t.id: t for t in towns}
    district_by_id = {d.id: d for d in districts}
    code_of_name = {c.name: c.code for c in catalogue.site_categories}
    site_cat_code = np.array([code_of_name[c] for c in sites.category])
    locator = AreaLocator(grids)
    street_p = _street_weights(streets, street_zone, ZONE_SHARES["urban"])
    sources = list(SOURCE_WEIGHTS)
    src_p = np.array(list(SOURCE_WEIGHTS.values()))
    ranks = [Priority.P1, Priority.P2, Priority.P3, Priority.P4]

    drafts: list[dict[str, Any]] = []
    for _ in range(n):
        cat = cats[int(rng.choice(len(cats), p=w / w.sum()))]
        site_id = None
        candidates: np.ndarray = (np.flatnonzero(np.isin(site_cat_code, cat.site_categories)) if cat.site_related
                                  else np.empty(0, np.int64))
        if len(candidates):
            s = int(candidates[int(rng.integers(len(candidates)))])
            site_id = int(sites.ids[s])
            lon, lat = (float(v) for v in sites.lonlat[s])
            gid = int(sites.grid_id[s])
            place = sites.address[s]
        else:
            while True:
                idx = rng.choice(len(streets), size=1, p=street_p)
                ll = to_lonlat(streets.point_at(idx, rng.uniform(0.1, 0.9, 1), rng.uniform(-8, 8, 1)))
                g = int(locator.locate(ll)[0])
                if g >= 0:
                    break
            lon, lat = (float(v) for v in ll[0])
            gid = grids[g].id
            place = streets.name[int(idx[0])]
        grid = grids[grid_slot[gid]]
        town = town_by_id[grid.parent_id]
        district = district_by_id[town.parent_id]
        r = ranks.index(cat.priority)
        x = rng.random()
        r = max(0, r - 1) if x < 0.1 else min(3, r + 1) if x > 0.8 else r   # most keep the default
        priority = ranks[r]
        source = sources[int(rng.choice(len(sources), p=src_p))]
        lo, hi = REPORTED_AGO_MIN[priority]
        reported_at = now - timedelta(minutes=float(rng.uniform(lo, hi)))
        where = place if site_id is not None else f"{district.name}{town.name}{place}"
        drafts.append({
            "category": cat.name, "domain": cat.domain, "priority": priority.value, "source": source.value,
            "description": f"{SOURCE_LABELS_ZH[source]}：{where}附近{cat.name}",
            "lon": lon, "lat": lat, "site_id": site_id, "district_id": district.id, "town_id": town.id,
            "grid_id": gid, "department_ids": [dep_id[d] for d in cat.departments],
            "status": IncidentStatus.NEW.value, "reported_at": reported_at,
            "sla_due_at": reported_at + RESOLVE_WITHIN[priority], "version": 1,
        })
    drafts.sort(key=lambda d: d["reported_at"])
    for i, d in enumerate(drafts, start=1):
        d["id"] = i
    return renumber(drafts)


def renumber(incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each incident its code: the day's reports numbered in order of reporting."""
    per_day: dict[str, int] = {}
    for d in sorted(incidents, key=lambda d: (d["reported_at"], d["id"])):
        day = city_day(d["reported_at"].timestamp()).isoformat()
        per_day[day] = per_day.get(day, 0) + 1
        d["code"] = incident_code(d["reported_at"], per_day[day])
    return incidents
