"""Dispatched routes and the preview of the selected candidate, with ETA labels.

Each route is a polyline from the officer (first point) to the scene (last
point). All routes are stroked as one batch of segments; the preview is
dashed and drawn on top so the candidate under discussion stands out.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
from PySide6.QtCore import QCoreApplication, QLineF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from commandmap.domain.snapshot import CityStatic, OperationSnapshot, RouteArrays

from .base import Layer, LegendEntry, RenderContext
from .fonts import label_font
from .i18n import QT_TRANSLATE_NOOP
from .labels import box_style
from .qtarrays import draw_segments, polyline_segments, segment_bbox_mask, to_screen_segments
from .strokes import stroke_segments
from .themes import Theme, qcolor
from .viewport import Viewport

ETA_LABEL_M_PER_PX = 6.0


def format_eta(eta_s: float) -> str:
    if not math.isfinite(eta_s):
        return QCoreApplication.translate("RouteLayer", "unreachable")
    m, s = divmod(int(round(eta_s)), 60)
    return QCoreApplication.translate("RouteLayer", "ETA {m}:{s:02d}").format(m=m, s=s)


class RouteLayer(Layer):
    name = "routes"
    title_en = QT_TRANSLATE_NOOP("Layer", "Routes")
    static = False
    band_safe = True
    default_z = 100

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._routes: RouteArrays | None = None
        self._segs = np.zeros((0, 4))
        self._seg_route = np.zeros(0, np.int64)
        self._serial = 0                      # counts data changes: the underlay's key (frame_key)

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, OperationSnapshot):
            return False
        r = data.routes
        m = len(r.offsets) - 1
        for name in ("task_ids", "eta_s", "preview"):
            if len(getattr(r, name)) != m:
                raise ValueError(f"routes: {name} has {len(getattr(r, name))} entries for {m} routes")
        if r is self._routes:
            return False
        self._routes = r
        self._segs, self._seg_route = polyline_segments(np.asarray(r.coords, dtype=np.float64), r.offsets)
        self._serial += 1
        return True

    def frame_key(self, view: Viewport) -> Hashable | None:
        r = self._routes
        if r is not None and (view.m_per_px <= ETA_LABEL_M_PER_PX or int(r.preview.sum()) > 1):
            # every route's ETA box, or several previews' boxes, compete for space near the
            # screen edges every frame; a single preview's box competes only with the names
            return None
        return ("routes", self._serial)

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        r = self._routes
        if r is None or not len(self._segs):
            return
        view, theme = ctx.view, ctx.theme
        mask = segment_bbox_mask(self._segs, view.extent, 20 * view.m_per_px)
        if not mask.any():
            return
        screen = to_screen_segments(self._segs[mask], view.cx, view.cy, view.m_per_px, view.width, view.height)
        is_preview = r.preview[self._seg_route[mask]]
        w = ctx.px(theme.route_px)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        normal = screen[~is_preview]
        halo = theme.label_halo
        if len(normal):
            stroke_segments(painter, ctx.dpr, ctx.vector, normal, halo, w + 3)
            stroke_segments(painter, ctx.dpr, ctx.vector, normal, theme.route, w)
        prev = screen[is_preview]
        if len(prev):
            stroke_segments(painter, ctx.dpr, ctx.vector, prev, halo, w + 4)
            pen = QPen(qcolor(theme.route_preview), w + 1, Qt.PenStyle.DashLine, Qt.PenCapStyle.FlatCap)
            pen.setDashPattern([2.5, 1.5])
            painter.setPen(pen)
            draw_segments(painter, prev)
        if view.m_per_px <= ETA_LABEL_M_PER_PX or r.preview.any():
            self._paint_eta(painter, ctx)

    def _paint_eta(self, painter: QPainter, ctx: RenderContext) -> None:
        """ETA box at the middle vertex of each route (preview first: it matters most)."""
        r = self._routes
        assert r is not None
        view, theme = ctx.view, ctx.theme
        font = label_font(theme.font_badge_px, bold=True)
        white, halo = qcolor("#ffffff"), qcolor(theme.label_halo)
        styles = {False: box_style(font, white, qcolor(theme.route, 235), halo, pad_px=4.0, dpr=ctx.dpr),
                  True: box_style(font, white, qcolor(theme.route_preview, 235), halo, pad_px=4.0, dpr=ctx.dpr)}
        starts = r.offsets[:-1].astype(np.int64)
        ends = r.offsets[1:].astype(np.int64)
        show = (ends - starts >= 2) & (r.preview | (view.m_per_px <= ETA_LABEL_M_PER_PX))
        order = np.argsort(~r.preview, kind="stable")
        order = order[show[order]]
        if not len(order):
            return
        mid = r.coords[(starts[order] + ends[order] - 1) // 2]
        sxs, sys_ = view.to_screen(np.asarray(mid[:, 0], dtype=np.float64), np.asarray(mid[:, 1], dtype=np.float64))
        take = ctx.labels.try_take_xywh
        for k, sx, sy, eta, preview in zip(order.tolist(), sxs.tolist(), sys_.tolist(), r.eta_s[order].tolist(),
                                           r.preview[order].tolist()):
            text = format_eta(eta)
            style = styles[bool(preview)]
            w, h = style.size(text)
            top = sy - style.text_height - 8
            if take(sx - w / 2, top, w, h):
                style.draw(painter, text, sx, top, vector=ctx.vector)

    def legend(self, theme: Theme) -> list[LegendEntry]:
        def dispatched(p: QPainter, r: QRectF) -> None:
            p.setPen(QPen(qcolor(theme.route), 3, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(QLineF(r.left() + 3, r.center().y(), r.right() - 3, r.center().y()))

        def preview(p: QPainter, r: QRectF) -> None:
            pen = QPen(qcolor(theme.route_preview), 3, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QLineF(r.left() + 3, r.center().y(), r.right() - 3, r.center().y()))

        return [LegendEntry(QCoreApplication.translate("RouteLayer", "Dispatched route"), dispatched),
                LegendEntry(QCoreApplication.translate("RouteLayer", "Candidate preview"), preview)]
