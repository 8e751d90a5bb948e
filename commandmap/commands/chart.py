"""`commandmap chart`: the analyst's response-time charts, headless — the charts dock's own
drawing (pyqtgraph), written as PNG (any size), a vector PDF page or the figures as CSV.

  --kind all           the four charts of the dock on one sheet (default)
         response      response-time distribution of --stage with p50/p90 and the target
         district      1-minute contact and 5-minute arrival compliance by district
         hour          the same by hour of day
         utilisation   share of on-duty time on tasks, by department

Times (--from/--to) are ISO dates or date-times; without an offset they are Beijing time.
The format follows --out's extension (.png, .pdf, .csv) unless --format says otherwise.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..cliargs import add_db_argument
from ..errors import UserError

FORMATS = ("png", "pdf", "csv")
KINDS = ("all", "response", "district", "hour", "utilisation")
STAGES = ("reported_to_dispatched", "dispatched_to_acknowledged", "dispatched_to_arrived")
VIEW_PX = (1600, 1000)       # the panel is laid out at this size (type stays readable); PNG scales to --size


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("chart", help="write the response-time charts as png, pdf or csv",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, metavar="FILE", help="the file to write (.png, .pdf or .csv)")
    parser.add_argument("--format", choices=FORMATS, default=None, help="default: from --out's extension")
    parser.add_argument("--kind", choices=KINDS, default="all", help="which chart (default: all four)")
    parser.add_argument("--stage", choices=STAGES, default="dispatched_to_arrived",
                        help="the stage of the response-time chart (default dispatched_to_arrived)")
    parser.add_argument("--from", dest="start", metavar="TIME",
                        help="incidents reported from this time (default: the whole history)")
    parser.add_argument("--to", dest="end", metavar="TIME", help="… until this time (default: now)")
    parser.add_argument("--district", metavar="NAME", default=None, help="one district by name (default: all)")
    parser.add_argument("--size", metavar="WxH",
                        help="png: pixels (default 1600x1000); pdf: page in mm (default 297x210, A4 landscape)")
    parser.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN", help="language of the labels")
    add_db_argument(parser)
    parser.set_defaults(func=run)


def _format(args: argparse.Namespace, out: Path) -> str:
    fmt = args.format or out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError(f"--out: cannot tell the format from {out.name!r}; name it .png, .pdf or .csv, "
                        "or give --format")
    return fmt


def run(args: argparse.Namespace) -> int:
    from ..services.charts import chart_data, district_names, write_csv
    from ..services.exports.window import TimeWindow, WindowError
    from ..store.migrate import open_store
    from .export import parse_size

    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError(f"--out: folder {out.parent} does not exist")
    fmt = _format(args, out)
    try:
        window = TimeWindow.parse(args.start, args.end)
    except WindowError as exc:
        raise UserError(str(exc)) from None
    size = parse_size(args.size) if args.size else None
    if fmt == "png" and size is not None and not (16 <= size[0] <= 16_000 and 16 <= size[1] <= 16_000):
        raise UserError(f"--size: {args.size!r} is outside 16…16000 pixels a side")
    if fmt == "pdf" and size is not None and not (50 <= size[0] <= 2000 and 50 <= size[1] <= 2000):
        raise UserError(f"--size: {args.size!r} is outside 50…2000 mm a side")
    engine = open_store(getattr(args, "db", None))
    try:
        names = district_names(engine)
        if args.district is not None and args.district not in names:
            raise UserError(f"--district: no district {args.district!r}; districts are: {', '.join(names)}")
        data = chart_data(engine, window, args.district)
    finally:
        engine.dispose()
    if fmt == "csv":
        print(write_csv(data, out))
        return 0
    print(_draw(data, names, args, out, fmt, size))
    return 0


def _draw(data, names, args, out, fmt, size):  # type: ignore[no-untyped-def]
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")     # a chart never needs a screen
    from PySide6.QtWidgets import QApplication

    from ..ui.charts_dock import ChartsPanel
    from ..ui.language import apply_language

    app = QApplication.instance() or QApplication(["commandmap-chart"])
    apply_language(app, args.lang)
    panel = ChartsPanel(lambda w, d: data, names)
    try:
        vw, vh = VIEW_PX
        if fmt == "png" and size is not None:
            vh = int(round(vw * size[1] / size[0]))
        elif fmt == "pdf":
            w_mm, h_mm = size or (297.0, 210.0)
            vh = int(round(vw * h_mm / w_mm))
        panel.view.setFixedSize(vw, vh)
        panel.show()
        app.processEvents()
        panel.stage.setCurrentIndex(STAGES.index(args.stage))
        panel.set_data(data)
        app.processEvents()
        if fmt == "png":
            return panel.export_png(out, int(size[0]) if size else vw, kind=args.kind)
        return panel.export_pdf(out, kind=args.kind, page_mm=size or (297.0, 210.0))
    finally:
        panel.close()
        panel.deleteLater()
