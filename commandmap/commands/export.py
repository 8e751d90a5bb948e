"""`commandmap export`: the analyst's pictures and files, headless.

  png / pdf      the map sheet (title, time, legend, scale bar, north arrow) drawn by the
                 map's own code: PNG at any --size in pixels, PDF as one vector page
                 (--size in millimetres, A3 landscape by default)
  html           an interactive map that works offline (Leaflet bundled beside it)
  geojson / csv / gpkg
                 data layers: incidents, tasks (every stage time), officer tracks for the
                 window, sites, districts/towns/grids — EPSG:4326, or --crs projected

Times (--from/--to) are ISO dates or date-times; without an offset they are Beijing time.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from ..cliargs import add_db_argument
from ..errors import UserError
from .common import add_user_argument, login_from_args

MAP_FORMATS = ("png", "pdf", "html")
DATA_FORMATS = ("geojson", "csv", "gpkg")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[x×]\s*(\d+(?:\.\d+)?)\s*$", re.IGNORECASE)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="export the map (png, pdf, html) or data (geojson, csv, gpkg)",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--format", required=True, choices=MAP_FORMATS + DATA_FORMATS, help="what to write")
    parser.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    parser.add_argument("--extent", metavar="W,S,E,N", help="map area in degrees (default: the whole city)")
    parser.add_argument("--size", metavar="WxH",
                        help="png: pixels (default 1920x1080, e.g. 7680x4320 for print); pdf: page in mm "
                             "(default 420x297, A3 landscape)")
    parser.add_argument("--layers", metavar="A,B,…",
                        help="map formats: the map layers to show (default: as in the app); data formats: the "
                             "layers to write (default: all of incidents,tasks,tracks,sites,districts,towns,grids)")
    parser.add_argument("--from", dest="start", metavar="TIME", help="start of the time window (data, heatmap)")
    parser.add_argument("--to", dest="end", metavar="TIME", help="end of the time window (data, heatmap)")
    parser.add_argument("--theme", dest="map_theme", choices=("workstation", "wall"), default="workstation",
                        help="map theme of png/pdf (default workstation: light, for print)")
    parser.add_argument("--title", default=None, help="title printed on the map sheet")
    parser.add_argument("--crs", choices=("wgs84", "projected"), default="wgs84",
                        help="data formats: EPSG:4326 (default) or the city's metric CRS")
    parser.add_argument("--heatmap", action="store_true",
                        help="png/pdf: show incident density over --from/--to on the map")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    add_user_argument(parser)
    add_db_argument(parser)
    parser.set_defaults(func=run)


def parse_size(text: str) -> tuple[float, float]:
    m = _SIZE.match(text)
    if not m or float(m.group(1)) <= 0 or float(m.group(2)) <= 0:
        raise UserError(f"--size: expected WIDTHxHEIGHT with positive numbers, e.g. 7680x4320, got {text!r}")
    return float(m.group(1)), float(m.group(2))


def parse_extent(text: str) -> tuple[float, float, float, float]:
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise UserError(f"--extent: expected W,S,E,N in degrees, e.g. 121.4,29.8,121.7,30.0, got {text!r}") from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise UserError(f"--extent: {text!r} is not west < east and south < north within ±180/±90 degrees")
    return w, s, e, n


def _layers(text: str | None) -> tuple[str, ...] | None:
    if not text:
        return None
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    if not names:
        raise UserError("--layers: give at least one layer name")
    return names


def _printer(quiet: bool):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()

    def show(stage: str, fraction: float) -> None:
        if not quiet:
            print(f"[{fraction * 100:5.1f}%] {time.perf_counter() - t0:6.1f}s  {stage}", file=sys.stderr, flush=True)
    return show


def run(args: argparse.Namespace) -> int:
    from ..services.exports.guard import permit_export, record_export
    from ..services.exports.window import TimeWindow, WindowError
    from ..store.migrate import open_store

    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError(f"--out: folder {out.parent} does not exist")
    try:
        window = TimeWindow.parse(args.start, args.end)
    except WindowError as exc:
        raise UserError(str(exc)) from None
    layers = _layers(args.layers)
    extent = parse_extent(args.extent) if args.extent else None
    progress = _printer(args.quiet)
    engine = open_store(getattr(args, "db", None))
    try:
        who = permit_export(engine, login_from_args(engine, args), args.format, out)   # refusals are audited
        try:
            if args.format in DATA_FORMATS:
                written = _export_data(engine, args, out, window, layers, progress)
            elif args.format == "html":
                written = _export_html(engine, out, layers, extent, args.title, progress)
            else:
                written = [_export_map(engine, args, out, window, layers, extent, progress)]
        except BaseException:
            record_export(engine, who, args.format, out, outcome="failed")
            raise
        record_export(engine, who, args.format, out, written)
    finally:
        engine.dispose()
    for path in written:
        print(path)
    return 0


def _export_data(engine, args, out, window, layers, progress):  # type: ignore[no-untyped-def]
    from ..services.exports.files import write_layers
    from ..services.exports.tables import LAYERS, WGS84, projected_crs, read_layers

    names = list(layers or LAYERS)
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise UserError(f"--layers: unknown data layer {unknown[0]!r}; data layers are: {', '.join(LAYERS)}")
    try:
        crs = WGS84 if args.crs == "wgs84" else projected_crs(engine)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    frames = read_layers(engine, names, window, crs=crs, progress=lambda n, f: progress(f"read {n}", 0.5 * f))
    return write_layers(frames, out, args.format, progress=lambda n, f: progress(f"wrote {n}", 0.5 + 0.5 * f))


def _export_map(engine, args, out, window, layers, extent, progress):  # type: ignore[no-untyped-def]
    from .export_map import DEFAULT_TITLE, MapSheet, render_sheet

    if args.size:
        w, h = parse_size(args.size)
    else:
        w, h = (420.0, 297.0) if args.format == "pdf" else (1920.0, 1080.0)
    if args.format == "png":
        w, h = int(round(w)), int(round(h))
    heat = None
    if args.heatmap:
        from ..services.heatmap import incident_density
        from ..services.exports.tables import projected_crs
        heat = incident_density(engine, projected_crs(engine), window).grid
    progress("drawing", 0.1)
    sheet = MapSheet(extent_lonlat=extent, size=(w, h), layers=layers, theme=args.map_theme,  # type: ignore[arg-type]
                     title=args.title or DEFAULT_TITLE)
    path = render_sheet(engine, sheet, out, args.format, heat=heat)
    progress("done", 1.0)
    return path


def _export_html(engine, out, layers, extent, title, progress):  # type: ignore[no-untyped-def]
    from ..services.exports.html_map import HTML_LAYERS, write_html_map
    from .export_map import DEFAULT_TITLE

    unknown = [n for n in (layers or ()) if n not in HTML_LAYERS]
    if unknown:
        raise UserError(f"--layers: unknown html layer {unknown[0]!r}; html layers are: {', '.join(HTML_LAYERS)}")
    write_html_map(engine, out, extent=extent, layers=layers, title=title or DEFAULT_TITLE, progress=progress)
    return [out]
