"""The map sheet of `commandmap export --format png|pdf`: the store's city and current
operation on a `LayerStack`, rendered by the map's own drawing code (layers.render),
headless. Not a subcommand itself (see export.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError

DEFAULT_TITLE = "指挥一张图 · CommandMap"


@dataclass(frozen=True)
class MapSheet:
    """What to draw: extent in lon/lat (None = the whole city), visible layers (None = the app's
    defaults), theme name, title; `size` is pixels for PNG and millimetres for PDF."""

    extent_lonlat: tuple[float, float, float, float] | None = None
    size: tuple[int, int] = (1920, 1080)
    layers: tuple[str, ...] | None = None
    theme: str = "workstation"
    title: str = DEFAULT_TITLE
    lang: str = "zh_CN"


def _qt_app() -> Any:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")     # an export never needs a screen
    from PySide6.QtWidgets import QApplication

    from ..ui.language import apply_language
    app = QApplication.instance() or QApplication(["commandmap-export"])
    return app, apply_language


def build_stack(engine: Any, sheet: MapSheet, *, heat: Any = None) -> tuple[Any, Any]:
    """(LayerStack with the city and the current snapshot, the city). `heat`: an optional
    RasterGrid shown on the heatmap layer."""
    from dataclasses import replace

    from layers.stack import LayerStack

    from ..live import LiveState
    from ..services.city import load_city_static

    city = load_city_static(engine)
    live = LiveState(engine, crs=city.crs)
    live.load()
    snap = live.snapshot()
    if heat is not None:
        snap = replace(snap, incident_density=heat)
    stack = LayerStack()
    stack.set_city(city)
    stack.set_snapshot(snap)
    if sheet.layers is not None:
        known = [lyr.name for lyr in stack.layers if lyr.name not in ("selection", "basemap")]
        unknown = [n for n in sheet.layers if n not in known]
        if unknown:
            raise UserError(f"--layers: unknown map layer {unknown[0]!r}; map layers are: {', '.join(known)}")
        for lyr in stack.layers:
            if lyr.name in known:
                lyr.visible = lyr.name in sheet.layers
    elif heat is not None:
        stack["heatmap"].visible = True
    return stack, city


def extent_xy(sheet: MapSheet, crs: str) -> tuple[float, float, float, float] | None:
    if sheet.extent_lonlat is None:
        return None
    from routing.projection import to_xy
    w, s, e, n = sheet.extent_lonlat
    xy = to_xy(crs, np.array([[w, s], [e, n]], np.float64))
    return float(xy[0, 0]), float(xy[0, 1]), float(xy[1, 0]), float(xy[1, 1])


def render_sheet(engine: Any, sheet: MapSheet, out: Path, fmt: str, *, heat: Any = None) -> Path:
    """Write the sheet as PNG (sheet.size pixels) or a vector PDF page (sheet.size millimetres)."""
    app, apply_language = _qt_app()
    apply_language(app, sheet.lang)
    from layers.render import render_image, render_pdf
    from layers.themes import get_theme

    try:
        theme = get_theme(sheet.theme)
    except ValueError as exc:
        raise UserError(f"--theme: {exc}") from None
    stack, city = build_stack(engine, sheet, heat=heat)
    extent = extent_xy(sheet, city.crs)
    if fmt == "pdf":
        return render_pdf(stack, out, extent, page_size_mm=(float(sheet.size[0]), float(sheet.size[1])),
                          theme=theme, title=sheet.title, sheet=True)
    w, h = sheet.size
    try:
        image = render_image(stack, extent, w, h, theme=theme, sheet_title=sheet.title)
    except ValueError as exc:
        raise UserError(f"--size: {exc}") from None
    if not image.save(str(out), "PNG"):  # type: ignore[call-overload]  # the stubs say bytes; PySide wants str
        raise UserError(f"--out: cannot write {out}")
    return out
