"""Check roster and registry rows: required fields, known references, unique keys,
coordinates inside the city. A row is rejected, never repaired: an officer of an
unknown department or a site outside the city is reported, not guessed."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import shapely

from ...domain.enums import TravelMode
from ..catalogue import PLACEMENTS, Catalogue, SiteCategory
from .coords import to_wgs84
from .model import AreaRecord, DepartmentRecord, OfficerRecord, Rejection, SiteRecord
from .readers import Row
from .spec import SourceSpec

_TRUE = {"1", "true", "yes", "y", "t", "是", "在岗", "on"}
_FALSE = {"0", "false", "no", "n", "f", "否", "不在岗", "off"}
_MODES = {m.value for m in TravelMode}
OFFICER_REQUIRED = ("badge", "name", "department", "home_town", "mode")
SITE_REQUIRED = ("id", "name", "category", "lon", "lat")
DEPARTMENT_REQUIRED = ("code", "name")
CATEGORY_REQUIRED = ("code", "name", "domain", "departments")
_DEFAULT_RISK = (0.4, 0.3, 0.2, 0.1)


class _Checker:
    def __init__(self, source: SourceSpec, rejections: list[Rejection]) -> None:
        self.source = source
        self.rejections = rejections

    def get(self, row: Row, ours: str) -> str:
        return row.values.get(self.source.column(ours), "")

    def reject(self, row: Row, ours: str, reason: str) -> None:
        theirs = self.source.column(ours)
        self.rejections.append(Rejection(row.where, ours if theirs == ours else f"{ours} ({theirs})", reason))

    def first_missing(self, row: Row, required: tuple[str, ...]) -> bool:
        for f in required:
            if not self.get(row, f):
                self.reject(row, f, "missing")
                return True
        return False

    def duplicates(self, rows: list[Row], key: str) -> dict[str, list[str]]:
        seen: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            value = self.get(row, key)
            if value:
                seen[value].append(row.where.rsplit(":", 1)[-1])
        return {k: v for k, v in seen.items() if len(v) > 1}


def check_departments(source: SourceSpec, rows: list[Row], rejections: list[Rejection]) -> list[DepartmentRecord]:
    ck = _Checker(source, rejections)
    dup = ck.duplicates(rows, "code")
    out = []
    for row in rows:
        if ck.first_missing(row, DEPARTMENT_REQUIRED):
            continue
        code = ck.get(row, "code")
        if code in dup:
            ck.reject(row, "code", f"duplicate department code {code!r} (lines {', '.join(dup[code])})")
            continue
        out.append(DepartmentRecord(code, ck.get(row, "name")))
    return out


def check_categories(source: SourceSpec, rows: list[Row], departments: set[str], domains: set[str],
                     taken: set[str], rejections: list[Rejection]) -> list[SiteCategory]:
    """The city's own site categories (the columns of data/catalogue/site_categories.csv); `taken`: the
    codes and names of the incident categories, which a site category may not reuse."""
    ck = _Checker(source, rejections)
    dup_code, dup_name = ck.duplicates(rows, "code"), ck.duplicates(rows, "name")
    out = []
    for row in rows:
        if ck.first_missing(row, CATEGORY_REQUIRED):
            continue
        cat = _category(ck, row, departments, domains, taken, dup_code, dup_name)
        if cat is not None:
            out.append(cat)
    return out


def _category(ck: _Checker, row: Row, departments: set[str], domains: set[str], taken: set[str],
              dup_code: dict[str, list[str]], dup_name: dict[str, list[str]]) -> SiteCategory | None:
    code, name, domain = ck.get(row, "code"), ck.get(row, "name"), ck.get(row, "domain")
    deps = tuple(d.strip() for d in ck.get(row, "departments").replace("；", ";").split(";") if d.strip())
    unknown = [d for d in deps if d not in departments]
    weight = _number(ck.get(row, "weight") or "1")
    placement = ck.get(row, "placement") or "any"
    risk_text = ck.get(row, "risk_weights")
    risk = tuple(_number(v) for v in risk_text.split(";")) if risk_text else _DEFAULT_RISK
    if code in dup_code:
        ck.reject(row, "code", f"duplicate category code {code!r} (lines {', '.join(dup_code[code])})")
    elif name in dup_name:
        ck.reject(row, "name", f"duplicate category name {name!r} (lines {', '.join(dup_name[name])})")
    elif code in taken or name in taken:
        ck.reject(row, "code", f"{code!r} / {name!r} is already an incident category")
    elif domain not in domains:
        ck.reject(row, "domain", f"unknown domain {domain!r} (see data/catalogue/domains.csv)")
    elif unknown:
        ck.reject(row, "departments", f"unknown department {unknown[0]!r}")
    elif len(set(deps)) != len(deps):
        ck.reject(row, "departments", "repeats a department")
    elif weight is None or weight < 0:
        ck.reject(row, "weight", f"not a number >= 0: {ck.get(row, 'weight')!r}")
    elif placement not in PLACEMENTS:
        ck.reject(row, "placement", f"must be one of {', '.join(PLACEMENTS)}, got {placement!r}")
    elif len(risk) != 4 or any(r is None or r < 0 for r in risk) or sum(r or 0.0 for r in risk) <= 0:
        ck.reject(row, "risk_weights", f"must be 4 numbers >= 0 separated by ';', got {risk_text!r}")
    else:
        r1, r2, r3, r4 = (float(r or 0.0) for r in risk)
        return SiteCategory(code, name, ck.get(row, "name_en") or name, domain, deps, float(weight), placement,
                            (r1, r2, r3, r4))
    return None


def _bool(text: str) -> bool | None:
    t = text.strip().lower()
    return True if t in _TRUE else False if t in _FALSE else None


def check_officers(source: SourceSpec, rows: list[Row], departments: set[str], towns: set[str],
                   rejections: list[Rejection]) -> tuple[list[OfficerRecord], set[str]]:
    """(officers that pass, badges of rejected rows: a re-import must not retire those)."""
    ck = _Checker(source, rejections)
    dup_badge = ck.duplicates(rows, "badge")
    dup_device = ck.duplicates(rows, "device_id")
    out: list[OfficerRecord] = []
    bad: set[str] = set()
    for row in rows:
        before = len(rejections)
        badge = ck.get(row, "badge")
        record = _officer(ck, row, departments, towns, dup_badge, dup_device)
        if record is not None:
            out.append(record)
        elif len(rejections) > before and badge:
            bad.add(badge)
    return out, bad


def _officer(ck: _Checker, row: Row, departments: set[str], towns: set[str], dup_badge: dict[str, list[str]],
             dup_device: dict[str, list[str]]) -> OfficerRecord | None:
    if ck.first_missing(row, OFFICER_REQUIRED):
        return None
    badge, dept, town = ck.get(row, "badge"), ck.get(row, "department"), ck.get(row, "home_town")
    mode, device = ck.get(row, "mode").lower(), ck.get(row, "device_id")
    if badge in dup_badge:
        ck.reject(row, "badge", f"duplicate badge {badge!r} (lines {', '.join(dup_badge[badge])})")
    elif dept not in departments:
        ck.reject(row, "department", f"unknown department {dept!r}")
    elif town not in towns:
        ck.reject(row, "home_town", f"unknown town {town!r}")
    elif mode not in _MODES:
        ck.reject(row, "mode", f"unknown mode {mode!r} (foot, ebike or car)")
    elif device and device in dup_device:
        ck.reject(row, "device_id", f"duplicate device id {device!r} (lines {', '.join(dup_device[device])})")
    else:
        duty_text = ck.get(row, "on_duty")
        on_duty = _bool(duty_text) if duty_text else True
        if on_duty is None:
            ck.reject(row, "on_duty", f"not a yes/no value: {duty_text!r}")
            return None
        skills = tuple(s.strip() for s in ck.get(row, "skills").replace("；", ";").split(";") if s.strip())
        return OfficerRecord(badge, ck.get(row, "name"), dept, town, mode, skills, device or None, on_duty)
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check_sites(source: SourceSpec, rows: list[Row], catalogue: Catalogue, districts: list[AreaRecord],
                grids: list[AreaRecord], rejections: list[Rejection],
                categories_file: str = "data/catalogue/site_categories.csv") -> tuple[list[SiteRecord], set[str]]:
    """(sites that pass with their grid, external ids of rejected rows)."""
    ck = _Checker(source, rejections)
    dup = ck.duplicates(rows, "id")
    by_code = {c.code: c for c in catalogue.site_categories} | {c.name: c for c in catalogue.site_categories}
    bad: set[str] = set()
    pending: list[tuple[Row, str, float, float]] = []
    for row in rows:
        ext = ck.get(row, "id")
        if ck.first_missing(row, SITE_REQUIRED):
            bad.add(ext)
            continue
        lon, lat, risk = _number(ck.get(row, "lon")), _number(ck.get(row, "lat")), ck.get(row, "risk_level") or "1"
        if ext in dup:
            ck.reject(row, "id", f"duplicate external id {ext!r} (lines {', '.join(dup[ext])})")
        elif ck.get(row, "category") not in by_code:
            ck.reject(row, "category", f"unknown site category {ck.get(row, 'category')!r} "
                                       f"(see {categories_file})")
        elif risk not in ("1", "2", "3", "4"):
            ck.reject(row, "risk_level", f"must be 1, 2, 3 or 4, got {risk!r}")
        elif lon is None:
            ck.reject(row, "lon", f"not a number: {ck.get(row, 'lon')!r}")
        elif lat is None:
            ck.reject(row, "lat", f"not a number: {ck.get(row, 'lat')!r}")
        else:
            pending.append((row, ext, lon, lat))
            continue
        bad.add(ext)
    if not pending:
        return [], bad
    raw = np.array([(lon, lat) for _, _, lon, lat in pending], dtype=np.float64)
    ll = to_wgs84(source.crs or "wgs84", raw)
    grid_of = _locate(ll, districts, grids)
    out: list[SiteRecord] = []
    for (row, ext, _, _), (lon, lat), g in zip(pending, ll.tolist(), grid_of):
        if g == -1:
            ck.reject(row, "lon", f"({lon:.6f}, {lat:.6f}) is outside the city")
        elif g == -2:
            ck.reject(row, "lon", f"({lon:.6f}, {lat:.6f}) is inside the city but in no grid")
        else:
            cat = by_code[ck.get(row, "category")]
            out.append(SiteRecord(ext, ck.get(row, "name"), cat.name, cat.domain, ck.get(row, "address"),
                                  int(ck.get(row, "risk_level") or "1"), lon, lat, grids[g].code))
            continue
        bad.add(ext)
    return out, bad


def _locate(lonlat: np.ndarray, districts: list[AreaRecord], grids: list[AreaRecord]) -> list[int]:
    """Grid index per point; -1 outside every district, -2 in a district but in no grid."""
    pts = shapely.points(lonlat)
    result = np.full(len(pts), -1, dtype=np.int64)
    if grids:
        tree = shapely.STRtree([g.geom_ll for g in grids])
        pi, gi = tree.query(pts, predicate="intersects")
        first = np.full(len(pts), np.iinfo(np.int64).max)
        np.minimum.at(first, pi, gi)   # on a shared border: the lower-numbered grid, the same every time
        hit = first != np.iinfo(np.int64).max
        result[hit] = first[hit]
    rest = np.flatnonzero(result == -1)
    if len(rest) and districts:
        dtree = shapely.STRtree([d.geom_ll for d in districts])
        inside = np.unique(dtree.query(pts[rest], predicate="intersects")[0])
        result[rest[inside]] = -2
    return result.tolist()
