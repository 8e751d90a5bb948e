"""Law-enforcement officers: spread by population, on the streets of their home town."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from routing.projection import to_xy

from ..catalogue import Catalogue, IncidentCategory, SiteCategory
from .geography import Area, _split_exact
from . import sources
from .model import OfficerTable
from .naming import PersonNames
from .spatial import Streets

ON_DUTY_SHARE = 0.85
# P(foot, ebike, car): the comprehensive teams patrol on foot and e-bike, specialists drive
MODE_SHARES = {"zhzf": (0.30, 0.45, 0.25), "_other": (0.12, 0.33, 0.55)}
MODES = ("foot", "ebike", "car")
MAX_SPEED_MPS = {"foot": 1.4, "ebike": 5.5, "car": 11.0}
GPS_SIGMA_M = 3.0


def department_domains(catalogue: Catalogue) -> dict[str, list[str]]:
    """Domains each department works in (from the categories that name it), lead domains first."""
    lead: dict[str, list[str]] = {d.code: [] for d in catalogue.departments}
    other: dict[str, list[str]] = {d.code: [] for d in catalogue.departments}
    cats: list[SiteCategory | IncidentCategory] = [*catalogue.site_categories, *catalogue.incident_categories]
    for cat in cats:
        for rank, dep in enumerate(cat.departments):
            target = lead if rank == 0 else other
            if cat.domain not in target[dep]:
                target[dep].append(cat.domain)
    return {dep: lead[dep] + [d for d in other[dep] if d not in lead[dep]] for dep in lead}


def make_officers(n: int, seed: int, now: datetime, districts: list[Area], towns: list[Area],
                  departments: list[dict], catalogue: Catalogue, streets: Streets, street_town: np.ndarray,
                  to_lonlat) -> OfficerTable:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng([seed, 301])
    # officers per district by census population, per town by estimated population
    per_district = _split_exact(n, np.array([d.population for d in districts], float))
    home = np.empty(n, dtype=np.int64)
    district_of = np.empty(n, dtype=np.int64)
    k = 0
    for d, nd in zip(districts, per_district.tolist(), strict=True):
        ts = [t for t in towns if t.parent_id == d.id]
        per_town = _split_exact(nd, np.array([t.population for t in ts], float))
        for t, nt in zip(ts, per_town.tolist(), strict=True):
            home[k:k + nt] = t.id
            district_of[k:k + nt] = d.id
            k += nt
    # departments: exact city-wide shares, shuffled over people
    dep_counts = _split_exact(n, np.array([catalogue.department(dd["code"]).officer_weight for dd in departments]))
    dep_idx = rng.permutation(np.repeat(np.arange(len(departments)), dep_counts))
    dep_ids = np.array([dd["id"] for dd in departments], dtype=np.int64)[dep_idx]
    dep_codes = [departments[i]["code"] for i in dep_idx.tolist()]

    modes = []
    u = rng.random(n)
    for code, x in zip(dep_codes, u.tolist(), strict=True):
        p = MODE_SHARES.get(code, MODE_SHARES["_other"])
        modes.append(MODES[0] if x < p[0] else MODES[1] if x < p[0] + p[1] else MODES[2])

    domains = department_domains(catalogue)
    skills: list[list[str]] = []
    for code in dep_codes:
        pool = domains.get(code) or []
        if not pool:
            skills.append([])
            continue
        want = int(rng.integers(2, 5)) if code == "zhzf" else int(rng.integers(1, 3))
        rest = [pool[i] for i in rng.permutation(len(pool)).tolist() if i != 0]
        skills.append(sorted([pool[0], *rest[: want - 1]], key=pool.index))

    on_duty = rng.random(n) < ON_DUTY_SHARE
    names = PersonNames().sample(rng, n)

    # position: a random point on a street of the home town (the nearest streets if it has none)
    order = np.argsort(street_town, kind="stable")
    starts = np.searchsorted(street_town[order], [t.id for t in towns])
    ends = np.searchsorted(street_town[order], [t.id for t in towns], side="right")
    town_slot = {t.id: i for i, t in enumerate(towns)}
    mids = streets.mid_xy
    street_idx = np.empty(n, dtype=np.int64)
    pick = rng.random(n)
    for tid in np.unique(home).tolist():
        who = np.flatnonzero(home == tid)
        s0, s1 = starts[town_slot[tid]], ends[town_slot[tid]]
        if s1 > s0:
            candidates = order[s0:s1]
        else:  # a town with no street (an unbridged island): its nearest streets
            c = _label_xy(towns[town_slot[tid]])
            candidates = np.argsort(np.hypot(*(mids - c).T))[:50]
        street_idx[who] = candidates[(pick[who] * len(candidates)).astype(np.int64)]
    xy = streets.point_at(street_idx, rng.random(n)) + rng.normal(0.0, GPS_SIGMA_M, (n, 2))
    lonlat = to_lonlat(xy)

    speed = np.array([MAX_SPEED_MPS[m] for m in modes]) * rng.random(n) * on_duty
    heading = np.where(speed > 0.3, rng.uniform(0, 360, n), np.nan)
    accuracy = rng.uniform(3.0, 15.0, n)
    age_s = np.where(on_duty, rng.uniform(1.0, 45.0, n), rng.uniform(3_600.0, 36_000.0, n))
    fix_time = [now - timedelta(seconds=float(a)) for a in age_s.tolist()]

    badge_seq: dict[int, int] = {}
    codes = {d.id: d.code for d in districts}
    badges = []
    for did in district_of.tolist():
        badge_seq[did] = badge_seq.get(did, 0) + 1
        badges.append(f"NB{codes[did][-2:]}{badge_seq[did]:05d}")
    ids = np.arange(1, n + 1, dtype=np.int64)
    tokens = [rng.bytes(16).hex() for _ in range(n)]
    return OfficerTable(ids=ids, badge=badges, name=names, department_id=dep_ids, home_town_id=home,
                        mode=modes, skills=skills, on_duty=on_duty,
                        device_id=[f"NBDEV{i:06d}" for i in ids.tolist()], device_token=tokens,
                        lonlat=lonlat, heading_deg=heading, speed_mps=speed, accuracy_m=accuracy, fix_time=fix_time)


def _label_xy(area: Area) -> np.ndarray:
    p = area.geom_ll.representative_point()
    return to_xy(sources.crs(), np.array([[p.x, p.y]]))[0]
