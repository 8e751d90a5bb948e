"""Open incidents (事件) by priority, with an age ring and a pulse for new P1s.

The ring around each marker fills clockwise as the incident ages towards its
priority's response target (P1: the 5-minute promise) and turns into a thick
full ring once overdue — the overdue ones are what a commander looks for.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from commandmap.domain.snapshot import INCIDENT_STATUS_CODES, CityStatic, IncidentArrays, OperationSnapshot

from .base import Feature, Layer, LegendEntry, RenderContext
from .fonts import label_font
from .i18n import QT_TRANSLATE_NOOP
from .labels import box_style
from .qtarrays import draw_fragments
from .spatial import PointIndex
from .sprites import (PULSE_PHASES, incident_atlas, incident_cell, paint_age_ring, paint_incident, pulse_atlas,
                      ring_atlas, ring_cell)
from .themes import Theme, qcolor
from .viewport import Viewport, rect_mask

OPEN_STATUSES = np.array([INCIDENT_STATUS_CODES[s] for s in ("new", "dispatched", "en_route", "on_scene")])
NEW = INCIDENT_STATUS_CODES["new"]
RESPONSE_TARGET_S = (300.0, 900.0, 1800.0, 3600.0)   # age at which the ring is full, P1..P4
PULSE_PERIOD_S = 1.4
FAR_M_PER_PX = 40.0
LABEL_M_PER_PX = 2.5
STATUS_TITLES = {   # English sources, translated when shown
    0: QT_TRANSLATE_NOOP("IncidentLayer", "new"), 1: QT_TRANSLATE_NOOP("IncidentLayer", "dispatched"),
    2: QT_TRANSLATE_NOOP("IncidentLayer", "en route"), 3: QT_TRANSLATE_NOOP("IncidentLayer", "on scene"),
    4: QT_TRANSLATE_NOOP("IncidentLayer", "resolved"), 5: QT_TRANSLATE_NOOP("IncidentLayer", "closed"),
    6: QT_TRANSLATE_NOOP("IncidentLayer", "cancelled"),
}
PRIORITY_TITLES = (QT_TRANSLATE_NOOP("IncidentLayer", "urgent"), QT_TRANSLATE_NOOP("IncidentLayer", "high"),
                   QT_TRANSLATE_NOOP("IncidentLayer", "normal"), QT_TRANSLATE_NOOP("IncidentLayer", "low"))


class IncidentLayer(Layer):
    name = "incidents"
    title_en = QT_TRANSLATE_NOOP("Layer", "Incidents")
    static = False
    band_safe = True
    default_z = 120   # above officers: an incident must never hide under a crowd

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._inc: IncidentArrays | None = None
        self._rows = np.zeros(0, np.int64)
        self._index: PointIndex | None = None
        self._row_of_id: dict[int, int] | None = None
        self._serial = 0                      # counts updates: the underlay's key (frame_key)

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, OperationSnapshot):
            return False
        inc = data.incidents
        n = len(inc.ids)
        for name in ("priority", "status", "age_s", "codes", "categories"):
            if len(getattr(inc, name)) != n:
                raise ValueError(f"incidents: {name} has {len(getattr(inc, name))} entries for {n} ids")
        if inc.xy.shape != (n, 2):
            raise ValueError(f"incidents: xy must be ({n},2), got {inc.xy.shape}")
        self._inc = inc
        self._serial += 1
        open_ = np.isin(inc.status, OPEN_STATUSES) & np.isfinite(inc.xy).all(axis=1)
        rows = np.nonzero(open_)[0]
        # most urgent on top: draw P4 first, P1 last; new above handled
        key = -inc.priority[rows].astype(np.int64) * 2 + (inc.status[rows] == NEW)
        self._rows = rows[np.argsort(key, kind="stable")]
        self._index = None
        self._row_of_id = None
        return True

    def _size(self, theme: Theme, m_per_px: float) -> float:
        return theme.incident_px * (0.7 if m_per_px > FAR_M_PER_PX else 1.0)

    def _in_view(self, view: Viewport, size: float) -> np.ndarray:
        inc = self._inc
        if inc is None or not len(self._rows):
            return np.zeros(0, np.int64)
        return self._rows[rect_mask(inc.xy[self._rows], view.extent, size * 2 * view.m_per_px)]

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        inc = self._inc
        if inc is None:
            return
        view, theme = ctx.view, ctx.theme
        size = self._size(theme, view.m_per_px)
        rows = self._in_view(view, size)
        if not len(rows):
            return
        sx, sy = view.to_screen(inc.xy[rows, 0], inc.xy[rows, 1])
        pr = np.clip(inc.priority[rows].astype(np.int64), 1, 4)
        handled = inc.status[rows] != NEW
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_pulses(painter, ctx, rows, sx, sy, size)
        self._paint_age_rings(painter, ctx, rows, sx, sy, size)
        if ctx.vector:
            for x, y, p, h in zip(sx, sy, pr, handled):
                painter.save()
                painter.translate(x, y)
                paint_incident(painter, theme, int(p), bool(h), size)
                painter.restore()
        else:
            atlas = incident_atlas(theme, ctx.dpr, size)
            draw_fragments(painter, atlas.fragments(sx, sy, incident_cell(pr, handled)), atlas.pixmap())
        if view.m_per_px <= LABEL_M_PER_PX:
            self._paint_labels(painter, ctx, rows, sx, sy, size)

    def _paint_pulses(self, painter: QPainter, ctx: RenderContext, rows, sx, sy, size: float) -> None:
        inc = self._inc
        assert inc is not None
        pulsing = (inc.priority[rows] == 1) & (inc.status[rows] == NEW)
        if not pulsing.any():
            return
        phase = (ctx.time_s % PULSE_PERIOD_S) / PULSE_PERIOD_S
        if ctx.vector:   # a printed page shows the ring at its middle phase
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(qcolor(ctx.theme.incident_priority[0], 120), ctx.px(3.0)))
            for x, y in zip(sx[pulsing], sy[pulsing]):
                painter.drawEllipse(QPointF(x, y), size * 1.35, size * 1.35)
            return
        atlas = pulse_atlas(ctx.theme, ctx.dpr, size, ctx.px(3.0))
        cell = np.full(int(pulsing.sum()), min(int(phase * PULSE_PHASES), PULSE_PHASES - 1), dtype=np.int64)
        draw_fragments(painter, atlas.fragments(sx[pulsing], sy[pulsing], cell), atlas.pixmap())

    def _paint_age_rings(self, painter: QPainter, ctx: RenderContext, rows, sx, sy, size: float) -> None:
        inc = self._inc
        assert inc is not None
        theme = ctx.theme
        pr = np.clip(inc.priority[rows].astype(np.int64), 1, 4)
        frac = inc.age_s[rows].astype(np.float64) / np.asarray(RESPONSE_TARGET_S)[pr - 1]
        show = np.isfinite(frac) & (frac > 0)
        if not show.any():
            return
        r, w = size * 0.82, ctx.px(2.4)
        if ctx.vector:
            for x, y, p, f in zip(sx[show], sy[show], pr[show], frac[show]):
                painter.save()
                painter.translate(x, y)
                paint_age_ring(painter, theme, int(p), min(float(f), 1.0), r, w)
                painter.restore()
            return
        atlas = ring_atlas(theme, ctx.dpr, r, w)
        draw_fragments(painter, atlas.fragments(sx[show], sy[show], ring_cell(pr[show], frac[show])), atlas.pixmap())

    def _paint_labels(self, painter: QPainter, ctx: RenderContext, rows, sx, sy, size: float) -> None:
        inc = self._inc
        assert inc is not None
        theme = ctx.theme
        font = label_font(theme.font_badge_px)
        styles = [box_style(font, qcolor("#ffffff" if p != 3 else "#111827"), qcolor(theme.incident_priority[p - 1], 230),
                            dpr=ctx.dpr) for p in (1, 2, 3, 4)]
        prio = np.clip(inc.priority[rows], 1, 4).tolist()
        xs = sx.tolist()
        tops = (sy + size * 0.9).tolist()
        take = ctx.labels.try_take_xywh
        for k in range(len(rows) - 1, -1, -1):
            i = int(rows[k])
            text = f"{inc.codes[i]} {inc.categories[i]}".strip()
            style = styles[prio[k] - 1]
            w, h = style.size(text)
            if take(xs[k] - w / 2, tops[k], w, h):
                style.draw(painter, text, xs[k], tops[k], vector=ctx.vector)

    def frame_key(self, view: Viewport) -> Hashable | None:
        if view.m_per_px <= LABEL_M_PER_PX or self.animating(view):
            return None    # labels placed against the screen edges; pulses change every frame
        return ("incidents", self._serial)

    def animating(self, view: Viewport) -> bool:
        inc = self._inc
        if inc is None or not len(self._rows):
            return False
        rows = self._in_view(view, 0.0)
        return bool(((inc.priority[rows] == 1) & (inc.status[rows] == NEW)).any())

    def legend(self, theme: Theme) -> list[LegendEntry]:
        entries = []
        for p in (1, 2, 3, 4):
            def swatch(pt: QPainter, r: QRectF, p: int = p) -> None:
                pt.save()
                pt.translate(r.center())
                pt.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                paint_incident(pt, theme, p, False, min(r.height() * 0.85, 16.0))
                pt.restore()
            entries.append(LegendEntry(f"P{p} " + QCoreApplication.translate("IncidentLayer", PRIORITY_TITLES[p - 1]), swatch))

        def handled(pt: QPainter, r: QRectF) -> None:
            pt.save()
            pt.translate(r.center())
            pt.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            paint_incident(pt, theme, 2, True, min(r.height() * 0.85, 16.0))
            pt.restore()
        entries.append(LegendEntry(QCoreApplication.translate("IncidentLayer", "Dispatched (hollow)"), handled))

        def ring(pt: QPainter, r: QRectF) -> None:
            pt.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            rad = min(r.height(), 16.0) / 2 - 1
            box = QRectF(r.center().x() - rad, r.center().y() - rad, 2 * rad, 2 * rad)
            pt.setPen(QPen(qcolor(theme.incident_priority[0]), 2.0))
            pt.drawArc(box, 90 * 16, -240 * 16)
        entries.append(LegendEntry(QCoreApplication.translate("IncidentLayer", "Age ring (full = overdue)"), ring))
        return entries

    def hit_test(self, view: Viewport, theme: Theme, x: float, y: float, radius_px: float) -> Feature | None:
        inc = self._inc
        if inc is None or not len(self._rows):
            return None
        if self._index is None:
            xy = np.full_like(inc.xy, np.nan, dtype=np.float64)
            xy[self._rows] = inc.xy[self._rows]   # closed incidents are not on the map
            self._index = PointIndex(xy)
        size = self._size(theme, view.m_per_px)
        hit = self._index.nearest(x, y, (radius_px + size * 0.6) * view.m_per_px)
        if hit is None:
            return None
        return self.feature(hit[0], hit[1] / view.m_per_px)

    def feature(self, i: int, dist_px: float = 0.0) -> Feature:
        inc = self._inc
        assert inc is not None
        status = int(inc.status[i])
        age = float(inc.age_s[i])
        props = {QCoreApplication.translate("IncidentLayer", "Priority"): f"P{int(inc.priority[i])}",
                 QCoreApplication.translate("IncidentLayer", "Category"): inc.categories[i],
                 QCoreApplication.translate("IncidentLayer", "Status"): QCoreApplication.translate("IncidentLayer", STATUS_TITLES.get(status, str(status))),
                 QCoreApplication.translate("IncidentLayer", "Age"): QCoreApplication.translate("IncidentLayer", "{min} min {s:02d} s").format(
                     min=int(age // 60), s=int(age % 60))}
        return Feature(self.name, "incident", int(inc.ids[i]), i, float(inc.xy[i, 0]), float(inc.xy[i, 1]),
                       QCoreApplication.translate("IncidentLayer", "Incident {code}").format(code=inc.codes[i]), props, dist_px)

    def locate(self, feature: Feature) -> tuple[float, float] | None:
        inc = self._inc
        if inc is None:
            return None
        if self._row_of_id is None:
            self._row_of_id = {int(v): k for k, v in enumerate(inc.ids)}
        i = self._row_of_id.get(feature.id)
        if i is None or not np.isin(inc.status[i], OPEN_STATUSES):
            return None
        return float(inc.xy[i, 0]), float(inc.xy[i, 1])
