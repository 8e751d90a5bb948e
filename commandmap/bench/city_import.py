"""City import: a 50,000-site registry (CSV, GCJ-02) and a 25,000-officer roster (XLSX) into a scratch store.

Writes a synthetic city folder (4 districts, 16 towns, 144 grids over 40 x 40 km
around Ningbo, as GeoJSON), then times the import through the same service the
command line uses: first import, an unchanged re-import, and a re-import with
5 % of the roster and registry changed. The target is under a minute for the
first import. Scratch SQLite store only, never the user's store.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import numpy as np

TARGET_S = 60.0
_CITY_M = 40_000.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sites", type=int, default=50_000, help="registry rows (default 50,000)")
    parser.add_argument("--officers", type=int, default=25_000, help="roster rows (default 25,000)")
    parser.add_argument("--seed", type=int, default=1)


def _write_city(folder: Path, n_sites: int, n_officers: int, rng: np.random.Generator,
                changed: float = 0.0) -> None:
    import geopandas as gpd
    import openpyxl
    from shapely.geometry import box

    from ..services.catalogue import load_catalogue
    from ..services.city_import.coords import from_wgs84
    from routing.projection import geom_to_lonlat, to_lonlat, to_xy

    crs = "EPSG:32651"
    x0, y0 = to_xy(crs, np.array([[121.35, 29.70]]))[0]

    def cells(bx: tuple[float, float, float, float], n: int) -> list[tuple[float, float, float, float]]:
        xs, ys = np.linspace(bx[0], bx[2], n + 1), np.linspace(bx[1], bx[3], n + 1)
        return [(xs[i], ys[j], xs[i + 1], ys[j + 1]) for j in range(n) for i in range(n)]

    levels: dict[str, list[tuple[str, str, tuple[float, float, float, float]]]] = {"d": [], "t": [], "g": []}
    for d, dc in enumerate(cells((x0, y0, x0 + _CITY_M, y0 + _CITY_M), 2)):
        levels["d"].append((f"D{d}", "", dc))
        for t, tc in enumerate(cells(dc, 2)):
            levels["t"].append((f"D{d}T{t}", f"D{d}", tc))
            for g, gc in enumerate(cells(tc, 3)):
                levels["g"].append((f"D{d}T{t}G{g}", f"D{d}T{t}", gc))
    for key, name in (("d", "districts"), ("t", "towns"), ("g", "grids")):
        rows = levels[key]
        gpd.GeoDataFrame({"code": [r[0] for r in rows], "name": [f"区域{r[0]}" for r in rows],
                          "parent": [r[1] for r in rows]},
                         geometry=[geom_to_lonlat(crs, box(*r[2])) for r in rows],
                         crs="EPSG:4326").to_file(folder / f"{name}.geojson", driver="GeoJSON")
    cat = load_catalogue()
    towns = [r[0] for r in levels["t"]]
    depts = [d.code for d in cat.departments]
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("roster")
    ws.append(["badge", "name", "department", "home_town", "mode", "skills", "device_id", "on_duty"])
    for i in range(n_officers):
        name = f"警员{i}" + ("改" if rng.random() < changed else "")
        ws.append([f"B{i:06d}", name, depts[i % len(depts)], towns[i % len(towns)], ("foot", "ebike", "car")[i % 3],
                   "", f"dev{i:06d}", "是" if i % 7 else "否"])
    book.save(folder / "roster.xlsx")
    margin = 200.0
    xy = np.column_stack([rng.uniform(x0 + margin, x0 + _CITY_M - margin, n_sites),
                          rng.uniform(y0 + margin, y0 + _CITY_M - margin, n_sites)])
    gcj = from_wgs84("gcj02", to_lonlat(crs, xy))
    codes = [c.code for c in cat.site_categories]
    with (folder / "sites.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "category", "address", "risk_level", "lon", "lat"])
        for i in range(n_sites):
            w.writerow([f"S{i:07d}", f"场所{i}" + ("改" if rng.random() < changed else ""), codes[i % len(codes)],
                        f"地址{i}", 1 + i % 4, f"{gcj[i, 0]:.7f}", f"{gcj[i, 1]:.7f}"])
    (folder / "city.toml").write_text(
        'name = "基准市"\n[districts]\npath = "districts.geojson"\n[towns]\npath = "towns.geojson"\n'
        '[grids]\npath = "grids.geojson"\n[officers]\npath = "roster.xlsx"\n'
        '[sites]\npath = "sites.csv"\ncrs = "gcj02"\n', encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    from ..services.city_import import import_city
    from ..store.migrate import open_store

    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="cm-bench-city-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        _write_city(folder, args.sites, args.officers, rng)
        print(f"wrote the test city ({args.sites:,} sites, {args.officers:,} officers) in "
              f"{time.perf_counter() - t0:.1f} s")
        engine = open_store(f"sqlite:///{folder / 'store.sqlite3'}")
        try:
            rows = []
            for label in ("first import", "re-import, unchanged", "re-import, 5 % changed"):
                if "5 %" in label:
                    _write_city(folder, args.sites, args.officers, np.random.default_rng(args.seed), changed=0.05)
                t0 = time.perf_counter()
                report = import_city(engine, folder / "city.toml")
                elapsed = time.perf_counter() - t0
                if not report.written:
                    print("\n".join(report.lines(20)))
                    return 1
                rows.append((label, elapsed, report))
        finally:
            engine.dispose()
    print(f"{'run':<26}{'total s':>9}{'check s':>9}{'write s':>9}   officers / sites")
    for label, elapsed, report in rows:
        o, s = report.changes["officers"], report.changes["sites"]
        print(f"{label:<26}{elapsed:>9.1f}{report.timings_s.get('check', 0):>9.1f}"
              f"{report.timings_s.get('write', 0):>9.1f}   +{o.added}/~{o.updated} / +{s.added}/~{s.updated}")
    print("first import, by step (s): " + ", ".join(f"{k} {v:.1f}" for k, v in rows[0][2].timings_s.items()))
    first = rows[0][1]
    print(f"first import {first:.1f} s: {'within' if first < TARGET_S else 'OVER'} the {TARGET_S:.0f} s target")
    return 0
