"""Check district, town and grid polygons: fields present, codes unique, polygons valid,
each town inside its district and each grid inside its town (within a tolerance).

Nesting is checked in the city's metric CRS, so the tolerance is in metres: a
boundary drawn by two bureaus never matches to the centimetre, a grid in the
wrong town misses by kilometres.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import shapely

from routing.projection import geom_to_xy, utm_crs_for

from .model import AreaRecord, Rejection
from .readers import Feature
from .spec import SourceSpec

_POLYGONAL = ("Polygon", "MultiPolygon")


def _col(source: SourceSpec, ours: str) -> str:
    theirs = source.column(ours)
    return ours if theirs == ours else f"{ours} ({theirs})"


def missing_columns(source: SourceSpec, header: list[str], required: tuple[str, ...]) -> list[Rejection]:
    """One rejection per required column the file lacks (every row would fail on it)."""
    return [Rejection(f"{source.path.name}:1", _col(source, f), f"missing column {source.column(f)!r} "
                      f"(the file has: {', '.join(header) or 'no columns'})")
            for f in required if source.column(f) not in header]


def check_areas(source: SourceSpec, feats: list[Feature], parents: dict[str, Any] | None,
                crs: str, tolerance_m: float, rejections: list[Rejection]) -> list[AreaRecord]:
    """The features of one level that pass; `parents`: the level above by code (metric
    geometries), None for districts."""
    name_c, code_c, parent_c = (source.column(f) for f in ("name", "code", "parent"))
    codes = Counter(f.values.get(code_c, "") for f in feats)
    out: list[AreaRecord] = []
    parent_buffers: dict[str, Any] = {}
    for feat in feats:
        code, name = feat.values.get(code_c, ""), feat.values.get(name_c, "")
        parent = feat.values.get(parent_c, "") if parents is not None else None

        def reject(field: str, reason: str) -> None:
            rejections.append(Rejection(feat.where, _col(source, field), reason))

        if not code:
            reject("code", "missing")
            continue
        if not name:
            reject("name", "missing")
            continue
        if codes[code] > 1:
            reject("code", f"duplicate code {code!r} ({codes[code]} features have it)")
            continue
        geom = feat.geom_ll
        if geom is None:
            reject("geometry", "no geometry")
            continue
        if geom.geom_type not in _POLYGONAL:
            reject("geometry", f"a {geom.geom_type}, not a polygon")
            continue
        if not shapely.is_valid(geom):
            reject("geometry", f"invalid polygon ({shapely.is_valid_reason(geom)})")
            continue
        if parents is not None:
            if not parent:
                reject("parent", "missing")
                continue
            if parent not in parents:
                reject("parent", f"unknown parent code {parent!r}")
                continue
            if parent not in parent_buffers:
                buffered = parents[parent].buffer(tolerance_m)
                shapely.prepare(buffered)
                parent_buffers[parent] = buffered
            outer = parent_buffers[parent]
            inner = geom_to_xy(crs, geom)
            if not outer.contains(inner):
                outside_m2 = inner.difference(outer).area
                reject("geometry", f"not inside its parent {parent!r}: {outside_m2:,.0f} m² lie more than "
                                   f"{tolerance_m:g} m outside it")
                continue
        out.append(AreaRecord(code, name, parent, geom))
    return out


def city_crs_for(districts: list[AreaRecord]) -> str:
    """The UTM zone of the districts' centre: the city's metric CRS."""
    pts = np.array([g.centroid.coords[0] for g in (d.geom_ll for d in districts)], dtype=np.float64)
    return utm_crs_for(pts)


def metric_by_code(areas: list[AreaRecord], crs: str) -> dict[str, Any]:
    return {a.code: geom_to_xy(crs, a.geom_ll) for a in areas}
