"""Officers (执法队员) coloured by status, with heading arrows, stale style and badges.

All 25,000 markers are stamped from a sprite atlas in one call per frame; the
atlas cell encodes status × stale × heading bin, so no marker is drawn by a
Python loop. Far out they shrink to coloured dots (the city's "heat" of
deployment); close in they grow arrows, badge labels and the fix age of
officers whose position is stale — a commander must not trust those.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np
from PySide6.QtCore import QCoreApplication, QRectF
from PySide6.QtGui import QPainter

from commandmap.domain.snapshot import OFFICER_STATUS_CODES, CityStatic, OfficerArrays, OperationSnapshot

from .base import Feature, Layer, LegendEntry, RenderContext
from .fonts import label_font
from .i18n import QT_TRANSLATE_NOOP
from .labels import box_style
from .qtarrays import draw_fragments
from .spatial import PointIndex
from .sprites import HEADING_BINS, officer_atlas, officer_cell, paint_officer
from .themes import Theme, qcolor
from .viewport import Viewport, rect_mask

STATUS_TITLES = {   # English sources, translated when shown
    0: QT_TRANSLATE_NOOP("OfficerLayer", "Off duty"), 1: QT_TRANSLATE_NOOP("OfficerLayer", "Available"),
    2: QT_TRANSLATE_NOOP("OfficerLayer", "Dispatched"), 3: QT_TRANSLATE_NOOP("OfficerLayer", "En route"),
    4: QT_TRANSLATE_NOOP("OfficerLayer", "On scene"),
}
# busier officers are drawn on top of idle ones
DRAW_RANK = np.array([0, 1, 3, 4, 2], dtype=np.int64)   # by status code
FAR_M_PER_PX = 30.0       # farther than this: dots
NEAR_M_PER_PX = 6.0       # closer than this: full markers with heading arrows
BADGE_M_PER_PX = 1.6      # closer than this: badge labels
MAX_LABELS = 300
OCCLUSION_MIN_COUNT = 3000   # below this, drawing every marker is cheap enough
OCCLUSION_REFRESH_S = 2.0    # how stale the "which dots are buried" answer may get at city scale
BAND_MIN_MARKERS = 2000      # fewer markers than this: banding a frame does not pay


def topmost_per_cell(sx: np.ndarray, sy: np.ndarray, cell_px: float) -> np.ndarray:
    """Indices (in draw order) of the markers not buried under a later one.

    Markers are drawn in order, so of several whose centres fall in one cell
    half a marker wide, only the last is really visible: a dense downtown of
    25,000 officers at city scale costs what its visible markers cost.
    (Any consistent units: screen pixels, or metres with a cell in metres.)"""
    kx = np.floor(sx / cell_px).astype(np.int64)
    ky = np.floor(sy / cell_px).astype(np.int64)
    key = kx * 1_000_003 + ky
    rev = key[::-1]
    _, first_in_rev = np.unique(rev, return_index=True)
    return np.sort(len(key) - 1 - first_in_rev)


def format_age(age_s: float) -> str:
    """Fix age as a commander reads it: 45秒 / 12分 / 3时 (or 45 s / 12 min / 3 h)."""
    if not math.isfinite(age_s):
        return QCoreApplication.translate("OfficerLayer", "no fix")
    if age_s < 60:
        return QCoreApplication.translate("OfficerLayer", "{s} s").format(s=int(age_s))
    if age_s < 3600:
        return QCoreApplication.translate("OfficerLayer", "{min} min").format(min=int(age_s // 60))
    return QCoreApplication.translate("OfficerLayer", "{h} h").format(h=int(age_s // 3600))


class OfficerLayer(Layer):
    name = "officers"
    title_en = QT_TRANSLATE_NOOP("Layer", "Officers")
    static = False
    band_safe = True
    default_z = 110

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._off: OfficerArrays | None = None
        self._order: np.ndarray = np.zeros(0, np.int64)
        self._index: PointIndex | None = None
        self._row_of_id: dict[int, int] | None = None
        self._occl_key: tuple | None = None
        self._occl_rows = np.zeros(0, np.int64)
        self._ok = np.zeros(0, bool)
        self._time_s = 0.0
        self._occl_time = 0.0
        self._gathered: tuple | None = None   # (order, officers, xy in order, base cell in order)
        self._serial = 0                      # counts updates: the underlay's key (frame_key)

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, OperationSnapshot):
            return False
        o = data.officers
        n = len(o.ids)
        for name in ("heading_deg", "status", "fix_age_s", "stale", "badges"):
            if len(getattr(o, name)) != n:
                raise ValueError(f"officers: {name} has {len(getattr(o, name))} entries for {n} ids")
        if o.xy.shape != (n, 2):
            raise ValueError(f"officers: xy must be ({n},2), got {o.xy.shape}")
        prev = self._off
        self._off = o
        self._time_s = float(data.time_s)
        self._serial += 1
        ok = np.isfinite(o.xy).all(axis=1)
        same_rows = (prev is not None and len(prev.ids) == n and np.array_equal(prev.status, o.status)
                     and np.array_equal(prev.stale, o.stale) and np.array_equal(self._ok, ok))
        if not same_rows:   # statuses change rarely between ticks: keep the draw order when they don't
            rank = DRAW_RANK[np.clip(o.status.astype(np.int64), 0, 4)] * 2 + (~o.stale).astype(np.int64)
            rows = np.nonzero(ok)[0]
            self._order = rows[np.argsort(rank[rows], kind="stable")]
        self._ok = ok
        self._index = None
        self._row_of_id = None
        return True

    @property
    def officers(self) -> OfficerArrays | None:
        return self._off

    def _unoccluded(self, m_per_px: float, d: float) -> np.ndarray:
        """Rows (draw order) not buried under a later marker. Cells are anchored
        to the map, so the answer holds while panning; at city scale an officer
        moves a fraction of a pixel per tick, so it is refreshed when statuses
        change (new draw order), the scale changes, or every OCCLUSION_REFRESH_S."""
        key = (id(self._order), m_per_px, d)
        if self._occl_key != key or abs(self._time_s - self._occl_time) > OCCLUSION_REFRESH_S:
            self._occl_time = self._time_s
            o = self._off
            assert o is not None
            cell_m = max(1.0, d * 0.5) * m_per_px
            xy = o.xy[self._order]
            self._occl_rows = self._order[topmost_per_cell(xy[:, 0], xy[:, 1], cell_m)]
            self._occl_key = key
        return self._occl_rows

    def _in_order(self, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions and atlas cells (heading bin 0) of `order`'s rows, gathered once per
        snapshot and draw order rather than every frame (pans repaint the same snapshot)."""
        held = self._gathered
        o = self._off
        if held is None or held[0] is not order or held[1] is not o:
            assert o is not None
            st = np.clip(o.status[order].astype(np.int64), 0, 4)
            cell = (st * 2 + o.stale[order].astype(np.int64)) * (HEADING_BINS + 1)
            held = self._gathered = (order, o, np.ascontiguousarray(o.xy[order], dtype=np.float64), cell)
        return held[2], held[3]

    def _size(self, theme: Theme, m_per_px: float) -> tuple[float, bool]:
        if m_per_px > FAR_M_PER_PX:
            return theme.officer_far_px, False
        if m_per_px > NEAR_M_PER_PX:
            return theme.officer_px * 0.55, False
        return theme.officer_px, True

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        o = self._off
        if o is None or not len(self._order):
            return
        view, theme = ctx.view, ctx.theme
        d, with_heading = self._size(theme, view.m_per_px)
        order = self._order
        if view.m_per_px > FAR_M_PER_PX and not ctx.vector and len(order) > OCCLUSION_MIN_COUNT:
            order = self._unoccluded(view.m_per_px, d)   # city scale: dots pile up downtown
        xy, base_cell = self._in_order(order)
        sel = np.flatnonzero(rect_mask(xy, view.extent, d * 2 * view.m_per_px))
        if not len(sel):
            return
        rows = order[sel]
        sx, sy = view.to_screen(xy[sel, 0], xy[sel, 1])
        status = o.status[rows]
        stale = o.stale[rows]
        heading = o.heading_deg[rows] if with_heading else None
        if ctx.vector:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for x, y, st, sl, h in zip(sx, sy, status, stale, heading if heading is not None else [math.nan] * len(sx)):
                painter.save()
                painter.translate(x, y)
                paint_officer(painter, theme, int(st), bool(sl), float(h) if math.isfinite(h) else None, d)
                painter.restore()
        else:
            atlas = officer_atlas(theme, ctx.dpr, d, with_heading)
            cells = officer_cell(status, stale, heading) if with_heading else base_cell[sel] + HEADING_BINS
            draw_fragments(painter, atlas.fragments(sx, sy, cells), atlas.pixmap())
        if view.m_per_px <= NEAR_M_PER_PX:
            self._paint_labels(painter, ctx, rows, sx, sy, d)

    def frame_key(self, view: Viewport) -> Hashable | None:
        # close in, badges and fix ages are placed against the screen edges every frame
        return None if view.m_per_px <= NEAR_M_PER_PX else ("officers", self._serial)

    def wants_bands(self, view: Viewport) -> bool:
        # markers (not city-scale dots) by the thousand: at 4K each one's rows are cold memory
        # unless the band they land on was just blitted (measured: ~25 % faster frames at 8-25
        # m/px; dots are small and bunched, and banding them costs more than it saves)
        return view.m_per_px <= FAR_M_PER_PX and len(self._order) >= BAND_MIN_MARKERS

    def _paint_labels(self, painter: QPainter, ctx: RenderContext, rows: np.ndarray, sx: np.ndarray,
                      sy: np.ndarray, d: float) -> None:
        """Badges when zoomed right in; fix age of stale officers a bit earlier."""
        o = self._off
        assert o is not None
        theme = ctx.theme
        view = ctx.view
        inside = (sx >= 0) & (sx <= view.width) & (sy >= 0) & (sy <= view.height)
        badges = view.m_per_px <= BADGE_M_PER_PX
        want = inside & (o.stale[rows] | badges)
        idx = np.nonzero(want)[0][::-1][:MAX_LABELS]   # topmost (busiest) first
        if not len(idx):
            return
        font = label_font(theme.font_badge_px)
        fresh = box_style(font, qcolor(theme.deco_fg), qcolor(theme.deco_bg), dpr=ctx.dpr)
        stale = box_style(font, qcolor(theme.label) if theme.dark else qcolor("#111827"),
                          qcolor(theme.officer_stale_fill, 235), dpr=ctx.dpr)
        chosen = rows[idx]
        is_stale = o.stale[chosen].tolist()
        ages = o.fix_age_s[chosen].tolist()
        xs = sx[idx].tolist()
        tops = (sy[idx] + d / 2 + 2).tolist()
        take = ctx.labels.try_take_xywh
        for n, i in enumerate(chosen.tolist()):
            text = o.badges[i] if badges else ""
            if is_stale[n]:
                age = format_age(ages[n])
                text = f"{text} · {age}" if text else age
            style = stale if is_stale[n] else fresh
            w, h = style.size(text)
            x, top = xs[n], tops[n]
            if take(x - w / 2, top, w, h):
                style.draw(painter, text, x, top, vector=ctx.vector)

    def legend(self, theme: Theme) -> list[LegendEntry]:
        entries = []
        for code in (1, 2, 3, 4, 0):
            def swatch(p: QPainter, r: QRectF, code: int = code) -> None:
                p.save()
                p.translate(r.center())
                p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                paint_officer(p, theme, code, False, None, min(r.height() * 0.8, 14.0))
                p.restore()
            entries.append(LegendEntry(QCoreApplication.translate("OfficerLayer", STATUS_TITLES[code]), swatch))

        def stale(p: QPainter, r: QRectF) -> None:
            p.save()
            p.translate(r.center())
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            paint_officer(p, theme, 1, True, None, min(r.height() * 0.8, 14.0))
            p.restore()
        entries.append(LegendEntry(QCoreApplication.translate("OfficerLayer", "Stale fix (age shown)"), stale))
        return entries

    # picking ---------------------------------------------------------------
    def hit_test(self, view: Viewport, theme: Theme, x: float, y: float, radius_px: float) -> Feature | None:
        o = self._off
        if o is None or not len(o.ids):
            return None
        if self._index is None:
            self._index = PointIndex(o.xy)
        d, _ = self._size(theme, view.m_per_px)
        hit = self._index.nearest(x, y, (radius_px + d / 2) * view.m_per_px)
        if hit is None:
            return None
        return self.feature(hit[0], hit[1] / view.m_per_px)

    def feature(self, i: int, dist_px: float = 0.0) -> Feature:
        o = self._off
        assert o is not None
        status = int(o.status[i])
        props = {QCoreApplication.translate("OfficerLayer", "Status"): QCoreApplication.translate("OfficerLayer", STATUS_TITLES.get(status, str(status))),
                 QCoreApplication.translate("OfficerLayer", "Fix age"): format_age(float(o.fix_age_s[i]))}
        if bool(o.stale[i]):
            props[QCoreApplication.translate("OfficerLayer", "Note")] = QCoreApplication.translate("OfficerLayer", "position stale")
        if math.isfinite(float(o.heading_deg[i])):
            props[QCoreApplication.translate("OfficerLayer", "Heading")] = f"{float(o.heading_deg[i]):.0f}°"
        return Feature(self.name, "officer", int(o.ids[i]), i, float(o.xy[i, 0]), float(o.xy[i, 1]),
                       QCoreApplication.translate("OfficerLayer", "Officer {badge}").format(badge=o.badges[i]), props, dist_px)

    def locate(self, feature: Feature) -> tuple[float, float] | None:
        o = self._off
        if o is None:
            return None
        if self._row_of_id is None:
            self._row_of_id = {int(v): k for k, v in enumerate(o.ids)}
        i = self._row_of_id.get(feature.id)
        if i is None or not np.isfinite(o.xy[i]).all():
            return None
        return float(o.xy[i, 0]), float(o.xy[i, 1])


assert set(OFFICER_STATUS_CODES.values()) == set(STATUS_TITLES)
