"""Sprite atlases: every marker variant drawn once, then stamped in batches.

An atlas is one image holding a grid of equally sized cells; cell `i` is one
variant (status × stale × heading bin, priority × handled, category × risk).
Layers compute the cell index of every feature with numpy and hand the whole
table to `drawPixmapFragments` — one call per frame for 25,000 officers.
Atlases are built at the device pixel ratio so HiDPI and 8K exports stay sharp.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from .fonts import label_font
from .themes import Theme, qcolor

HEADING_BINS = 24            # 15° steps; enough that arrows look continuous


@dataclass
class Atlas:
    image: QImage
    cell_px: float           # logical size of one cell
    dpr: float
    cols: int
    count: int
    _pixmaps: dict[int, QPixmap] | None = None
    trim: np.ndarray | None = None   # (count, 4) int: left, top, width, height of each cell's drawn pixels

    @property
    def cell_dev(self) -> float:
        return self.cell_px * self.dpr

    def pixmap(self) -> QPixmap:
        """The atlas as a pixmap owned by the calling thread (the cache worker
        and the UI thread never share one; QPixmap.fromImage is cheap)."""
        if self._pixmaps is None:
            self._pixmaps = {}
        key = threading.get_ident()
        pm = self._pixmaps.get(key)
        if pm is None:
            pm = self._pixmaps[key] = QPixmap.fromImage(self.image)
        return pm

    def source_lt(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Device-pixel left/top of cells `idx` in the atlas."""
        col = idx % self.cols
        row = idx // self.cols
        return col * self.cell_dev, row * self.cell_dev

    def fragments(self, sx: np.ndarray, sy: np.ndarray, idx: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """(N,10) fragment table placing cell idx[i] centred on (sx[i], sy[i]).

        At scale 1 each fragment covers only the cell's drawn pixels (`trim`):
        a marker's transparent corners cost as much to blend as its colour, and
        an arrow sprite is two-thirds empty. The cell's corner is snapped to the
        device pixel the raster engine would round it to anyway, so the trimmed
        piece lands on exactly the pixels the whole cell would have painted."""
        n = len(sx)
        frags = np.empty((n, 10), dtype=np.float64)
        if scale == 1.0 and self.trim is not None:
            d = self.dpr
            cell = self.cell_dev
            t = self.trim[idx]
            left = np.floor(np.asarray(sx, dtype=np.float64) * d - cell / 2 + 0.5) + t[:, 0]
            top = np.floor(np.asarray(sy, dtype=np.float64) * d - cell / 2 + 0.5) + t[:, 1]
            frags[:, 0] = (left + t[:, 2] * 0.5) / d
            frags[:, 1] = (top + t[:, 3] * 0.5) / d
            col_left, row_top = self.source_lt(idx)
            frags[:, 2] = col_left + t[:, 0]
            frags[:, 3] = row_top + t[:, 1]
            frags[:, 4] = t[:, 2]
            frags[:, 5] = t[:, 3]
        else:
            frags[:, 0] = sx
            frags[:, 1] = sy
            left, top = self.source_lt(idx)
            frags[:, 2] = left
            frags[:, 3] = top
            frags[:, 4] = self.cell_dev
            frags[:, 5] = self.cell_dev
        frags[:, 6] = scale / self.dpr   # source is in device pixels; target in logical
        frags[:, 7] = scale / self.dpr
        frags[:, 8] = 0.0
        frags[:, 9] = 1.0
        return frags

    def draw_one(self, painter: QPainter, idx: int, sx: float, sy: float) -> None:
        left, top = self.source_lt(np.asarray([idx]))
        half = self.cell_px / 2
        painter.drawImage(QRectF(sx - half, sy - half, self.cell_px, self.cell_px), self.image,
                          QRectF(float(left[0]), float(top[0]), self.cell_dev, self.cell_dev))


def cell_trim(image: QImage, cell_dev: int, cols: int, count: int) -> np.ndarray:
    """Bounding box (left, top, width, height; device pixels within the cell)
    of the non-transparent pixels of each atlas cell; an empty cell keeps one
    transparent pixel so its fragment stays a valid no-op."""
    rows = int(math.ceil(count / cols))
    bpl = image.bytesPerLine() // 4
    words = np.frombuffer(image.constBits(), dtype=np.uint32, count=bpl * image.height())
    alpha = (words.reshape(image.height(), bpl)[:rows * cell_dev, :cols * cell_dev] >> 24) != 0
    alpha = alpha.reshape(rows, cell_dev, cols, cell_dev)
    in_row = alpha.any(axis=3).transpose(0, 2, 1).reshape(rows * cols, cell_dev)[:count]   # per cell: y used
    in_col = alpha.any(axis=1).reshape(rows * cols, cell_dev)[:count]                      # per cell: x used
    out = np.zeros((count, 4), dtype=np.int64)
    used = in_row.any(axis=1)
    out[:, 0] = np.where(used, in_col.argmax(axis=1), 0)
    out[:, 1] = np.where(used, in_row.argmax(axis=1), 0)
    out[:, 2] = np.where(used, cell_dev - in_col[:, ::-1].argmax(axis=1) - out[:, 0], 1)
    out[:, 3] = np.where(used, cell_dev - in_row[:, ::-1].argmax(axis=1) - out[:, 1], 1)
    return out


CellPainter = Callable[[QPainter, int, float], None]   # (painter centred on cell, index, cell size)


def build_atlas(count: int, cell_px: float, dpr: float, paint_cell: CellPainter) -> Atlas:
    cols = max(1, int(math.ceil(math.sqrt(count))))
    rows = int(math.ceil(count / cols))
    cell_dev = int(math.ceil(cell_px * dpr))
    cell_px = cell_dev / dpr
    image = QImage(cols * cell_dev, rows * cell_dev, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    image.setDevicePixelRatio(dpr)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    for i in range(count):
        p.save()
        p.translate((i % cols + 0.5) * cell_px, (i // cols + 0.5) * cell_px)
        p.setClipRect(QRectF(-cell_px / 2, -cell_px / 2, cell_px, cell_px))
        paint_cell(p, i, cell_px)
        p.restore()
    p.end()
    return Atlas(image, cell_px, dpr, cols, count, trim=cell_trim(image, cell_dev, cols, count))


_cache_lock = threading.Lock()
_cache: dict[tuple, Atlas] = {}


def cached_atlas(key: tuple, make: Callable[[], Atlas]) -> Atlas:
    with _cache_lock:
        atlas = _cache.get(key)
    if atlas is None:
        atlas = make()
        with _cache_lock:
            if len(_cache) > 64:
                _cache.clear()
            _cache[key] = atlas
    return atlas


# --- officers ----------------------------------------------------------------
# cell index = (status * 2 + stale) * (HEADING_BINS + 1) + heading_bin; bin HEADING_BINS = unknown

def officer_cell(status: np.ndarray, stale: np.ndarray, heading_deg: np.ndarray | None) -> np.ndarray:
    """Atlas cell of each officer; `heading_deg` None = draw no arrows (small markers)."""
    st = np.clip(status.astype(np.int64), 0, 4)
    if heading_deg is None:
        return (st * 2 + stale.astype(np.int64)) * (HEADING_BINS + 1) + HEADING_BINS
    h = np.asarray(heading_deg, dtype=np.float64)
    bins = np.where(np.isfinite(h), np.round(np.mod(h, 360.0) / (360.0 / HEADING_BINS)) % HEADING_BINS,
                    HEADING_BINS).astype(np.int64)
    bins = np.where(stale, HEADING_BINS, bins)   # a stale heading is a guess: draw none
    return (st * 2 + stale.astype(np.int64)) * (HEADING_BINS + 1) + bins


def officer_atlas(theme: Theme, dpr: float, diameter_px: float, with_heading: bool) -> Atlas:
    key = ("officer", theme.name, round(dpr, 3), round(diameter_px, 2), with_heading)
    count = 5 * 2 * (HEADING_BINS + 1)
    cell = diameter_px * 2.0 + 4 if with_heading else diameter_px + 2   # tight cells: fewer pixels to blend

    def paint(p: QPainter, i: int, _cell: float) -> None:
        bin_ = i % (HEADING_BINS + 1)
        stale = (i // (HEADING_BINS + 1)) % 2 == 1
        status = i // (2 * (HEADING_BINS + 1))
        paint_officer(p, theme, status, stale, None if bin_ == HEADING_BINS or not with_heading
                      else bin_ * 360.0 / HEADING_BINS, diameter_px)

    return cached_atlas(key, lambda: build_atlas(count, cell, dpr, paint))


def paint_officer(p: QPainter, theme: Theme, status: int, stale: bool, heading_deg: float | None,
                  d: float) -> None:
    """One officer marker centred on the painter origin (also used for PDF/legend)."""
    r = d / 2
    colour = qcolor(theme.officer_status[status])
    if heading_deg is not None:
        p.save()
        p.rotate(heading_deg)           # 0 = north (up), clockwise, as on the map
        arrow = QPolygonF([QPointF(0, -r * 1.95), QPointF(r * 0.62, -r * 0.72), QPointF(-r * 0.62, -r * 0.72)])
        p.setPen(QPen(qcolor(theme.officer_outline), max(1.0, d * 0.08)))
        p.setBrush(colour)
        p.drawPolygon(arrow)
        p.restore()
    if d <= 6:   # far dot: no outline, the colour is all that reads at this size; slightly
        # translucent so 25,000 of them read as density, not as a solid carpet over the names
        p.setPen(Qt.PenStyle.NoPen)
        fill = qcolor(theme.officer_stale_fill) if stale else QColor(colour)
        fill.setAlpha(205)
        p.setBrush(fill)
        p.drawEllipse(QPointF(0, 0), r, r)
        return
    if stale:
        pen = QPen(qcolor(theme.officer_stale_line), max(1.2, d * 0.11))
        if d >= 14:    # dashes read only on a full-size marker; smaller ones keep a plain ring
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(qcolor(theme.officer_stale_fill))
        p.drawEllipse(QPointF(0, 0), r - pen.widthF() / 2, r - pen.widthF() / 2)
        # a small status-coloured notch at the bottom keeps the last known status readable
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        p.drawEllipse(QPointF(0, r * 0.62), r * 0.22, r * 0.22)
        return
    p.setPen(QPen(qcolor(theme.officer_outline), max(1.0, d * 0.12)))
    p.setBrush(colour)
    p.drawEllipse(QPointF(0, 0), r * 0.92, r * 0.92)


# --- incidents ----------------------------------------------------------------
# cell index = (priority - 1) * 2 + handled

INCIDENT_SIZE_FACTOR = (1.0, 0.88, 0.78, 0.7)


def incident_cell(priority: np.ndarray, handled: np.ndarray) -> np.ndarray:
    pr = np.clip(priority.astype(np.int64), 1, 4) - 1
    return pr * 2 + handled.astype(np.int64)


def incident_atlas(theme: Theme, dpr: float, size_px: float) -> Atlas:
    key = ("incident", theme.name, round(dpr, 3), round(size_px, 2))

    def paint(p: QPainter, i: int, _cell: float) -> None:
        paint_incident(p, theme, i // 2 + 1, i % 2 == 1, size_px)

    return cached_atlas(key, lambda: build_atlas(8, size_px * 1.25 + 4, dpr, paint))


def paint_incident(p: QPainter, theme: Theme, priority: int, handled: bool, size_px: float) -> None:
    """A diamond in the priority colour with the priority digit; a handled
    incident (someone dispatched) is drawn hollow-centred so new ones stand out."""
    s = size_px * INCIDENT_SIZE_FACTOR[priority - 1] / 2
    colour = qcolor(theme.incident_priority[priority - 1])
    diamond = QPolygonF([QPointF(0, -s * 1.18), QPointF(s * 1.18, 0), QPointF(0, s * 1.18), QPointF(-s * 1.18, 0)])
    p.setPen(QPen(qcolor(theme.incident_outline), max(1.0, size_px * 0.09)))
    p.setBrush(colour)
    p.drawPolygon(diamond)
    if handled:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(theme.incident_outline))
        p.drawEllipse(QPointF(0, 0), s * 0.42, s * 0.42)
        return
    if s >= 6:
        font = label_font(s * 1.15, bold=True)
        path = QPainterPath()
        digit = str(priority)
        path.addText(0, 0, font, digit)
        br = path.boundingRect()
        path.translate(-br.center().x(), -br.center().y())
        p.fillPath(path, QBrush(QColor("#ffffff") if priority != 3 else QColor("#1f2937")))


# --- sites --------------------------------------------------------------------
# cell index = category * 2 + high_risk

def site_cell(category: np.ndarray, risk_level: np.ndarray) -> np.ndarray:
    return category.astype(np.int64) * 2 + (risk_level >= 4).astype(np.int64)


def site_atlas(theme: Theme, dpr: float, categories: tuple[str, ...], size_px: float) -> Atlas:
    key = ("site", theme.name, round(dpr, 3), categories, round(size_px, 2))

    def paint(p: QPainter, i: int, _cell: float) -> None:
        cat = i // 2
        paint_site(p, theme, cat, categories[cat] if cat < len(categories) else "", i % 2 == 1, size_px)

    n = max(1, len(categories)) * 2
    return cached_atlas(key, lambda: build_atlas(n, size_px + 6, dpr, paint))


def site_colour(theme: Theme, category: int) -> QColor:
    return qcolor(theme.site_palette[category % len(theme.site_palette)])


def paint_site(p: QPainter, theme: Theme, category: int, name: str, high_risk: bool, size_px: float) -> None:
    """Rounded square in the category colour carrying the category's first
    character (餐 for 餐饮, 工 for 建筑工地…): tells categories apart without
    a legend lookup. High-risk sites get a red outer ring."""
    h = size_px / 2
    rect = QRectF(-h, -h, size_px, size_px)
    if high_risk:
        p.setPen(QPen(qcolor(theme.incident_priority[0]), max(1.5, size_px * 0.16)))
    else:
        p.setPen(QPen(qcolor(theme.officer_outline), max(1.0, size_px * 0.08)))
    p.setBrush(site_colour(theme, category))
    p.drawRoundedRect(rect, size_px * 0.22, size_px * 0.22)
    glyph = _site_glyph(name)
    if glyph and size_px >= 10:
        font = label_font(size_px * 0.72, bold=True)
        path = QPainterPath()
        path.addText(0, 0, font, glyph)
        br = path.boundingRect()
        path.translate(-br.center().x(), -br.center().y())
        p.fillPath(path, QBrush(QColor("#ffffff")))


SITE_GLYPHS = {
    "餐饮": "餐", "餐饮店": "餐", "电竞酒店": "竞", "建筑工地": "工", "商铺": "商", "沿街商铺": "商",
    "宠物店": "宠", "无人洗车": "洗", "美容美发": "美", "娱乐场所": "娱", "加油站": "油", "农贸市场": "农",
    "网吧": "网", "药店": "药", "汽车维修": "修", "民宿": "宿", "食品小作坊": "食", "工业企业": "企",
    "物流仓储": "仓", "废品回收站": "废", "危化品企业": "危", "校园周边": "校", "渣土消纳场": "渣",
}


def _site_glyph(name: str) -> str:
    """The one character that names the category best (危 for 危化品企业, 油 for
    加油站…); unknown categories use their first non-generic character."""
    if name in SITE_GLYPHS:
        return SITE_GLYPHS[name]
    for ch in name:
        if ch not in "建筑沿街重点无小":
            return ch
    return name[:1]


# --- discs (round joints of wide roads) ------------------------------------------

def disc_atlas(colour: str, diameter_px: float, dpr: float) -> Atlas:
    """One filled disc: stamped at polyline vertices it gives wide flat-capped
    lines round joins, at a fraction of the cost of round-capped AA strokes."""
    d = max(1.0, round(diameter_px * 4) / 4)
    key = ("disc", colour, d, round(dpr, 3))

    def paint(p: QPainter, _i: int, _cell: float) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(qcolor(colour))
        p.drawEllipse(QPointF(0, 0), d / 2, d / 2)

    return cached_atlas(key, lambda: build_atlas(1, d + 2, dpr, paint))


# --- short texts (cluster counts) -------------------------------------------------

@dataclass
class GlyphAtlas:
    atlas: Atlas
    chars: str
    advance: dict[str, float]
    height: float

    def fragments(self, texts: list[str], cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
        """Fragment rows stamping each text centred on (cx[i], cy[i])."""
        xs, ys, idx = [], [], []
        lookup = {c: i for i, c in enumerate(self.chars)}
        adv = self.advance
        for text, x, y in zip(texts, cx, cy):
            width = sum(adv[c] for c in text)
            pos = x - width / 2
            for c in text:
                xs.append(pos + adv[c] / 2)
                ys.append(y)
                idx.append(lookup[c])
                pos += adv[c]
        if not xs:
            return np.zeros((0, 10))
        return self.atlas.fragments(np.asarray(xs), np.asarray(ys), np.asarray(idx, dtype=np.int64))


def glyph_atlas(chars: str, px: float, colour: str, dpr: float, bold: bool = True) -> GlyphAtlas:
    from PySide6.QtGui import QFontMetricsF
    font = label_font(px, bold=bold)
    metrics = QFontMetricsF(font)
    advance = {c: metrics.horizontalAdvance(c) for c in chars}
    cell = max(max(advance.values()), metrics.height()) + 2
    key = ("glyphs", chars, round(px, 2), colour, round(dpr, 3), bold)

    def paint(p: QPainter, i: int, _cell: float) -> None:
        p.setFont(font)
        p.setPen(qcolor(colour))
        c = chars[i]
        p.drawText(QPointF(-advance[c] / 2, (metrics.ascent() - metrics.descent()) / 2), c)

    atlas = cached_atlas(key, lambda: build_atlas(len(chars), cell, dpr, paint))
    return GlyphAtlas(atlas, chars, advance, metrics.height())


def bubble_atlas(fill: str, line: str, radii: tuple[float, ...], line_px: float, dpr: float) -> Atlas:
    """Cluster bubbles, one cell per radius bucket."""
    key = ("bubble", fill, line, radii, round(line_px, 2), round(dpr, 3))

    def paint(p: QPainter, i: int, _cell: float) -> None:
        p.setPen(QPen(qcolor(line), line_px))
        p.setBrush(qcolor(fill))
        r = radii[i] - line_px / 2
        p.drawEllipse(QPointF(0, 0), r, r)

    return cached_atlas(key, lambda: build_atlas(len(radii), max(radii) * 2 + 2, dpr, paint))


# --- incident age rings ----------------------------------------------------------
# cell index = (priority - 1) * (RING_STEPS + 1) + step; step RING_STEPS = overdue (full, thick)
RING_STEPS = 24


def ring_cell(priority: np.ndarray, age_frac: np.ndarray) -> np.ndarray:
    pr = np.clip(priority.astype(np.int64), 1, 4) - 1
    frac = np.nan_to_num(age_frac, nan=0.0)
    step = np.where(frac >= 1.0, RING_STEPS, np.clip(np.ceil(frac * RING_STEPS), 1, RING_STEPS - 1)).astype(np.int64)
    return pr * (RING_STEPS + 1) + step


def ring_atlas(theme: Theme, dpr: float, radius_px: float, width_px: float) -> Atlas:
    key = ("ring", theme.name, round(dpr, 3), round(radius_px, 2), round(width_px, 2))

    def paint(p: QPainter, i: int, _cell: float) -> None:
        paint_age_ring(p, theme, i // (RING_STEPS + 1) + 1, (i % (RING_STEPS + 1)) / RING_STEPS, radius_px, width_px)

    return cached_atlas(key, lambda: build_atlas(4 * (RING_STEPS + 1), 2 * radius_px + 2 * width_px + 4, dpr, paint))


def paint_age_ring(p: QPainter, theme: Theme, priority: int, frac: float, radius_px: float, width_px: float) -> None:
    """Clockwise from 12 o'clock, `frac` of the response target used; full and
    thicker once overdue."""
    colour = qcolor(theme.incident_priority[priority - 1])
    rect = QRectF(-radius_px, -radius_px, 2 * radius_px, 2 * radius_px)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if frac >= 1.0:
        p.setPen(QPen(colour, width_px * 1.5))
        p.drawEllipse(rect)
        return
    p.setPen(QPen(qcolor(theme.label_halo, 150), width_px))
    p.drawEllipse(rect)
    p.setPen(QPen(colour, width_px, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
    p.drawArc(rect, 90 * 16, -int(frac * 360 * 16))


# --- pulses of new P1 incidents ---------------------------------------------------------
PULSE_PHASES = 16


def pulse_atlas(theme: Theme, dpr: float, size_px: float, width_px: float) -> Atlas:
    """An expanding, fading ring in PULSE_PHASES steps (cell = phase)."""
    key = ("pulse", theme.name, round(dpr, 3), round(size_px, 2), round(width_px, 2))
    r_max = size_px * 2.0

    def paint(p: QPainter, i: int, _cell: float) -> None:
        phase = i / PULSE_PHASES
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(qcolor(theme.incident_priority[0], int(200 * (1.0 - phase))), width_px))
        r = size_px * (0.7 + 1.3 * phase)
        p.drawEllipse(QPointF(0, 0), r, r)

    return cached_atlas(key, lambda: build_atlas(PULSE_PHASES, 2 * r_max + width_px + 4, dpr, paint))
