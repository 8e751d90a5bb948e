"""A small city the tests write themselves, in the formats a command centre brings:
districts as a Shapefile, towns as GeoJSON, grids in a GeoPackage layer, roads as
OSM XML, departments as CSV, the roster as XLSX, the site registry as CSV in GCJ-02.

Layout (metres east/north of a point in Ningbo, UTM 51N): two districts side by
side, one town each, each town split into two grids; a street every 500 m.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import prcoords
from shapely.geometry import box

from commandmap.services.catalogue import load_catalogue
from routing.projection import to_lonlat, to_xy, utm_crs_for

ORIGIN = (121.55, 29.87)
CRS = utm_crs_for(np.array([ORIGIN]))
_BASE = to_xy(CRS, np.array([ORIGIN]))[0]


def ll(x: float, y: float) -> tuple[float, float]:
    p = to_lonlat(CRS, np.array([[x + _BASE[0], y + _BASE[1]]]))[0]
    return float(p[0]), float(p[1])


def lonlat_box(x0: float, y0: float, x1: float, y1: float, n: int = 8):  # type: ignore[no-untyped-def]
    """A box in metres as a lon/lat polygon (densified so it stays straight in metres)."""
    from shapely.geometry import Polygon
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y0, y1, n)
    ring = ([(x, y0) for x in xs] + [(x1, y) for y in ys[1:]] + [(x, y1) for x in xs[::-1][1:]]
            + [(x0, y) for y in ys[::-1][1:]])
    return Polygon([ll(x, y) for x, y in ring])


DISTRICTS = [("D1", "西区", (0, 0, 2000, 2000)), ("D2", "东区", (2000, 0, 4000, 2000))]
TOWNS = [("T1", "西街道", "D1", (0, 0, 2000, 2000)), ("T2", "东街道", "D2", (2000, 0, 4000, 2000))]
GRIDS = [("G1a", "西一网格", "T1", (0, 0, 1000, 2000)), ("G1b", "西二网格", "T1", (1000, 0, 2000, 2000)),
         ("G2a", "东一网格", "T2", (2000, 0, 3000, 2000)), ("G2b", "东二网格", "T2", (3000, 0, 4000, 2000))]

OFFICER_HEADER = ["警号", "姓名", "部门", "镇街", "方式", "技能", "设备", "在岗"]
SITE_HEADER = ["编号", "名称", "类别", "地址", "风险", "经度", "纬度"]


@dataclass
class FixtureCity:
    folder: Path
    toml: Path
    site_truth: dict[str, tuple[float, float]] = field(default_factory=dict)   # external id -> WGS84
    site_grid: dict[str, str] = field(default_factory=dict)
    officers: list[list[object]] = field(default_factory=list)
    sites: list[list[object]] = field(default_factory=list)


def default_officers() -> list[list[object]]:
    return [["A001", "张一", "zhzf", "T1", "car", "drone;first_aid", "dev-1", "是"],
            ["A002", "李二", "zhzf", "T1", "car", "", "dev-2", "是"],
            ["A003", "王三", "zhzf", "T2", "car", "", "dev-3", "是"],
            ["A004", "赵四", "scjg", "T2", "ebike", "", "dev-4", 1],
            ["A005", "钱五", "zhzf", "T2", "foot", "", "", "否"]]


def default_sites() -> list[list[object]]:
    """Sites in WGS84 metres (x, y): written out converted to GCJ-02."""
    return [["S1", "老街面馆", "catering", "西街 1 号", 2, 300, 300],
            ["S2", "好又多超市", "shop", "西街 9 号", 1, 1500, 1200],
            ["S3", "东方工地", "construction_site", "东路 3 号", 3, 2600, 700],
            ["S4", "星光网吧", "catering", "东路 8 号", 1, 3700, 1800]]


def gcj(lon: float, lat: float) -> tuple[float, float]:
    c = prcoords.wgs_gcj((lat, lon), False)
    return float(c.lon), float(c.lat)


def _areas(rows, with_parent: bool) -> gpd.GeoDataFrame:  # type: ignore[no-untyped-def]
    data = {"名称": [r[1] for r in rows], "编码": [r[0] for r in rows]}
    if with_parent:
        data["上级"] = [r[2] for r in rows]
    return gpd.GeoDataFrame(data, geometry=[lonlat_box(*r[-1]) for r in rows], crs="EPSG:4326")


def write_osm(path: Path, step_m: float = 500.0, width_m: float = 4000.0, height_m: float = 2000.0) -> None:
    xs = np.arange(0, width_m + 1, step_m)
    ys = np.arange(0, height_m + 1, step_m)
    ids = {}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            nid = 1 + i * len(ys) + j
            ids[i, j] = nid
            lon, lat = ll(float(x), float(y))
            lines.append(f'<node id="{nid}" lat="{lat:.8f}" lon="{lon:.8f}"/>')
    way = 1000
    for j in range(len(ys)):
        way += 1
        refs = "".join(f'<nd ref="{ids[i, j]}"/>' for i in range(len(xs)))
        lines.append(f'<way id="{way}">{refs}<tag k="highway" v="residential"/><tag k="name" v="横{j}路"/></way>')
    for i in range(len(xs)):
        way += 1
        refs = "".join(f'<nd ref="{ids[i, j]}"/>' for j in range(len(ys)))
        lines.append(f'<way id="{way}">{refs}<tag k="highway" v="tertiary"/><tag k="name" v="纵{i}路"/></way>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")


def write_roster(path: Path, rows: list[list[object]]) -> None:
    import openpyxl
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "名册"
    ws.append(OFFICER_HEADER)
    for r in rows:
        ws.append(r)
    book.save(path)


def write_registry(path: Path, rows: list[list[object]], city: FixtureCity | None = None) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(SITE_HEADER)
        for r in rows:
            if isinstance(r[5], (int, float)) and isinstance(r[6], (int, float)):
                lon, lat = ll(float(r[5]), float(r[6]))
                if city is not None:
                    city.site_truth[str(r[0])] = (lon, lat)
                glon, glat = gcj(lon, lat)
                w.writerow([*r[:5], f"{glon:.8f}", f"{glat:.8f}"])
            else:
                w.writerow(r)


TOML = """\
name = "测试市"
nesting_tolerance_m = 20

[districts]
path = "districts.shp"
columns = { name = "名称", code = "编码" }

[towns]
path = "towns.geojson"
columns = { name = "名称", code = "编码", parent = "上级" }

[grids]
path = "areas.gpkg"
layer = "grids"
columns = { name = "名称", code = "编码", parent = "上级" }

[roads]
path = "roads.osm"

[departments]
path = "departments.csv"

[officers]
path = "roster.xlsx"
sheet = "名册"
columns = { badge = "警号", name = "姓名", department = "部门", home_town = "镇街", mode = "方式", skills = "技能", device_id = "设备", on_duty = "在岗" }

[sites]
path = "registry.csv"
crs = "gcj02"
columns = { id = "编号", name = "名称", category = "类别", address = "地址", risk_level = "风险", lon = "经度", lat = "纬度" }
"""


def write_city(folder: Path, officers: list[list[object]] | None = None,
               sites: list[list[object]] | None = None) -> FixtureCity:
    folder.mkdir(parents=True, exist_ok=True)
    city = FixtureCity(folder, folder / "city.toml")
    _areas(DISTRICTS, False).to_file(folder / "districts.shp", encoding="utf-8")
    _areas(TOWNS, True).to_file(folder / "towns.geojson", driver="GeoJSON")
    _areas(GRIDS, True).to_file(folder / "areas.gpkg", layer="grids", driver="GPKG")
    write_osm(folder / "roads.osm")
    with (folder / "departments.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name"])
        for d in load_catalogue().departments:
            w.writerow([d.code, d.name])
    city.officers = default_officers() if officers is None else officers
    write_roster(folder / "roster.xlsx", city.officers)
    city.sites = default_sites() if sites is None else sites
    write_registry(folder / "registry.csv", city.sites, city)
    for r in city.sites:
        if isinstance(r[5], (int, float)):
            x = float(r[5])
            city.site_grid[str(r[0])] = "G1a" if x < 1000 else "G1b" if x < 2000 else "G2a" if x < 3000 else "G2b"
    city.toml.write_text(TOML, encoding="utf-8")
    return city
