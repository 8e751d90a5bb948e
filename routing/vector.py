"""Build a RoadGraph from a line layer (GeoJSON, GeoPackage, Shapefile...) via geopandas.

Column names are configurable; when not given, common names are tried (OSM-style
`highway`/`oneway`/`maxspeed`/`name`, Geofabrik shapefiles' `fclass` and B/F/T `oneway`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .build import BuildReport, build_from_arrays
from .errors import GraphBuildError, RoadFileError
from .graph import RoadGraph
from .noding import parse_maxspeed, parse_oneway, split_lines
from .speeds import SpeedTable

_AUTO = {
    "class": ("highway", "road_class", "fclass", "class", "type"),
    "oneway": ("oneway", "one_way", "ONEWAY"),
    "speed": ("maxspeed", "max_speed", "speed", "speed_kmh"),
    "name": ("name", "NAME", "road_name"),
}


def _pick(df: Any, given: str | None, kind: str, path: str) -> str | None:
    if given is not None:
        if given not in df.columns:
            raise RoadFileError(f"{path}: column {given!r} (for {kind}) not found; columns are "
                                f"{', '.join(map(str, df.columns))}")
        return given
    for cand in _AUTO[kind]:
        if cand in df.columns:
            return cand
    return None


def _coord_keys(coords: np.ndarray) -> np.ndarray:
    # vertices closer than ~1 cm are one junction
    q = np.round(coords[:, :2] * 1e7).astype(np.int64)
    return (q[:, 0] + 1_800_000_000) * 3_600_000_001 + (q[:, 1] + 900_000_000)


def build_from_vector(path: str | os.PathLike[str], layer: str | int | None = None, oneway_col: str | None = None,
                      class_col: str | None = None, speed_col: str | None = None, name_col: str | None = None,
                      crs: str | None = None, speeds: SpeedTable | None = None) -> tuple[RoadGraph, BuildReport]:
    """Road graph from the line features of a vector file; lines are split where they share vertices."""
    path = os.fspath(path)
    p = Path(path)
    if not p.exists():
        raise RoadFileError(f"{path}: no such file")
    if p.is_file() and p.stat().st_size == 0:
        raise RoadFileError(f"{path}: file is empty")
    import geopandas as gpd
    import shapely
    try:
        df = gpd.read_file(path, layer=layer) if layer is not None else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError etc.
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RoadFileError(f"{path}: cannot read as a vector layer ({msg})") from None
    if len(df) == 0:
        raise RoadFileError(f"{path}: the layer has no features")
    if df.crs is None:
        raise RoadFileError(f"{path}: the layer has no CRS; set one (e.g. EPSG:4326) before importing")
    geoms = df.geometry.values
    types = shapely.get_type_id(geoms)
    is_line = np.isin(types, (1, 5))  # LineString, MultiLineString
    if not is_line.any():
        raise RoadFileError(f"{path}: the layer has no line geometries (found {sorted(set(df.geom_type.dropna()))})")
    df = df[is_line].to_crs("EPSG:4326")
    ccol = _pick(df, class_col, "class", path)
    ocol = _pick(df, oneway_col, "oneway", path)
    scol = _pick(df, speed_col, "speed", path)
    ncol = _pick(df, name_col, "name", path)
    n = len(df)
    classes = [str(x) if x is not None else "" for x in df[ccol].tolist()] if ccol else ["residential"] * n
    raw_oneway = df[ocol].tolist() if ocol else [None] * n
    geofabrik = bool(ocol) and {str(x).strip().upper() for x in raw_oneway if x is not None} <= {"B", "F", "T"}
    direction = np.array([parse_oneway(x, geofabrik) for x in raw_oneway], dtype=np.int8)
    vmax = np.array([parse_maxspeed(x) for x in df[scol].tolist()]) if scol else np.full(n, np.nan)
    names = [x if isinstance(x, str) else "" for x in df[ncol].tolist()] if ncol else [""] * n
    lines, owner = shapely.get_parts(df.geometry.values, return_index=True)
    valid = shapely.is_valid(lines) & ~shapely.is_empty(lines)
    invalid_lines = int((~valid).sum())
    lines, owner = lines[valid], owner[valid]
    coords, vidx = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(vidx, minlength=len(lines))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    segs = split_lines(_coord_keys(coords), coords, offsets)
    if len(segs.u) == 0:
        raise RoadFileError(f"{path}: no usable road lines")
    own = owner[segs.line]
    d = direction[own]
    u = np.where(d < 0, segs.v, segs.u)
    v = np.where(d < 0, segs.u, segs.v)
    geometry = [g[::-1] if x < 0 else g for g, x in zip(segs.geometry, d.tolist())]
    try:
        graph, report = build_from_arrays(
            segs.node_lonlat, u, v, [classes[i] for i in own.tolist()], d != 0,
            names=[names[i] for i in own.tolist()], maxspeed_kmh=vmax[own], edge_geometry_lonlat=geometry,
            crs=crs, speeds=speeds, source=p.name)
    except GraphBuildError as exc:
        raise RoadFileError(f"{path}: {exc}") from None
    report.invalid_geometries += invalid_lines
    if not ccol:
        report.notes.append("no road class column: every road treated as residential")
    if not ocol:
        report.notes.append("no one-way column: every road treated as two-way")
    return graph, report
