"""The highlight of the selected feature, following it as it moves."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter, QPen

from .base import Feature, Layer, RenderContext
from .i18n import QT_TRANSLATE_NOOP
from .qtarrays import draw_segments, to_screen_segments
from .themes import qcolor


class SelectionLayer(Layer):
    name = "selection"
    title_en = QT_TRANSLATE_NOOP("Layer", "Selection")
    static = False
    band_safe = True
    default_z = 200

    def __init__(self, find_layer: Callable[[str], Layer | None], visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._find_layer = find_layer
        self.feature: Feature | None = None

    def select(self, feature: Feature | None) -> None:
        self.feature = feature
        self.changed()

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        f = self.feature
        if f is None:
            return
        layer = self._find_layer(f.layer)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour = qcolor(ctx.theme.selection)
        outline = getattr(layer, "outline_segments", None)
        if outline is not None and f.kind in ("district", "town", "grid"):
            segs = outline(f.index)
            if len(segs):
                v = ctx.view
                screen = to_screen_segments(segs, v.cx, v.cy, v.m_per_px, v.width, v.height)
                painter.setPen(QPen(qcolor(ctx.theme.label_halo, 200), ctx.px(6.0)))
                draw_segments(painter, screen)
                painter.setPen(QPen(colour, ctx.px(3.0), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                draw_segments(painter, screen)
            return
        where = layer.locate(f) if layer is not None else (f.x, f.y)
        if where is None:
            return
        sx, sy = ctx.view.screen_point(*where)
        r = ctx.theme.officer_px * 1.15
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(qcolor(ctx.theme.label_halo, 220), ctx.px(5.5)))
        painter.drawEllipse(QPointF(sx, sy), r, r)
        painter.setPen(QPen(colour, ctx.px(3.0)))
        painter.drawEllipse(QPointF(sx, sy), r, r)
        tick = r * 0.55
        for dx, dy in ((0, -1), (1, 0), (0, 1), (-1, 0)):
            painter.drawLine(QPointF(sx + dx * r, sy + dy * r), QPointF(sx + dx * (r + tick), sy + dy * (r + tick)))
