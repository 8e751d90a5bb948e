"""Regulated sites (执法对象): a symbol per category, clustered when zoomed out.

50,000 symbols at city scale would be a solid carpet; instead sites are
bucketed into screen cells and each busy cell shows one bubble with its count.
Zoomed in, each site gets its category symbol (one batched sprite call).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QPointF, QRectF
from PySide6.QtGui import QFontMetricsF, QPainter, QPen

from commandmap.domain.snapshot import CityStatic, OperationSnapshot, SiteSet

from .base import Feature, Layer, LegendEntry, RenderContext
from .fonts import label_font
from .i18n import QT_TRANSLATE_NOOP
from .qtarrays import draw_fragments
from .spatial import PointIndex
from .sprites import bubble_atlas, glyph_atlas, paint_site, site_atlas, site_cell
from .themes import Theme, qcolor
from .viewport import Viewport, rect_mask

CLUSTER_M_PER_PX = 2.0          # closer than this: every site drawn individually


def bubble_radii(theme: Theme) -> tuple[float, ...]:
    """Bubble radius per size bucket (2–9, 10–99, 100–999, 1000+ sites)."""
    base = theme.site_px * 0.58
    return tuple(base * f for f in (1.0, 1.15, 1.35, 1.6))


def size_bucket(counts: np.ndarray) -> np.ndarray:
    return np.clip(np.floor(np.log10(np.maximum(counts, 1))).astype(np.int64), 0, 3)


def count_label(n: int) -> str:
    return str(n) if n < 1000 else f"{n / 1000:.1f}k" if n < 10000 else f"{n // 1000}k"


class SiteLayer(Layer):
    name = "sites"
    title_en = QT_TRANSLATE_NOOP("Layer", "Regulated sites")
    static = True
    default_z = 50
    label_priority = 20

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._sites: SiteSet | None = None
        self._index: PointIndex | None = None

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, CityStatic):
            return False
        s = data.sites
        n = len(s.ids)
        for field_name in ("category", "names", "risk_level"):
            if len(getattr(s, field_name)) != n:
                raise ValueError(f"sites: {field_name} has {len(getattr(s, field_name))} entries for {n} ids")
        if s.xy.shape != (n, 2):
            raise ValueError(f"sites: xy must be ({n},2), got {s.xy.shape}")
        self._sites = s
        self._index = PointIndex(s.xy)
        return True

    @staticmethod
    def cluster_px(theme: Theme, m_per_px: float) -> float:
        """Cluster cell size: bigger far out, where a carpet of bubbles would hide the map."""
        return theme.site_px * (3.2 if m_per_px <= 6.0 else 4.6)

    def clusters(self, view: Viewport, theme: Theme) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Screen clusters of the sites in view: centre x, centre y, count,
        and a representative site row per cluster (for singletons)."""
        s = self._sites
        if s is None or not len(s.ids):
            z = np.zeros(0)
            return z, z, np.zeros(0, np.int64), np.zeros(0, np.int64)
        cell = self.cluster_px(theme, view.m_per_px)
        rows = np.nonzero(rect_mask(s.xy, view.extent, cell * view.m_per_px))[0]
        sx, sy = view.to_screen(s.xy[rows, 0], s.xy[rows, 1])
        # cells anchored to world coordinates so clusters don't jump as the map pans
        ox, oy = view.to_screen(0.0, 0.0)
        kx = np.floor((sx - float(ox)) / cell).astype(np.int64)
        ky = np.floor((sy - float(oy)) / cell).astype(np.int64)
        key = (kx - kx.min()) * (int(ky.max() - ky.min()) + 1) + (ky - ky.min()) if len(kx) else kx
        uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        cx = np.bincount(inverse, weights=sx) / counts
        cy = np.bincount(inverse, weights=sy) / counts
        first = np.full(len(uniq), -1, dtype=np.int64)
        first[inverse[::-1]] = rows[::-1]
        return cx, cy, counts, first

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        s = self._sites
        if s is None or not len(s.ids):
            return
        view, theme = ctx.view, ctx.theme
        if view.m_per_px > CLUSTER_M_PER_PX:
            self._paint_clusters(painter, ctx)
            return
        rows = np.nonzero(rect_mask(s.xy, view.extent, theme.site_px * view.m_per_px))[0]
        if not len(rows):
            return
        sx, sy = view.to_screen(s.xy[rows, 0], s.xy[rows, 1])
        if ctx.vector:
            for i, x, y in zip(rows, sx, sy):
                painter.save()
                painter.translate(x, y)
                cat = int(s.category[i])
                paint_site(painter, theme, cat, s.categories[cat] if cat < len(s.categories) else "",
                           bool(s.risk_level[i] >= 4), theme.site_px)
                painter.restore()
            return
        atlas = site_atlas(theme, ctx.dpr, s.categories, theme.site_px)
        idx = site_cell(s.category[rows], s.risk_level[rows])
        draw_fragments(painter, atlas.fragments(sx, sy, idx), atlas.pixmap())

    def _paint_clusters(self, painter: QPainter, ctx: RenderContext) -> None:
        s = self._sites
        assert s is not None
        theme = ctx.theme
        cx, cy, counts, first = self.clusters(ctx.view, theme)
        single = counts == 1
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        # singletons keep their category symbol even when zoomed out
        if single.any():
            rows = first[single]
            if ctx.vector:
                for i, x, y in zip(rows, cx[single], cy[single]):
                    painter.save()
                    painter.translate(x, y)
                    cat = int(s.category[i])
                    paint_site(painter, theme, cat, s.categories[cat] if cat < len(s.categories) else "",
                               bool(s.risk_level[i] >= 4), theme.site_px * 0.8)
                    painter.restore()
            else:
                atlas = site_atlas(theme, ctx.dpr, s.categories, theme.site_px)
                idx = site_cell(s.category[rows], s.risk_level[rows])
                draw_fragments(painter, atlas.fragments(cx[single], cy[single], idx, 0.8), atlas.pixmap())
        multi = np.nonzero(~single)[0]
        if not len(multi):
            return
        radii = bubble_radii(theme)
        bucket = size_bucket(counts[multi])
        labels = [count_label(int(n)) for n in counts[multi]]
        if ctx.vector:
            font = label_font(theme.site_px * 0.78, bold=True)
            metrics = QFontMetricsF(font)
            painter.setFont(font)
            for k, b, label in zip(multi, bucket, labels):
                painter.setPen(QPen(qcolor(theme.cluster_line), max(1.0, theme.site_px * 0.1)))
                painter.setBrush(qcolor(theme.cluster_fill, 225))
                painter.drawEllipse(QPointF(cx[k], cy[k]), radii[b], radii[b])
                painter.setPen(qcolor(theme.cluster_text))
                w = metrics.horizontalAdvance(label)
                painter.drawText(QPointF(cx[k] - w / 2, cy[k] + (metrics.ascent() - metrics.descent()) / 2), label)
            return
        bubbles = bubble_atlas(theme.cluster_fill, theme.cluster_line, radii, max(1.0, theme.site_px * 0.1), ctx.dpr)
        draw_fragments(painter, bubbles.fragments(cx[multi], cy[multi], bucket), bubbles.pixmap())
        glyphs = glyph_atlas("0123456789.k", theme.site_px * 0.7, theme.cluster_text, ctx.dpr)
        draw_fragments(painter, glyphs.fragments(labels, cx[multi], cy[multi]), glyphs.atlas.pixmap())

    def legend(self, theme: Theme) -> list[LegendEntry]:
        s = self._sites
        cats = s.categories if s is not None else ()
        entries = []
        for i, name in enumerate(cats):
            def swatch(p: QPainter, r: QRectF, i: int = i, name: str = name) -> None:
                p.save()
                p.translate(r.center())
                paint_site(p, theme, i, name, False, min(r.height(), 16.0))
                p.restore()
            entries.append(LegendEntry(name, swatch))

        def cluster(p: QPainter, r: QRectF) -> None:
            p.setPen(QPen(qcolor(theme.cluster_line), 1.0))
            p.setBrush(qcolor(theme.cluster_fill))
            rad = min(r.height(), 16.0) / 2
            p.drawEllipse(r.center(), rad, rad)
        entries.append(LegendEntry(QCoreApplication.translate("SiteLayer", "Cluster (count)"), cluster))

        def risky(p: QPainter, r: QRectF) -> None:
            p.save()
            p.translate(r.center())
            paint_site(p, theme, 0, "", True, min(r.height(), 16.0))
            p.restore()
        entries.append(LegendEntry(QCoreApplication.translate("SiteLayer", "High risk (red frame)"), risky))
        return entries

    def hit_test(self, view: Viewport, theme: Theme, x: float, y: float, radius_px: float) -> Feature | None:
        s = self._sites
        if s is None or not len(s.ids):
            return None
        if view.m_per_px > CLUSTER_M_PER_PX:
            return self._hit_cluster(view, theme, x, y, radius_px)
        assert self._index is not None
        hit = self._index.nearest(x, y, radius_px * view.m_per_px)
        if hit is None:
            return None
        i, dist_m = hit
        return self._feature(i, dist_m / view.m_per_px)

    def _feature(self, i: int, dist_px: float) -> Feature:
        s = self._sites
        assert s is not None
        cat = int(s.category[i])
        return Feature(self.name, "site", int(s.ids[i]), i, float(s.xy[i, 0]), float(s.xy[i, 1]),
                       QCoreApplication.translate("SiteLayer", "Site: {name}").format(name=s.names[i]),
                       {QCoreApplication.translate("SiteLayer", "Category"): s.categories[cat] if cat < len(s.categories) else cat,
                        QCoreApplication.translate("SiteLayer", "Risk level"): int(s.risk_level[i])}, dist_px)

    def _hit_cluster(self, view: Viewport, theme: Theme, x: float, y: float, radius_px: float) -> Feature | None:
        # the bubble on screen is what the user aimed at, so pick among clusters
        cx, cy, counts, first = self.clusters(view, theme)
        if not len(cx):
            return None
        px, py = view.screen_point(x, y)
        d = np.hypot(cx - px, cy - py)
        k = int(np.argmin(d))
        reach = radius_px + bubble_radii(theme)[int(size_bucket(counts[k:k + 1])[0])]
        if d[k] > reach:
            return None
        if counts[k] == 1:
            return self._feature(int(first[k]), float(d[k]))
        wx, wy = view.world_point(float(cx[k]), float(cy[k]))
        return Feature(self.name, "cluster", -1, int(first[k]), wx, wy,
                       QCoreApplication.translate("SiteLayer", "{n} sites (click to zoom in)").format(n=int(counts[k])),
                       {}, float(d[k]))
