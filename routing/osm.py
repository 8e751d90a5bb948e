"""Build a RoadGraph from OpenStreetMap: `.osm.pbf` through pyrosm (extra 'osm'), `.osm` XML
with the standard library.

Drivable roads only (highway values in HIGHWAY_TO_CLASS, no access=no / private for
motor vehicles); one-way from `oneway` (yes/1/true, -1/reverse, no), implied on
motorways and roundabouts; `maxspeed` in km/h or mph.
"""

from __future__ import annotations

import json
import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .build import BuildReport, build_from_arrays
from .errors import GraphBuildError, RoadFileError
from .graph import RoadGraph
from .noding import parse_maxspeed, parse_oneway, split_lines
from .speeds import HIGHWAY_TO_CLASS, SpeedTable

_NO_ACCESS = {"no", "private"}


def _way_ok(tags: dict[str, Any]) -> bool:
    hw = tags.get("highway")
    if not isinstance(hw, str) or hw not in HIGHWAY_TO_CLASS:
        return False
    if str(tags.get("area", "")).lower() == "yes":
        return False
    for key in ("motor_vehicle", "motorcar", "access"):
        val = tags.get(key)
        if isinstance(val, str) and val.lower() in _NO_ACCESS:
            return False
    return True


def _oneway_of(tags: dict[str, Any]) -> int:
    ow = tags.get("oneway")
    direction = parse_oneway(ow) if isinstance(ow, str) else 0
    if direction == 0 and not (isinstance(ow, str) and ow.strip().lower() in ("no", "false", "0")):
        junction = str(tags.get("junction", "")).lower()
        if tags.get("highway") == "motorway" or junction in ("roundabout", "circular"):
            direction = 1
    return direction


def _from_lines(path: str, way_tags: list[dict[str, Any]], keys: np.ndarray, coords: np.ndarray,
                offsets: np.ndarray, crs: str | None, speeds: SpeedTable | None, source: str,
                ) -> tuple[RoadGraph, BuildReport]:
    segs = split_lines(keys, coords, offsets)
    if len(segs.u) == 0:
        raise RoadFileError(f"{path}: no drivable roads found")
    tags = [way_tags[i] for i in segs.line.tolist()]
    direction = np.array([_oneway_of(t) for t in tags], dtype=np.int8)
    u = np.where(direction < 0, segs.v, segs.u)
    v = np.where(direction < 0, segs.u, segs.v)
    geometry = [g[::-1] if d < 0 else g for g, d in zip(segs.geometry, direction.tolist())]
    try:
        return build_from_arrays(
            segs.node_lonlat, u, v, [t["highway"] for t in tags], direction != 0,
            names=[t.get("name") if isinstance(t.get("name"), str) else "" for t in tags],
            maxspeed_kmh=np.array([parse_maxspeed(t.get("maxspeed")) for t in tags]),
            edge_geometry_lonlat=geometry, crs=crs, speeds=speeds, source=source)
    except GraphBuildError as exc:
        raise RoadFileError(f"{path}: {exc}") from None


def _read_pbf(path: str) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray, np.ndarray]:
    try:
        import pyrosm
    except ImportError:
        raise RoadFileError(f"{path}: reading .osm.pbf needs pyrosm (pip install 'commandmap[osm]')") from None
    try:
        osm = pyrosm.OSM(path)
        edges = osm.get_network(network_type="driving")
    except Exception as exc:  # pyrosm raises bare Exceptions / struct errors on bad files
        raise RoadFileError(f"{path}: cannot read OpenStreetMap data ({type(exc).__name__}: {exc})") from None
    if edges is None or len(edges) == 0:
        raise RoadFileError(f"{path}: no drivable roads found")
    import shapely
    cols = set(edges.columns)
    records: list[dict[str, Any]] = []
    extra = edges["tags"].tolist() if "tags" in cols else [None] * len(edges)
    wanted = [c for c in ("highway", "oneway", "maxspeed", "name", "junction", "access", "motor_vehicle",
                          "motorcar", "area") if c in cols]
    columns = {c: edges[c].tolist() for c in wanted}
    for i in range(len(edges)):
        rec: dict[str, Any] = {}
        raw = extra[i]
        if raw:
            try:
                more = json.loads(raw) if isinstance(raw, str) else dict(raw)
                rec.update({k: v for k, v in more.items() if isinstance(v, str)})
            except (ValueError, TypeError):
                pass
        for c in wanted:
            val = columns[c][i]
            if isinstance(val, str):
                rec[c] = val
        records.append(rec)
    geoms = edges.geometry.values
    geoms = shapely.line_merge(geoms)  # pyrosm may hand MultiLineStrings for one way
    parts = shapely.get_parts(geoms, return_index=True)
    lines, owner = parts
    keep_line = shapely.get_type_id(lines) == 1
    lines, owner = lines[keep_line], owner[keep_line]
    coords, vidx = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(vidx, minlength=len(lines))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    line_tags = [records[i] for i in owner.tolist()]
    # vertex identity from coordinates (pyrosm gives coordinates, not node ids, per vertex)
    keys = _coord_keys(coords)
    return line_tags, keys, coords, offsets


def _coord_keys(coords: np.ndarray) -> np.ndarray:
    """Identity of a lon/lat vertex: coordinates rounded to 1e-7 degree (OSM's own precision)."""
    q = np.round(coords[:, :2] * 1e7).astype(np.int64)
    return (q[:, 0] + 1_800_000_000) * 3_600_000_001 + (q[:, 1] + 900_000_000)


def _read_xml(path: str) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray, np.ndarray]:
    node_pos: dict[int, tuple[float, float]] = {}
    ways: list[tuple[list[int], dict[str, Any]]] = []
    try:
        for _event, el in ET.iterparse(path, events=("end",)):
            if el.tag == "node":
                try:
                    node_pos[int(el.attrib["id"])] = (float(el.attrib["lon"]), float(el.attrib["lat"]))
                except (KeyError, ValueError):
                    pass
                el.clear()
            elif el.tag == "way":
                tags = {t.attrib.get("k", ""): t.attrib.get("v", "") for t in el.iter("tag")}
                if _way_ok(tags):
                    refs = [int(nd.attrib["ref"]) for nd in el.iter("nd") if "ref" in nd.attrib]
                    ways.append((refs, tags))
                el.clear()
            elif el.tag == "relation":
                el.clear()
    except ET.ParseError as exc:
        raise RoadFileError(f"{path}: not valid OSM XML ({exc})") from None
    line_tags: list[dict[str, Any]] = []
    keys_l: list[int] = []
    coords_l: list[tuple[float, float]] = []
    offsets = [0]
    missing = 0
    for refs, tags in ways:
        known = [r for r in refs if r in node_pos]
        missing += len(refs) - len(known)
        if len(known) < 2:
            continue
        keys_l.extend(known)
        coords_l.extend(node_pos[r] for r in known)
        offsets.append(len(keys_l))
        line_tags.append(tags)
    return (line_tags, np.array(keys_l, dtype=np.int64), np.array(coords_l, dtype=np.float64).reshape(-1, 2),
            np.array(offsets, dtype=np.int64))


def build_from_osm(path: str | os.PathLike[str], crs: str | None = None,
                   speeds: SpeedTable | None = None) -> tuple[RoadGraph, BuildReport]:
    """Drivable road graph from an OpenStreetMap `.osm.pbf` or `.osm` (XML) file."""
    path = os.fspath(path)
    p = Path(path)
    if not p.is_file():
        raise RoadFileError(f"{path}: no such file")
    if p.stat().st_size == 0:
        raise RoadFileError(f"{path}: file is empty")
    name = p.name.lower()
    if name.endswith(".pbf"):
        tags, keys, coords, offsets = _read_pbf(path)
    elif name.endswith(".osm") or name.endswith(".xml"):
        tags, keys, coords, offsets = _read_xml(path)
    else:
        raise RoadFileError(f"{path}: not an OpenStreetMap file (expected .osm.pbf or .osm)")
    if not tags:
        raise RoadFileError(f"{path}: no drivable roads found")
    graph, report = _from_lines(path, tags, keys, coords, offsets, crs, speeds, source=p.name)
    return graph, report


def _records(items: Iterable[Any]) -> list[Any]:  # pragma: no cover - tiny helper kept for clarity
    return list(items)


__all__ = ["build_from_osm"]
_ = math
