"""Roads by class with level of detail, and street names when zoomed in.

200,000 segments cannot all be drawn every time, and at city scale most would
be sub-pixel noise; so each class has a scale beyond which it is hidden, and
each drawn class is culled to the view and stroked with one batched call.
Widths follow the real carriageway width when zoomed in (clamped), so the
map reads like a street map up close and like a network diagram far out.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QCoreApplication, QLineF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPen, QTransform

from commandmap.domain.snapshot import ROAD_CLASS_CODES, CityStatic, OperationSnapshot, RoadSet

from .base import Layer, LegendEntry, RenderContext
from .fonts import label_font
from .i18n import QT_TRANSLATE_NOOP
from .labels import draw_halo_text
from .qtarrays import polyline_segments, segment_bbox_mask, to_screen_segments
from .strokes import stroke_segments
from .themes import Theme, qcolor

N_CLASSES = len(ROAD_CLASS_CODES)
# a class is drawn only when the view is closer than this (metres per pixel)
CLASS_MAX_M_PER_PX = (4000.0, 4000.0, 240.0, 28.0, 12.0, 5.0, 2.2)
CLASS_TITLES = (QT_TRANSLATE_NOOP("RoadLayer", "Motorway"), QT_TRANSLATE_NOOP("RoadLayer", "Trunk"),
                QT_TRANSLATE_NOOP("RoadLayer", "Primary"), QT_TRANSLATE_NOOP("RoadLayer", "Secondary"),
                QT_TRANSLATE_NOOP("RoadLayer", "Tertiary"), QT_TRANSLATE_NOOP("RoadLayer", "Residential"),
                QT_TRANSLATE_NOOP("RoadLayer", "Service"))   # English sources, translated when shown
STREET_NAME_M_PER_PX = 2.6     # street names from this scale inwards
MAX_STREET_LABELS = 160


class _ClassData:
    __slots__ = ("segs", "names")

    def __init__(self, segs: np.ndarray, names: np.ndarray) -> None:
        self.segs = segs      # (S,4) world
        self.names = names    # (S,) name index into the layer's name table (-1 none)


class RoadLayer(Layer):
    name = "roads"
    title_en = QT_TRANSLATE_NOOP("Layer", "Roads")
    static = True
    default_z = 10
    label_priority = 60

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        # one attribute, swapped whole: the cache worker may be reading the old one
        self._data: tuple[list[_ClassData], tuple[str, ...]] | None = None

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, CityStatic):
            return False
        self._data = prepare_roads(data.roads)
        return True

    @staticmethod
    def visible_classes(m_per_px: float) -> list[int]:
        return [c for c in range(N_CLASSES) if m_per_px <= CLASS_MAX_M_PER_PX[c]]

    @staticmethod
    def width_px(theme: Theme, cls: int, m_per_px: float) -> float:
        w = theme.road_width_m[cls] / m_per_px
        return float(min(max(w, theme.road_min_px[cls]), theme.road_max_px[cls]))

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        if self._data is None:
            return
        classes = self._data[0]
        view = ctx.view
        theme = ctx.theme
        shown = self.visible_classes(view.m_per_px)
        screen: dict[int, np.ndarray] = {}
        for c in shown:
            segs = classes[c].segs
            if not len(segs):
                continue
            w = self.width_px(theme, c, view.m_per_px)
            mask = segment_bbox_mask(segs, view.extent, w * view.m_per_px)
            if mask.any():
                screen[c] = to_screen_segments(segs[mask], view.cx, view.cy, view.m_per_px, view.width, view.height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # casings first (minor to major), then fills (minor to major): junctions read as joined.
        # Flat caps + a disc stamped on every vertex = round joins at a quarter of the cost
        # of round-capped antialiased strokes.
        order = sorted(screen, reverse=True)
        for c in order:
            w = self.width_px(theme, c, view.m_per_px)
            if w < 2.5:
                continue
            cw = w + max(1.0, w * 0.18) * 2
            stroke_segments(painter, ctx.dpr, ctx.vector, screen[c], theme.road_casing[c], cw)
        for c in order:
            w = self.width_px(theme, c, view.m_per_px)
            colour = theme.road_fill[c] if (w >= 2.5 or theme.dark) else theme.road_casing[c]
            stroke_segments(painter, ctx.dpr, ctx.vector, screen[c], colour, w)

    def paint_labels(self, painter: QPainter, ctx: RenderContext) -> None:
        data = self._data
        view = ctx.view
        if data is None or view.m_per_px > STREET_NAME_M_PER_PX:
            return
        classes, name_table = data
        theme = ctx.theme
        font = label_font(theme.font_road_px)
        metrics = QFontMetricsF(font)
        halo = qcolor(theme.label_halo)
        colour = qcolor(theme.label_road)
        placed_by_name: dict[int, list[tuple[float, float]]] = {}
        spacing_px = 360.0
        count = 0
        for c in self.visible_classes(view.m_per_px)[:6]:
            cd = classes[c]
            if not len(cd.segs):
                continue
            named = cd.names >= 0
            mask = named & segment_bbox_mask(cd.segs, view.extent)
            if not mask.any():
                continue
            segs = to_screen_segments(cd.segs[mask], view.cx, view.cy, view.m_per_px, view.width, view.height)
            names = cd.names[mask]
            length = np.hypot(segs[:, 2] - segs[:, 0], segs[:, 3] - segs[:, 1])
            order = np.argsort(-length)
            for k in order[:800]:
                name_id = int(names[k])
                text = name_table[name_id]
                tw = metrics.horizontalAdvance(text)
                if length[k] < tw + 16:
                    break      # sorted by length: the rest are shorter still
                x0, y0, x1, y1 = segs[k]
                mx, my = (x0 + x1) / 2, (y0 + y1) / 2
                if not (0 <= mx <= view.width and 0 <= my <= view.height):
                    continue
                near = placed_by_name.get(name_id, ())
                if any((mx - px) ** 2 + (my - py) ** 2 < spacing_px ** 2 for px, py in near):
                    continue
                angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
                if angle > 90:
                    angle -= 180
                elif angle < -90:
                    angle += 180
                h = metrics.ascent() + metrics.descent()
                box = QTransform().translate(mx, my).rotate(angle).mapRect(QRectF(-tw / 2, -h / 2, tw, h))
                if not ctx.labels.try_take(box):
                    continue
                placed_by_name.setdefault(name_id, []).append((mx, my))
                _draw_along(painter, text, font, mx, my, angle, colour, halo, theme.font_road_px, ctx.vector)
                count += 1
                if count >= MAX_STREET_LABELS:
                    return

    def legend(self, theme: Theme) -> list[LegendEntry]:
        entries = []
        for c in (0, 1, 2, 3, 5):
            def swatch(p: QPainter, r: QRectF, c: int = c) -> None:
                w = min(r.height() * 0.6, 3 + (6 - c))
                y = r.center().y()
                p.setPen(QPen(qcolor(theme.road_casing[c]), w + 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                p.drawLine(QLineF(r.left() + 3, y, r.right() - 3, y))
                p.setPen(QPen(qcolor(theme.road_fill[c]), w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                p.drawLine(QLineF(r.left() + 3, y, r.right() - 3, y))
            entries.append(LegendEntry(QCoreApplication.translate("RoadLayer", CLASS_TITLES[c]), swatch))
        return entries


def _draw_along(painter: QPainter, text: str, font, mx: float, my: float, angle: float, colour, halo,
                font_px: float, vector: bool) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)   # the label stamp is rotated
    painter.translate(mx, my)
    painter.rotate(angle)
    draw_halo_text(painter, text, font, 0.0, 0.0, colour, halo, max(1.5, font_px * 0.12), vector)
    painter.restore()


def prepare_roads(roads: RoadSet) -> tuple[list[_ClassData], tuple[str, ...]]:
    """Explode polylines into per-class segment arrays (once per city)."""
    n = len(roads.offsets) - 1
    if len(roads.road_class) != n:
        raise ValueError(f"roads: road_class has {len(roads.road_class)} entries for {n} polylines")
    if len(roads.names) != n:
        raise ValueError(f"roads: names has {len(roads.names)} entries for {n} polylines")
    segs, line = polyline_segments(np.asarray(roads.coords, dtype=np.float64), roads.offsets)
    # intern names: one int per polyline, -1 when unnamed
    table: dict[str, int] = {}
    name_ids = np.fromiter((table.setdefault(s, len(table)) if s else -1 for s in roads.names),
                           dtype=np.int64, count=n)
    names_tuple = tuple(table)
    seg_class = np.asarray(roads.road_class, dtype=np.int64)[line] if len(line) else np.zeros(0, np.int64)
    seg_name = name_ids[line] if len(line) else np.zeros(0, np.int64)
    out = []
    for c in range(N_CLASSES):
        m = seg_class == c
        out.append(_ClassData(np.ascontiguousarray(segs[m]), seg_name[m]))
    return out, names_tuple
