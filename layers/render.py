"""Render the map to an image of any size or to a vector PDF page.

Exports are not screen grabs: they run the same layer code as the canvas
(static pass, then dynamic pass, then decorations) against a viewport made
for the output. By default an export of a canvas keeps the screen's layout —
an 8K image of a 1920-wide window is that window at 4× the resolution, not a
different map with tiny labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QImage, QPageSize, QPainter, QPdfWriter

from .base import RenderContext
from .canvas import MapCanvas
from .decorations import paint_decorations
from .sheet import paint_legend, paint_title
from .stack import LayerStack
from .themes import Theme, WORKSTATION
from .viewport import Viewport

Source = Union[MapCanvas, LayerStack]
REFERENCE_WIDTH_PX = 1920        # a stack exported without a canvas is laid out as a 1080p screen
MAX_PIXELS = 16384 * 16384


def _resolve(source: Source, extent, theme: Theme | None) -> tuple[LayerStack, tuple, Theme, float]:
    if isinstance(source, MapCanvas):
        return (source.stack, extent or source.view.extent, theme or source.theme, float(source.view.width))
    if isinstance(source, LayerStack):
        if extent is None:
            if source.city is None:
                raise ValueError("render: no extent given and the layer stack has no city to take it from")
            extent = source.city.bounds
        return source, extent, theme or WORKSTATION, float(REFERENCE_WIDTH_PX)
    raise TypeError(f"render: source must be a MapCanvas or LayerStack, not {type(source).__name__}")


def paint_map(painter: QPainter, stack: LayerStack, view: Viewport, theme: Theme, *, dpr: float,
              time_s: float, vector: bool = False, decorations: bool = True, clock: bool = True,
              sheet_title: str | None = None) -> None:
    """The whole map into `painter`, in logical pixels of `view`. With `sheet_title` it is a
    printed sheet: a title box with the map's time (instead of the clock) and a legend."""
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    stack.paint_static(painter, RenderContext(view=view, theme=theme, dpr=dpr, vector=vector), labels=False)
    # names go above the markers (as on screen), and badges keep clear of names: place the
    # names first on a scratch device (placement is deterministic), then draw them last
    probe = RenderContext(view=view, theme=theme, dpr=dpr, vector=vector)
    scratch = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(scratch)
    stack.paint_static_labels(p, probe)
    p.end()
    dynamic = RenderContext(view=view, theme=theme, time_s=time_s, dpr=dpr, vector=vector)
    for rect in probe.labels.rects:
        dynamic.labels.take(rect)
    stack.paint_dynamic(painter, dynamic)
    stack.paint_static_labels(painter, RenderContext(view=view, theme=theme, dpr=dpr, vector=vector))
    if decorations:
        paint_decorations(painter, view, theme, time_s, clock=clock and sheet_title is None)
    if sheet_title is not None:
        paint_title(painter, view, theme, sheet_title, time_s)
        paint_legend(painter, view, theme, stack.layers)


def render_image(source: Source, extent: tuple[float, float, float, float] | None = None,
                 width: int = 1920, height: int = 1080, *, dpr: float | None = None,
                 theme: Theme | None = None, time_s: float | None = None,
                 decorations: bool = True, clock: bool = True, sheet_title: str | None = None) -> QImage:
    """The map of `extent` (default: the canvas' current view / the city) as a
    width × height image. `dpr` = output pixels per layout pixel (default:
    keep the source's layout; see module doc). `sheet_title`: see `paint_map`."""
    if width <= 0 or height <= 0:
        raise ValueError(f"render_image: size must be positive, got {width}×{height}")
    if width * height > MAX_PIXELS:
        raise ValueError(f"render_image: {width}×{height} is larger than the {MAX_PIXELS:,}-pixel limit")
    stack, extent, theme, ref_width = _resolve(source, extent, theme)
    if dpr is None:
        dpr = max(1.0, width / ref_width)
    logical_w = max(1, round(width / dpr))
    logical_h = max(1, round(height / dpr))
    view = Viewport.fit(extent, logical_w, logical_h)
    image = QImage(width, height, QImage.Format.Format_ARGB32_Premultiplied)
    if image.isNull():
        raise MemoryError(f"render_image: cannot allocate a {width}×{height} image")
    image.setDevicePixelRatio(width / logical_w)
    painter = QPainter(image)
    try:
        paint_map(painter, stack, view, theme, dpr=width / logical_w, time_s=_time(time_s, stack),
                  decorations=decorations, clock=clock, sheet_title=sheet_title)
    finally:
        painter.end()
    return image


def render_pdf(source: Source, path: str | Path, extent: tuple[float, float, float, float] | None = None,
               page_size_mm: tuple[float, float] = (420.0, 297.0), *, dpi: int = 300,
               theme: Theme | None = None, time_s: float | None = None, title: str = "CommandMap",
               decorations: bool = True, sheet: bool = False) -> Path:
    """One vector PDF page of the map (A3 landscape by default). Lines, areas,
    labels and markers stay vectors; only raster overlays (heatmap) are images.
    `sheet`: print `title`, the time and a legend on the page (see `paint_map`)."""
    w_mm, h_mm = page_size_mm
    if w_mm <= 0 or h_mm <= 0:
        raise ValueError(f"render_pdf: page size must be positive, got {w_mm}×{h_mm} mm")
    path = Path(path)
    if not path.parent.exists():
        raise FileNotFoundError(f"render_pdf: folder {path.parent} does not exist")
    stack, extent, theme, _ = _resolve(source, extent, theme)
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QSizeF(w_mm, h_mm), QPageSize.Unit.Millimeter))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    writer.setResolution(dpi)
    writer.setTitle(title)
    writer.setCreator("CommandMap 指挥一张图")
    logical_w = round(w_mm / 25.4 * 96)
    logical_h = round(h_mm / 25.4 * 96)
    view = Viewport.fit(extent, logical_w, logical_h)
    painter = QPainter(writer)
    if not painter.isActive():
        raise OSError(f"render_pdf: cannot write {path}")
    try:
        scale = writer.width() / logical_w
        painter.scale(scale, scale)
        paint_map(painter, stack, view, theme, dpr=scale, time_s=_time(time_s, stack), vector=True,
                  decorations=decorations, sheet_title=title if sheet else None)
    finally:
        painter.end()
    return path


def _time(time_s: float | None, stack: LayerStack) -> float:
    if time_s is not None:
        return time_s
    if stack.snapshot is not None:
        return stack.snapshot.time_s
    import time
    return time.time()
