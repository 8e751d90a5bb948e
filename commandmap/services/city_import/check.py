"""Read every source a city.toml names and check it, before anything is written.

The result is a `CityData` of the rows that passed plus every rejection with its
file, line (or feature) and column. Order matters: districts before towns before
grids (a town's parent must have passed), departments and towns before officers,
grids before sites.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from routing.errors import RoutingError

from ..catalogue import Catalogue, load_catalogue
from .areas import check_areas, city_crs_for, metric_by_code, missing_columns
from .model import AreaRecord, CityData, DepartmentRecord, ImportReport, Progress, Rejection
from .readers import SourceReadError, read_features, read_table
from .rows import (CATEGORY_REQUIRED, DEPARTMENT_REQUIRED, OFFICER_REQUIRED, SITE_REQUIRED, check_categories,
                   check_departments, check_officers, check_sites)
from .spec import CitySpec, SourceSpec


def _noop(stage: str, fraction: float) -> None:
    pass


def _reader_failure(source: SourceSpec, exc: Exception) -> Rejection:
    return Rejection(source.path.name, "(file)", str(exc).replace(f"{source.path}: ", ""))


def check_city(spec: CitySpec, report: ImportReport, progress: Progress | None = None,
               catalogue: Catalogue | None = None) -> CityData | None:
    """The checked city, or None when the areas themselves failed (nothing else can be checked)."""
    progress = progress or _noop
    catalogue = catalogue or load_catalogue()
    rej = report.rejections
    tol = spec.nesting_tolerance_m
    t0 = time.perf_counter()

    levels: dict[str, Any] = {}
    parents: dict[str, Any] | None = None
    crs = ""
    for i, kind in enumerate(("districts", "towns", "grids")):
        source = spec.sources[kind]
        progress(f"reading {kind}", 0.05 * i)
        try:
            header, feats = read_features(source)
        except SourceReadError as exc:
            rej.append(_reader_failure(source, exc))
            return None
        report.read[kind] = len(feats)
        required = ("name", "code") if kind == "districts" else ("name", "code", "parent")
        missing = missing_columns(source, header, required)
        if missing:
            rej.extend(missing)
            return None
        if kind == "districts" and not crs:
            # the city's metric CRS comes from the district outlines (checked again below)
            rough = [AreaRecord("", "", None, f.geom_ll) for f in feats if f.geom_ll is not None]
            if not rough:
                rej.append(Rejection(source.path.name, "geometry", "no district has a geometry"))
                return None
            crs = city_crs_for(rough)
            report.crs = crs
        levels[kind] = check_areas(source, feats, parents, crs, tol, rej)
        if not levels[kind]:
            rej.append(Rejection(source.path.name, "(file)", f"no usable {kind}"))
            return None
        parents = metric_by_code(levels[kind], crs)
    report.timings_s["areas"] = round(time.perf_counter() - t0, 2)

    own_categories = spec.source("categories")
    departments = _departments(spec, report, catalogue, own_categories is not None)
    city = CityData(spec.name, crs, levels["districts"], levels["towns"], levels["grids"], departments,
                    None, None, code_prefix=spec.code_prefix)
    dept_codes = {d.code for d in departments}
    categories_file = "data/catalogue/site_categories.csv"
    if own_categories is not None:
        progress("reading categories", 0.18)
        rows = _table(own_categories, CATEGORY_REQUIRED, report)
        taken = {x for c in catalogue.incident_categories for x in (c.code, c.name)}
        cats = check_categories(own_categories, rows, dept_codes, {d.code for d in catalogue.domains}, taken,
                                rej) if rows is not None else []
        if rows is not None and not cats:
            rej.append(Rejection(own_categories.path.name, "(file)", "no usable site categories"))
        city.site_categories = cats
        catalogue = catalogue.with_site_categories(tuple(cats))
        categories_file = own_categories.path.name
    town_codes = {t.code for t in city.towns}

    officers = spec.source("officers")
    if officers is not None:
        progress("reading officers", 0.2)
        t0 = time.perf_counter()
        rows = _table(officers, OFFICER_REQUIRED, report, progress, 0.2)
        if rows is not None:
            progress("checking officers", 0.25)
            city.officers, city.rejected_keys["officers"] = check_officers(officers, rows, dept_codes, town_codes, rej)
        report.timings_s["officers"] = round(time.perf_counter() - t0, 2)
    sites = spec.source("sites")
    if sites is not None:
        progress("reading sites", 0.3)
        t0 = time.perf_counter()
        rows = _table(sites, SITE_REQUIRED, report, progress, 0.3)
        if rows is not None:
            progress("checking sites", 0.35)
            city.sites, city.rejected_keys["sites"] = check_sites(sites, rows, catalogue, city.districts,
                                                                  city.grids, rej, categories_file)
        report.timings_s["sites"] = round(time.perf_counter() - t0, 2)
    roads = spec.source("roads")
    if roads is not None:
        progress("building the road network", 0.45)
        t0 = time.perf_counter()
        _roads(roads, city, rej)
        report.timings_s["roads"] = round(time.perf_counter() - t0, 2)
    return city


def _table(source: SourceSpec, required: tuple[str, ...], report: ImportReport,
           progress: Progress = _noop, at: float = 0.0) -> list[Any] | None:
    try:
        header, rows = read_table(source, lambda n: progress(f"reading {source.kind} ({n:,} rows)", at))
    except SourceReadError as exc:
        report.rejections.append(_reader_failure(source, exc))
        return None
    report.read[source.kind] = len(rows)
    missing = missing_columns(source, header, required)
    if missing:
        report.rejections.extend(missing)
        return None
    return rows


def _departments(spec: CitySpec, report: ImportReport, catalogue: Catalogue,
                 own_categories: bool) -> list[DepartmentRecord]:
    """The city's departments, or the catalogue's when the city names none; the catalogue's
    department codes must exist (its categories send incidents to them): all of them, or with the
    city's own site categories those its incident categories name."""
    source = spec.source("departments")
    if source is None:
        return [DepartmentRecord(d.code, d.name) for d in catalogue.departments]
    rows = _table(source, DEPARTMENT_REQUIRED, report)
    if rows is None:
        return []
    departments = check_departments(source, rows, report.rejections)
    have = {d.code for d in departments}
    used = ({d for c in catalogue.incident_categories for d in c.departments} if own_categories
            else {d.code for d in catalogue.departments})
    needed = [d.code for d in catalogue.departments if d.code in used and d.code not in have]
    if needed:
        report.rejections.append(Rejection(source.path.name, "code", "the built-in catalogue's department(s) "
                                           f"{', '.join(needed)} are missing (its categories refer to them)"))
    return departments


def _roads(source: SourceSpec, city: CityData, rej: list[Rejection]) -> None:
    from routing.files import kind_of

    try:
        kind = kind_of(source.path)
        if kind == "osm":
            if source.crs not in (None, "wgs84"):
                raise RoutingError(f"{source.path}: OpenStreetMap files are WGS84; drop crs = {source.crs!r}")
            from routing.osm import build_from_osm
            graph, _ = build_from_osm(source.path, crs=city.crs)
        elif kind == "vector":
            graph = _vector_roads(source, city.crs)
        else:
            raise RoutingError(f"{source.path}: give .osm.pbf, .osm or a line layer (not a compiled graph)")
    except RoutingError as exc:
        rej.append(Rejection(source.path.name, "(file)", str(exc).replace(f"{source.path}: ", "")))
        return
    city.road_graph = graph
    city.road_source = source.path.name


def _vector_roads(source: SourceSpec, crs: str) -> Any:
    from routing.vector import build_from_vector

    opts: dict[str, Any] = {f"{f}_col": source.columns[f] for f in ("class", "speed", "oneway", "name")
                            if f in source.columns}
    if source.crs in ("gcj02", "bd09"):
        # pyproj knows no Chinese web-map datum: convert to WGS84 into a temporary layer first
        from .readers import read_features
        import geopandas as gpd
        feats = read_features(source)[1]
        df = gpd.GeoDataFrame([f.values for f in feats], geometry=[f.geom_ll for f in feats], crs="EPSG:4326")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{source.path.stem}.gpkg"
            df.to_file(path, driver="GPKG")
            return build_from_vector(path, crs=crs, **opts)[0]
    return build_from_vector(source.path, layer=source.layer, crs=crs, **opts)[0]
