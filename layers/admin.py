"""District (区县), town (镇街) and grid (网格) outlines with their names.

Names appear only at zooms where they fit inside their polygon, so zooming in
reveals town names and then grid names without a hand-tuned table per level.
"""

from __future__ import annotations

import numpy as np
import shapely
from PySide6.QtCore import QCoreApplication, QLineF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPen

from commandmap.domain.snapshot import CityStatic, OperationSnapshot, PolygonSet

from .base import Feature, Layer, LegendEntry, RenderContext
from .fonts import label_font
from .i18n import QT_TRANSLATE_NOOP
from .labels import draw_halo_text, text_rect
from .polygons import PreparedPolygons
from .strokes import stroke_segments
from .themes import Theme, qcolor
from .viewport import Viewport


class AdminLayer(Layer):
    """Outlines and names of one administrative level."""

    static = True
    level = "district"
    kind_en = QT_TRANSLATE_NOOP("AdminLayer", "District")   # what one area is called, in picks
    max_outline_m_per_px = float("inf")    # outlines hidden when zoomed out beyond this
    label_m_per_px = (0.0, float("inf"))   # names only inside this scale range
    pen_style = Qt.PenStyle.SolidLine

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._prep: PreparedPolygons | None = None
        self._index: tuple[shapely.STRtree, np.ndarray, list] | None = None

    # data -------------------------------------------------------------------
    def _select(self, city: CityStatic) -> PolygonSet:
        return getattr(city, self.level + "s")

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, CityStatic):
            return False
        self._prep = PreparedPolygons.build(self._select(data))
        self._index = None
        return True

    # style --------------------------------------------------------------------
    def _style(self, theme: Theme) -> tuple[str, float, str, float]:
        return {
            "district": (theme.district_line, theme.district_line_px, theme.label_district, theme.font_district_px),
            "town": (theme.town_line, theme.town_line_px, theme.label_town, theme.font_town_px),
            "grid": (theme.grid_line, theme.grid_line_px, theme.label_grid, theme.font_grid_px),
        }[self.level]

    def _pen(self, theme: Theme, ctx_px: float) -> QPen:
        colour, width, _, _ = self._style(theme)
        pen = QPen(qcolor(colour), width * ctx_px)
        pen.setStyle(self.pen_style)
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        return pen

    # drawing ----------------------------------------------------------------
    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        prep = self._prep
        if prep is None or ctx.m_per_px > self.max_outline_m_per_px:
            return
        segs = prep.screen_segments(ctx.view)
        colour, width, _, _ = self._style(ctx.theme)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        stroke_segments(painter, ctx.dpr, ctx.vector, segs, colour, width * ctx.theme.stroke_scale)

    def paint_labels(self, painter: QPainter, ctx: RenderContext) -> None:
        prep = self._prep
        lo, hi = self.label_m_per_px
        if prep is None or not (lo <= ctx.m_per_px <= hi):
            return
        theme = ctx.theme
        _, _, colour, font_px = self._style(theme)
        font = label_font(font_px, bold=self.level != "grid")
        metrics = QFontMetricsF(font)
        fits = prep.size_px(ctx.view)
        pts = prep.source.label_xy
        names = prep.source.names
        for i in prep.visible_polys(ctx.view.extent):
            name = names[i]
            if not name:
                continue
            sx, sy = ctx.view.screen_point(pts[i, 0], pts[i, 1])
            rect = text_rect(metrics, name, sx, sy)
            if fits[i] < rect.width() * 1.4:
                continue
            if ctx.labels.try_take(rect):
                draw_halo_text(painter, name, font, sx, sy, qcolor(colour), qcolor(theme.label_halo),
                               max(1.5, font_px * 0.12), ctx.vector)

    def legend(self, theme: Theme) -> list[LegendEntry]:
        pen = self._pen(theme, 1.0)

        def swatch(p: QPainter, r: QRectF) -> None:
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawLine(QLineF(r.left() + 2, r.center().y(), r.right() - 2, r.center().y()))

        return [LegendEntry(self.title, swatch)]

    def outline_segments(self, index: int) -> np.ndarray:
        """World segments of polygon `index` (to highlight a selection)."""
        if self._prep is None:
            return np.zeros((0, 4))
        return self._prep.segs[self._prep.seg_poly == index]

    # picking --------------------------------------------------------------------
    def _ring_index(self) -> tuple[shapely.STRtree, np.ndarray, list]:
        if self._index is None:
            assert self._prep is not None
            p = self._prep.source
            rings, owner = [], []
            for r in range(len(p.ring_offsets) - 1):
                a, b = int(p.ring_offsets[r]), int(p.ring_offsets[r + 1])
                if b - a >= 3:
                    rings.append(shapely.Polygon(p.coords[a:b]))
                    owner.append(int(p.poly_ring[r]))
            self._index = (shapely.STRtree(rings), np.asarray(owner, dtype=np.int64), rings)
        return self._index

    def hit_test(self, view: Viewport, theme: Theme, x: float, y: float, radius_px: float) -> Feature | None:
        """The polygon containing (x, y): even-odd over its rings, so holes and
        multi-part polygons both work."""
        if self._prep is None or not len(self._prep.source.ids):
            return None
        tree, owner, _ = self._ring_index()
        hits = tree.query(shapely.Point(x, y), predicate="within")
        if len(hits) == 0:
            return None
        counts = np.bincount(owner[hits], minlength=int(owner.max()) + 1)
        inside = np.nonzero(counts % 2 == 1)[0]
        if not len(inside):
            return None
        i = int(inside[0])
        src = self._prep.source
        return Feature(self.name, self.level, int(src.ids[i]), i, float(src.label_xy[i, 0]),
                       float(src.label_xy[i, 1]), QCoreApplication.translate("AdminLayer", "{kind}: {name}").format(
                           kind=QCoreApplication.translate("AdminLayer", self.kind_en), name=src.names[i]),
                       {}, 0.0)


class DistrictLayer(AdminLayer):
    name = "districts"
    title_en = QT_TRANSLATE_NOOP("Layer", "Districts")
    level = "district"
    kind_en = QT_TRANSLATE_NOOP("AdminLayer", "District")
    default_z = 40
    label_priority = 100
    label_m_per_px = (6.0, float("inf"))


class TownLayer(AdminLayer):
    name = "towns"
    title_en = QT_TRANSLATE_NOOP("Layer", "Towns")
    level = "town"
    kind_en = QT_TRANSLATE_NOOP("AdminLayer", "Town")
    default_z = 30
    label_priority = 80
    max_outline_m_per_px = 90.0
    label_m_per_px = (1.5, 45.0)


class GridLayer(AdminLayer):
    name = "grids"
    title_en = QT_TRANSLATE_NOOP("Layer", "Grids")
    level = "grid"
    kind_en = QT_TRANSLATE_NOOP("AdminLayer", "Grid")
    default_z = 20
    label_priority = 40
    max_outline_m_per_px = 14.0
    label_m_per_px = (0.0, 4.0)
