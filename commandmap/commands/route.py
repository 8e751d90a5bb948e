"""`commandmap route ...`: routing from the command line, for scripting and checking.

  commandmap route nearest  --roads FILE|demo --scene LON,LAT --officers officers.csv --k 5 --json
  commandmap route coverage --roads FILE|demo --officers officers.csv --limit 300 [--points pts.csv] [--geojson out]
  commandmap route build    --roads FILE [--out graph.cmgraph]

Officer CSV: columns id,lon,lat (empty lon/lat = no fix); optional `mode` (foot/ebike/car)
and `exclude` (a reason such as stale_fix: the officer is reported, not routed).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("route", help="nearest officers, coverage and graph building from the command line",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="route_command", metavar="ACTION", required=True)

    def roads_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--roads", required=True, metavar="FILE|demo[:SCALE[:SEED]]",
                       help="road file (.osm.pbf, .osm, .geojson, .gpkg, .shp, .cmgraph) or the demo city")
        p.add_argument("--no-cache", action="store_true", help="rebuild the graph instead of using the cache")

    p = sub.add_parser("nearest", help="the k officers with the shortest ETA to a scene")
    roads_arg(p)
    p.add_argument("--scene", required=True, metavar="LON,LAT")
    p.add_argument("--officers", required=True, metavar="CSV", help="columns id,lon,lat[,mode][,exclude]")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--mode", default="car", help="travel mode(s): foot, ebike, car (comma-separated with a mode column)")
    p.add_argument("--max-time", type=float, default=None, metavar="S", help="leave out officers slower than this")
    p.add_argument("--json", action="store_true", help="print JSON: [{id, eta_s, distance_m, path_lonlat}]")
    p.set_defaults(func=run_nearest)

    p = sub.add_parser("coverage", help="drive time from the nearest officer; share of points reached in time")
    roads_arg(p)
    p.add_argument("--officers", required=True, metavar="CSV")
    p.add_argument("--mode", default="car", choices=("foot", "ebike", "car"))
    p.add_argument("--limit", type=float, default=300.0, metavar="S", help="reach threshold in seconds (default 300)")
    p.add_argument("--points", metavar="CSV", help="points to score (columns lon,lat; e.g. sites or grid centroids)")
    p.add_argument("--geojson", metavar="OUT", help="write the reach area polygons (lon/lat) to this GeoJSON file")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run_coverage)

    p = sub.add_parser("build", help="build a road graph, print what was kept and dropped, optionally save it")
    roads_arg(p)
    p.add_argument("--out", metavar="FILE.cmgraph", help="save the built graph here")
    p.set_defaults(func=run_build)


# ---- inputs ------------------------------------------------------------------------------
def parse_lonlat(text: str, what: str = "--scene") -> tuple[float, float]:
    try:
        lon_s, lat_s = text.split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise UserError(f"{what} {text!r}: expected LON,LAT (e.g. 121.55,29.87)") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
        raise UserError(f"{what} {text!r}: longitude must be within ±180 and latitude within ±90")
    return lon, lat


def _float_or_nan(value: str | None, path: str, line: int, col: str) -> float:
    if value is None or value.strip() == "":
        return math.nan
    try:
        return float(value)
    except ValueError:
        raise UserError(f"{path}: line {line}: {col} {value!r} is not a number") from None


@dataclass
class OfficerRows:
    """The officers of a CSV as routing takes them: routing numbers candidates 0..n-1 and `labels`
    holds each one's id as written (badges such as NB1203385 are ids too)."""

    candidates: Any
    labels: list[str]
    invalid: list[str]        # one line per officer whose coordinates cannot be a position

    def label(self, index: int) -> str | int:
        text = self.labels[int(index)]
        return int(text) if _INT.fullmatch(text) else text

    def warn_invalid(self) -> None:
        for line in self.invalid:
            print(f"commandmap: {line}", file=sys.stderr)


_INT = re.compile(r"-?\d+")


def read_officers(path: str) -> OfficerRows:
    from routing import Candidates
    rows = _read_csv(path, ("id", "lon", "lat"))
    labels: list[str] = []
    lonlat, modes, excluded, invalid = [], [], {}, []
    first_line: dict[str, int] = {}
    for line, row in rows:
        label = row["id"].strip()
        if not label:
            raise UserError(f"{path}: line {line}: the id is empty")
        if label in first_line:
            raise UserError(f"{path}: line {line}: id {label!r} is already used on line {first_line[label]}")
        first_line[label] = line
        index = len(labels)
        labels.append(label)
        lon, lat = _float_or_nan(row["lon"], path, line, "lon"), _float_or_nan(row["lat"], path, line, "lat")
        if (math.isnan(lon) and math.isnan(lat)) or (math.isfinite(lon) and math.isfinite(lat)
                                                      and abs(lon) <= 180 and abs(lat) <= 90):
            lonlat.append((lon, lat))
        else:   # NaN means "no fix"; anything else out of range is a broken position, named as such
            lonlat.append((math.nan, math.nan))
            excluded[index] = "invalid_fix"
            invalid.append(f"{path}: line {line}: officer {label} has invalid coordinates "
                           f"({row['lon'] or 'empty'},{row['lat'] or 'empty'}): left out")
        if row.get("mode"):
            modes.append(row["mode"].strip())
        if row.get("exclude") and index not in excluded:
            excluded[index] = row["exclude"].strip()
    if not labels:
        raise UserError(f"{path}: no officers")
    if modes and len(modes) != len(labels):
        raise UserError(f"{path}: the mode column must be filled for every officer or for none")
    try:
        cands = Candidates(ids=np.arange(len(labels)), lonlat=np.array(lonlat, dtype=np.float64).reshape(-1, 2),
                           modes=modes or None, excluded=excluded or None)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None
    return OfficerRows(cands, labels, invalid)


def _read_csv(path: str, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip() for f in (reader.fieldnames or [])]
            missing = [c for c in required if c not in fields]
            if missing:
                raise UserError(f"{path}: missing column(s) {', '.join(missing)} (found: {', '.join(fields) or 'none'})")
            rows = []
            for i, raw in enumerate(reader, start=2):
                rows.append((i, {(k or "").strip(): (v or "") for k, v in raw.items()}))
            return rows
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text") from None


# ---- actions -----------------------------------------------------------------------------
def run_nearest(args: argparse.Namespace) -> int:
    from routing import nearest
    if args.k < 1:
        raise UserError("--k must be at least 1")
    scene = parse_lonlat(args.scene)
    officers = read_officers(args.officers)
    cands = officers.candidates
    officers.warn_invalid()
    from ..services.roads import load_roads
    graph, _ = load_roads(args.roads, not args.no_cache)
    modes = [m.strip() for m in args.mode.split(",") if m.strip()]
    try:
        res = nearest(graph, scene, cands, k=args.k, max_time_s=args.max_time,
                      mode=modes[0] if len(modes) == 1 and cands.modes is None else modes)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        json.dump([{"id": officers.label(p.id),
                    **{k: v for k, v in p.as_dict().items() if k in ("eta_s", "distance_m", "path_lonlat")}}
                   for p in res.picked], sys.stdout)
        sys.stdout.write("\n")
    else:
        print(f"scene {scene[0]:.6f},{scene[1]:.6f}: {res.status}; {len(res.picked)} of {len(cands)} officers picked")
        for p in res.picked:
            print(f"  {p.rank}. id {officers.label(p.id)}: ETA {p.eta_s:7.1f} s ({p.eta_s / 60:4.1f} min), "
                  f"{p.distance_m:8.0f} m by road, {p.mode}, {p.snap_distance_m:.0f} m from the road")
        counts: dict[str, int] = {}
        for _id, why in res.left_out:
            counts[why] = counts.get(why, 0) + 1
        if counts:
            print("  left out: " + ", ".join(f"{n} {why}" for why, n in sorted(counts.items())))
    if res.status != "ok":
        print(f"commandmap: {res.status.replace('_', ' ')}", file=sys.stderr)
        return 1
    return 0


def run_coverage(args: argparse.Namespace) -> int:
    from routing import coverage
    if not (args.limit >= 0):
        raise UserError("--limit must be >= 0")
    officers = read_officers(args.officers)
    cands = officers.candidates
    officers.warn_invalid()
    from ..services.roads import load_roads
    graph, _ = load_roads(args.roads, not args.no_cache)
    excluded = set((cands.excluded or {}).keys())
    # used: a position to start from and no reason to leave it out
    keep = np.array([i not in excluded for i in cands.ids.tolist()]) & np.isfinite(cands.lonlat).all(axis=1)
    cov = coverage(graph, cands.lonlat[keep], mode=args.mode, limit_s=args.limit)
    eta = cov.eta_s
    reached = np.isfinite(eta)
    summary: dict[str, Any] = {
        "mode": args.mode, "limit_s": args.limit, "officers": int(len(cands)), "officers_used": int(keep.sum()),
        "officers_on_network": cov.n_origins_on_network, "nodes": int(len(eta)),
        "nodes_within_limit": int((eta <= args.limit).sum()),
        "share_nodes_within": float((eta <= args.limit).mean()),
        "eta_p50_s": float(np.percentile(eta[reached], 50)) if reached.any() else None,
        "eta_p95_s": float(np.percentile(eta[reached], 95)) if reached.any() else None,
    }
    if args.points:
        rows = _read_csv(args.points, ("lon", "lat"))
        pts = np.array([(_float_or_nan(r["lon"], args.points, i, "lon"), _float_or_nan(r["lat"], args.points, i, "lat"))
                        for i, r in rows], dtype=np.float64).reshape(-1, 2)
        if len(pts) == 0:
            raise UserError(f"{args.points}: no points")
        summary["points"] = int(len(pts))
        summary["share_points_within"] = cov.share_within(pts, args.limit)
    if args.geojson:
        import shapely
        geom = cov.polygons_lonlat(args.limit)
        doc = {"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"limit_s": args.limit, "mode": args.mode},
            "geometry": json.loads(shapely.to_geojson(geom))}]}
        try:
            Path(args.geojson).write_text(json.dumps(doc), encoding="utf-8")
        except OSError as exc:
            raise UserError(f"{args.geojson}: cannot write ({exc.strerror})") from None
        summary["geojson"] = args.geojson
    if args.json:
        print(json.dumps(summary))
    else:
        for k, v in summary.items():
            print(f"{k:22s} {v:.3f}" if isinstance(v, float) else f"{k:22s} {v}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    from ..services.roads import load_roads
    graph, report = load_roads(args.roads, use_cache=not args.no_cache and not args.out)
    print(report if report is not None else f"{graph!r} (from cache)")
    if args.out:
        try:
            graph.save(args.out)
        except OSError as exc:
            raise UserError(f"{args.out}: cannot write ({exc.strerror})") from None
        print(f"saved {args.out}")
    return 0
