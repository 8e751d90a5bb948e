"""Raster overlays: incident density heatmap and 5-minute coverage shading (with its move-up arrows).

Both arrive as `RasterGrid`s (values on a regular metric grid); each is
coloured once into a small image when its data or the theme change, and every
frame only stretches that image into place (one drawImage), so they cost
nothing while officers move.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QCoreApplication, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QLinearGradient, QPainter, QPen, QPolygonF

from commandmap.domain.snapshot import CityStatic, IncidentArrays, MoveUpArrows, OperationSnapshot, RasterGrid

from .base import Layer, LegendEntry, RenderContext
from .fonts import label_font
from .labels import box_style
from .i18n import QT_TRANSLATE_NOOP
from .themes import Theme, qcolor

COVERAGE_TARGET_S = 300.0     # the 5-minute promise
MOVE_UP_COLOUR = "#7c3aed"    # violet: neither a status colour nor the route's blue
DERIVED_CELL_M = 600.0


def rgba_image(rgba: np.ndarray) -> QImage:
    """(rows, cols, 4) uint8 RGBA, row 0 = SOUTH → QImage (row 0 = top)."""
    flipped = np.ascontiguousarray(rgba[::-1])
    h, w = flipped.shape[:2]
    img = QImage(flipped.data, w, h, w * 4, QImage.Format.Format_RGBA8888)
    return img.copy()   # own the memory: the numpy buffer may go away


def colour_ramp(values: np.ndarray, stops: tuple[tuple[float, str], ...]) -> np.ndarray:
    """Map values in 0..1 through colour stops to RGBA uint8; NaN → transparent."""
    pos = np.array([s for s, _ in stops])
    cols = np.array([[qcolor(c).red(), qcolor(c).green(), qcolor(c).blue(), qcolor(c).alpha()] for _, c in stops],
                    dtype=np.float64)
    v = np.clip(np.nan_to_num(values, nan=0.0), 0.0, 1.0)
    out = np.empty(values.shape + (4,), dtype=np.uint8)
    for ch in range(4):
        out[..., ch] = np.interp(v, pos, cols[:, ch]).astype(np.uint8)
    out[np.isnan(values)] = 0
    return out


def grid_rect(grid: RasterGrid) -> tuple[float, float, float, float]:
    rows, cols = grid.values.shape
    return grid.x0, grid.y0, grid.x0 + cols * grid.cell_m, grid.y0 + rows * grid.cell_m


def validate_grid(grid: RasterGrid, what: str) -> None:
    if grid.values.ndim != 2:
        raise ValueError(f"{what}: values must be a 2-D (rows, cols) array, got shape {grid.values.shape}")
    if not (grid.cell_m > 0):
        raise ValueError(f"{what}: cell_m must be positive, got {grid.cell_m}")


class _RasterLayer(Layer):
    static = False
    smooth = True

    def __init__(self, visible: bool = False, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._grid: RasterGrid | None = None
        self._image: QImage | None = None
        self._image_key: tuple | None = None

    def colourise(self, grid: RasterGrid, theme: Theme) -> np.ndarray:
        raise NotImplementedError

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        grid = self._grid
        if grid is None or grid.values.size == 0:
            return
        key = (id(grid), ctx.theme.name)
        if self._image is None or self._image_key != key:
            self._image = rgba_image(self.colourise(grid, ctx.theme))
            self._image_key = key
        x0, y0, x1, y1 = grid_rect(grid)
        sx0, sy0 = ctx.view.screen_point(x0, y1)   # north-west corner
        sx1, sy1 = ctx.view.screen_point(x1, y0)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
        painter.drawImage(QRectF(sx0, sy0, sx1 - sx0, sy1 - sy0), self._image)
        painter.restore()


class HeatmapLayer(_RasterLayer):
    """Incident density. Uses `snapshot.incident_density` when the analysis
    provides it; otherwise derives a density of the open incidents so the layer
    is useful before the history-based analysis exists."""

    name = "heatmap"
    title_en = QT_TRANSLATE_NOOP("Layer", "Incident heatmap")
    default_z = 60

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, OperationSnapshot):
            return False
        if data.incident_density is not None:
            validate_grid(data.incident_density, "incident_density")
            self._pending = None
            changed = data.incident_density is not self._grid
            self._grid = data.incident_density
            return changed
        self._pending = data.incidents   # derived lazily: only when the layer is shown
        return True

    _pending: IncidentArrays | None = None

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        if self._pending is not None:
            self._grid = density_from_incidents(self._pending)
            self._pending = None
        super().paint(painter, ctx)

    def colourise(self, grid: RasterGrid, theme: Theme) -> np.ndarray:
        v = grid.values.astype(np.float64)
        finite = v[np.isfinite(v) & (v > 0)]
        top = np.percentile(finite, 99) if len(finite) else 1.0
        norm = np.where(np.isfinite(v), v / max(top, 1e-9), np.nan)
        norm[norm <= 0.02] = np.nan        # no colour where nothing happens
        return colour_ramp(norm, theme.heat_stops)

    def legend(self, theme: Theme) -> list[LegendEntry]:
        def ramp(p: QPainter, r: QRectF) -> None:
            g = QLinearGradient(r.left(), 0, r.right(), 0)
            for pos, colour in theme.heat_stops:
                c = qcolor(colour)
                c.setAlpha(max(c.alpha(), 60))
                g.setColorAt(pos, c)
            p.fillRect(r.adjusted(2, 3, -2, -3), g)
        return [LegendEntry(QCoreApplication.translate("HeatmapLayer", "Incident density (low → high)"), ramp)]


class CoverageLayer(_RasterLayer):
    """Where an available officer can drive to within 5 minutes (green) and
    where nobody can (red): the gaps a commander should fill."""

    name = "coverage"
    title_en = QT_TRANSLATE_NOOP("Layer", "5-minute coverage")
    default_z = 65
    smooth = False

    _moves: MoveUpArrows | None = None

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, OperationSnapshot):
            return False
        if data.coverage_s is not None:
            validate_grid(data.coverage_s, "coverage_s")
        m = data.move_ups
        if m is not None and not (len(m.officer_ids) == len(m.gain) == len(m.from_xy) == len(m.to_xy)):
            raise ValueError("move_ups: officer_ids, from_xy, to_xy and gain must have one entry per move")
        changed = data.coverage_s is not self._grid or m is not self._moves
        self._grid = data.coverage_s
        self._moves = m
        return changed

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        super().paint(painter, ctx)
        if self._moves is not None and len(self._moves.officer_ids):
            self._paint_moves(painter, ctx, self._moves)

    def _paint_moves(self, painter: QPainter, ctx: RenderContext, m: MoveUpArrows) -> None:
        """An arrow officer → target per suggestion (the best, which the M key sends, drawn thicker)
        and its gain in uncovered sites at the head."""
        view = ctx.view
        fx, fy = view.to_screen(m.from_xy[:, 0].astype(np.float64), m.from_xy[:, 1].astype(np.float64))
        tx, ty = view.to_screen(m.to_xy[:, 0].astype(np.float64), m.to_xy[:, 1].astype(np.float64))
        colour, halo = qcolor(MOVE_UP_COLOUR), qcolor(ctx.theme.label_halo)
        font = label_font(ctx.theme.font_badge_px, bold=True)
        style = box_style(font, qcolor("#ffffff"), qcolor(MOVE_UP_COLOUR, 235), halo, pad_px=3.0, dpr=ctx.dpr)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for k in range(len(m.officer_ids) - 1, -1, -1):   # the best last: on top
            a, b = QPointF(float(fx[k]), float(fy[k])), QPointF(float(tx[k]), float(ty[k]))
            w = ctx.px(4.0 if k == 0 else 2.5)
            for pen_colour, width in ((halo, w + 3), (colour, w)):
                painter.setPen(QPen(pen_colour, width, Qt.PenStyle.DashLine if k else Qt.PenStyle.SolidLine,
                                    Qt.PenCapStyle.RoundCap))
                painter.drawLine(QLineF(a, b))
            angle = math.atan2(b.y() - a.y(), b.x() - a.x())
            size = ctx.px(12.0 if k == 0 else 9.0)
            head = QPolygonF([b, QPointF(b.x() - size * math.cos(angle - 0.45), b.y() - size * math.sin(angle - 0.45)),
                              QPointF(b.x() - size * math.cos(angle + 0.45), b.y() - size * math.sin(angle + 0.45))])
            painter.setPen(QPen(halo, 1.5))
            painter.setBrush(colour)
            painter.drawPolygon(head)
            text = f"+{float(m.gain[k]):g}"
            tw, th = style.size(text)
            if ctx.labels.try_take_xywh(b.x() - tw / 2, b.y() - style.text_height - 10, tw, th):
                style.draw(painter, text, b.x(), b.y() - style.text_height - 10, vector=ctx.vector)
        painter.restore()

    def colourise(self, grid: RasterGrid, theme: Theme) -> np.ndarray:
        v = grid.values
        ok = qcolor(theme.coverage_ok)
        gap = qcolor(theme.coverage_gap)
        out = np.zeros(v.shape + (4,), dtype=np.uint8)
        covered = np.isfinite(v) & (v <= COVERAGE_TARGET_S)
        missing = np.isfinite(v) & (v > COVERAGE_TARGET_S) | np.isposinf(v)
        out[covered] = (ok.red(), ok.green(), ok.blue(), ok.alpha())
        out[missing] = (gap.red(), gap.green(), gap.blue(), gap.alpha())
        return out

    def legend(self, theme: Theme) -> list[LegendEntry]:
        def ok(p: QPainter, r: QRectF) -> None:
            c = qcolor(theme.coverage_ok)
            c.setAlpha(160)
            p.fillRect(r.adjusted(2, 3, -2, -3), c)

        def gap(p: QPainter, r: QRectF) -> None:
            c = qcolor(theme.coverage_gap)
            c.setAlpha(160)
            p.fillRect(r.adjusted(2, 3, -2, -3), c)
        def move_up(p: QPainter, r: QRectF) -> None:
            p.setPen(QPen(qcolor(MOVE_UP_COLOUR), 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(QLineF(r.left() + 3, r.center().y(), r.right() - 3, r.center().y()))
        return [LegendEntry(QCoreApplication.translate("CoverageLayer", "Reachable within 5 min"), ok),
                LegendEntry(QCoreApplication.translate("CoverageLayer", "Not reachable in 5 min"), gap),
                LegendEntry(QCoreApplication.translate("CoverageLayer", "Move-up: officer → where, +sites gained"),
                            move_up)]


def density_from_incidents(inc: IncidentArrays, cell_m: float = DERIVED_CELL_M) -> RasterGrid | None:
    """Incidents per km² on a grid, smoothed by a small separable kernel."""
    ok = np.isfinite(inc.xy).all(axis=1)
    xy = inc.xy[ok]
    if len(xy) == 0:
        return None
    pad = 4 * cell_m
    x0 = float(np.floor((xy[:, 0].min() - pad) / cell_m) * cell_m)
    y0 = float(np.floor((xy[:, 1].min() - pad) / cell_m) * cell_m)
    cols = int(np.ceil((xy[:, 0].max() + pad - x0) / cell_m)) + 1
    rows = int(np.ceil((xy[:, 1].max() + pad - y0) / cell_m)) + 1
    hist, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=(rows, cols),
                                range=((y0, y0 + rows * cell_m), (x0, x0 + cols * cell_m)))
    kernel = np.array([1, 4, 7, 10, 7, 4, 1], dtype=np.float64)
    kernel /= kernel.sum()
    smooth = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="same"), 1, hist)
    smooth = np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="same"), 0, smooth)
    per_km2 = smooth / (cell_m * cell_m / 1e6)
    return RasterGrid(x0, y0, cell_m, per_km2.astype(np.float32))
