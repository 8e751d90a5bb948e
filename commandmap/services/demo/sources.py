"""Read the demo city's source data from `data/` with clear errors.

The generator only combines these files with a seeded random generator, so a
wrong name or position is fixed in the data file, not in code.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from routing.projection import utm_crs_for

from ...paths import data_dir


class DemoDataError(ValueError):
    """A demo source file is missing or malformed; the message names file and field."""


@dataclass(frozen=True)
class DistrictSource:
    code: str
    name: str
    name_en: str
    population: int
    geom_ll: MultiPolygon


@dataclass(frozen=True)
class TownSource:
    district_code: str
    name: str
    name_en: str
    kind: str          # 街道 / 镇 / 乡
    seed_lonlat: tuple[float, float]
    urban: bool


@dataclass(frozen=True)
class UrbanCore:
    name: str
    lonlat: tuple[float, float]
    core_radius_m: float


@dataclass(frozen=True)
class Polyline:
    name: str
    lonlat: tuple[tuple[float, float], ...]
    width_m: float = 0.0


@dataclass(frozen=True)
class Lake:
    name: str
    center_lonlat: tuple[float, float]
    radius_x_m: float
    radius_y_m: float


def _folder() -> Path:
    return data_dir()


def _json(path: Path) -> Any:
    if not path.is_file():
        raise DemoDataError(f"{path}: demo source file is missing")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DemoDataError(f"{path.name}: not valid UTF-8 JSON ({exc})") from None


def _csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise DemoDataError(f"{path}: demo source file is missing")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DemoDataError(f"{path.name}: missing column(s) {', '.join(missing)}")
        rows = []
        for row in reader:
            if None in row or any(v is None or not v.strip() for k, v in row.items() if k in required):
                raise DemoDataError(f"{path.name} line {reader.line_num}: a required field is empty or missing")
            rows.append((reader.line_num, {k: v.strip() for k, v in row.items()}))
    return rows


def _float(path: Path, line: int, row: dict[str, str], col: str) -> float:
    try:
        return float(row[col])
    except ValueError:
        raise DemoDataError(f"{path.name} line {line}: field {col!r} is not a number: {row[col]!r}") from None


def _lonlat_list(path: Path, where: str, raw: Any) -> tuple[tuple[float, float], ...]:
    try:
        pts = tuple((float(p[0]), float(p[1])) for p in raw)
    except (TypeError, ValueError, IndexError):
        raise DemoDataError(f"{path.name}: {where}: 'lonlat' must be a list of [lon, lat] pairs") from None
    if len(pts) < 2 or not all(73 < x < 136 and 3 < y < 54 for x, y in pts):
        raise DemoDataError(f"{path.name}: {where}: needs >= 2 points inside China's lon/lat range")
    return pts


@lru_cache(maxsize=1)
def districts() -> tuple[DistrictSource, ...]:
    path = _folder() / "ningbo_districts.geojson"
    fc = _json(path)
    out = []
    for i, feat in enumerate(fc.get("features", [])):
        props = feat.get("properties") or {}
        for key in ("code", "name", "name_en", "population"):
            if key not in props:
                raise DemoDataError(f"{path.name}: feature {i} has no property {key!r}")
        try:
            geom = shape(feat["geometry"])
        except Exception as exc:  # shapely raises several types for bad GeoJSON
            raise DemoDataError(f"{path.name}: feature {i} ({props['code']}): bad geometry ({exc})") from None
        if isinstance(geom, Polygon):
            geom = MultiPolygon([geom])
        if not isinstance(geom, MultiPolygon) or geom.is_empty or not geom.is_valid:
            raise DemoDataError(f"{path.name}: feature {i} ({props['code']}): geometry must be a valid (Multi)Polygon")
        out.append(DistrictSource(str(props["code"]), str(props["name"]), str(props["name_en"]),
                                  int(props["population"]), geom))
    if not out:
        raise DemoDataError(f"{path.name}: no district features")
    return tuple(out)


@lru_cache(maxsize=1)
def towns() -> tuple[TownSource, ...]:
    path = _folder() / "demo" / "towns.csv"
    codes = {d.code for d in districts()}
    out = []
    seen: set[tuple[str, str]] = set()
    for line, row in _csv(path, ("district_code", "name", "name_en", "kind", "seed_lon", "seed_lat", "urban")):
        if row["district_code"] not in codes:
            raise DemoDataError(f"{path.name} line {line}: unknown district_code {row['district_code']!r}")
        key = (row["district_code"], row["name"])
        if key in seen:
            raise DemoDataError(f"{path.name} line {line}: duplicate town {row['name']!r}")
        seen.add(key)
        if row["urban"] not in ("0", "1"):
            raise DemoDataError(f"{path.name} line {line}: field 'urban' must be 0 or 1")
        out.append(TownSource(row["district_code"], row["name"], row["name_en"], row["kind"],
                              (_float(path, line, row, "seed_lon"), _float(path, line, row, "seed_lat")),
                              row["urban"] == "1"))
    missing = codes - {t.district_code for t in out}
    if missing:
        raise DemoDataError(f"{path.name}: no towns for district(s) {', '.join(sorted(missing))}")
    return tuple(out)


@lru_cache(maxsize=1)
def crs() -> str:
    """The demo city's metric CRS, picked from its own towns (UTM 51N for Ningbo) and recorded
    with the city in the store: every demo module projects with it, none names a zone."""
    return utm_crs_for(np.array([t.seed_lonlat for t in towns()], dtype=np.float64))


@lru_cache(maxsize=1)
def urban_cores() -> tuple[UrbanCore, ...]:
    path = _folder() / "demo" / "urban_cores.csv"
    return tuple(UrbanCore(row["name"], (_float(path, line, row, "lon"), _float(path, line, row, "lat")),
                           _float(path, line, row, "core_radius_km") * 1000.0)
                 for line, row in _csv(path, ("name", "lon", "lat", "core_radius_km")))


@lru_cache(maxsize=1)
def expressways() -> tuple[Polyline, ...]:
    path = _folder() / "demo" / "expressways.json"
    doc = _json(path)
    out = []
    for i, item in enumerate(doc.get("expressways", [])):
        if not isinstance(item, dict) or not item.get("name"):
            raise DemoDataError(f"{path.name}: expressway {i} has no name")
        out.append(Polyline(str(item["name"]), _lonlat_list(path, f"expressway {i}", item.get("lonlat"))))
    return tuple(out)


@lru_cache(maxsize=1)
def water() -> tuple[tuple[Polyline, ...], tuple[Lake, ...]]:
    path = _folder() / "demo" / "water.json"
    doc = _json(path)
    rivers = []
    for i, item in enumerate(doc.get("rivers", [])):
        try:
            width = float(item["width_m"])
        except (KeyError, TypeError, ValueError):
            raise DemoDataError(f"{path.name}: river {i} needs a numeric width_m") from None
        rivers.append(Polyline(str(item.get("name", f"river {i}")), _lonlat_list(path, f"river {i}", item.get("lonlat")),
                               width))
    lakes = []
    for i, item in enumerate(doc.get("lakes", [])):
        try:
            lakes.append(Lake(str(item["name"]), (float(item["center_lonlat"][0]), float(item["center_lonlat"][1])),
                              float(item["radius_x_m"]), float(item["radius_y_m"])))
        except (KeyError, TypeError, ValueError, IndexError):
            raise DemoDataError(f"{path.name}: lake {i} needs name, center_lonlat, radius_x_m, radius_y_m") from None
    return tuple(rivers), tuple(lakes)


@lru_cache(maxsize=1)
def names() -> dict[str, Any]:
    path = _folder() / "demo" / "names.json"
    doc = _json(path)
    for key in ("surnames", "given_chars", "road_stems", "brand_words", "site_nouns", "petrol_brands"):
        if not doc.get(key):
            raise DemoDataError(f"{path.name}: missing or empty {key!r}")
    return doc


def land_ll() -> shapely.Geometry:
    """The union of the district outlines (lon/lat)."""
    return shapely.union_all([d.geom_ll for d in districts()])
