"""Regulated sites (执法对象): businesses and works placed along streets, each in its grid."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import shapely

from ..catalogue import Catalogue
from .geography import Area, _split_exact
from .model import SiteTable
from .naming import SiteNames, short_place
from .spatial import AreaLocator, Streets

# share of a category's sites per density level (0 core .. 3 hills), by its placement
ZONE_SHARES = {
    "urban": (0.45, 0.35, 0.15, 0.05),
    "any": (0.25, 0.35, 0.28, 0.12),
    "rural": (0.05, 0.25, 0.45, 0.25),
}
OFFSET_M = (6.0, 18.0)        # set back from the street centre line
NEVER_INSPECTED_SHARE = 0.1


def _street_weights(streets: Streets, zone: np.ndarray, shares: tuple[float, ...]) -> np.ndarray:
    """Probability per street so that each density level gets its share, uniform per metre within it."""
    w = np.zeros(len(streets))
    levels = np.unique(zone)
    share = np.array([shares[min(int(z), len(shares) - 1)] for z in levels])
    share = share / share.sum()
    for z, sh in zip(levels.tolist(), share.tolist(), strict=True):
        m = zone == z
        total = streets.length_m[m].sum()
        if total > 0:
            w[m] = streets.length_m[m] / total * sh
    return w / w.sum()


def make_sites(n: int, seed: int, now: datetime, catalogue: Catalogue, streets: Streets, street_zone: np.ndarray,
               grids: list[Area], towns: list[Area], districts: list[Area], water_xy: shapely.Geometry | None,
               to_lonlat) -> SiteTable:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng([seed, 401])
    cats = catalogue.site_categories
    per_cat = _split_exact(n, np.array([c.weight for c in cats]))
    locator = AreaLocator(grids)
    town_by_id = {t.id: t for t in towns}
    district_by_id = {d.id: d for d in districts}
    if water_xy is not None:
        shapely.prepare(water_xy)

    cat_of: list[int] = []
    xy_parts: list[np.ndarray] = []
    street_parts: list[np.ndarray] = []
    side_parts: list[np.ndarray] = []
    t_parts: list[np.ndarray] = []
    grid_parts: list[np.ndarray] = []
    for ci, (cat, want) in enumerate(zip(cats, per_cat.tolist(), strict=True)):
        if want == 0:
            continue
        p = _street_weights(streets, street_zone, ZONE_SHARES[cat.placement])
        got = 0
        while got < want:
            k = int((want - got) * 1.15) + 8
            idx = rng.choice(len(streets), size=k, p=p)
            t = rng.uniform(0.1, 0.9, k)
            side = np.where(rng.random(k) < 0.5, 1.0, -1.0)
            xy = streets.point_at(idx, t, side * rng.uniform(*OFFSET_M, k))
            ok = np.ones(k, bool)
            if water_xy is not None:
                ok &= ~shapely.contains_xy(water_xy, xy[:, 0], xy[:, 1])
            g = np.full(k, -1, np.int64)
            g[ok] = locator.locate(to_lonlat(xy[ok]))
            ok &= g >= 0
            sel = np.flatnonzero(ok)[: want - got]
            xy_parts.append(xy[sel])
            street_parts.append(idx[sel])
            side_parts.append(side[sel])
            t_parts.append(t[sel])
            grid_parts.append(g[sel])
            cat_of.extend([ci] * len(sel))
            got += len(sel)
    perm = rng.permutation(n)  # ids mixed over categories, as a real register would be
    xy = np.concatenate(xy_parts)[perm]
    lonlat = to_lonlat(xy)
    street = np.concatenate(street_parts)[perm]
    side = np.concatenate(side_parts)[perm]
    tpos = np.concatenate(t_parts)[perm]
    gidx = np.concatenate(grid_parts)[perm]
    cat_idx = np.array(cat_of)[perm]

    risk = np.empty(n, dtype=np.int64)
    for ci, cat in enumerate(cats):
        m = cat_idx == ci
        pr = np.array(cat.risk_weights) / sum(cat.risk_weights)
        risk[m] = rng.choice(4, size=int(m.sum()), p=pr) + 1

    namer = SiteNames()
    names, addresses, categories, domains = [], [], [], []
    number = (tpos * streets.length_m[street] / 12.0).astype(np.int64) * 2 + np.where(side > 0, 1, 2)
    for i in range(n):
        grid = grids[int(gidx[i])]
        town = town_by_id[grid.parent_id]
        district = district_by_id[town.parent_id]
        road = streets.name[int(street[i])] or f"{short_place(town.name)}路"
        cat = cats[int(cat_idx[i])]
        names.append(namer.make(rng, cat.code, short_place(town.name), road))
        addresses.append(f"{district.name}{town.name}{road}{int(number[i])}号")
        categories.append(cat.name)
        domains.append(cat.domain)
    days = rng.uniform(3.0, 400.0, n)
    never = rng.random(n) < NEVER_INSPECTED_SHARE
    last = [None if nv else now - timedelta(days=float(d)) for d, nv in zip(days.tolist(), never.tolist(),
                                                                           strict=True)]
    grid_ids = np.array([grids[int(i)].id for i in gidx.tolist()], dtype=np.int64)
    return SiteTable(ids=np.arange(1, n + 1, dtype=np.int64), name=names, category=categories, domain=domains,
                     address=addresses, risk_level=risk, grid_id=grid_ids, lonlat=lonlat, last_inspected=last)
