"""Label placement (no overlaps, most important first) and haloed text.

Map labels are placed greedily in priority order — district names before
town names before street names — and a label that would overlap one already
placed is dropped. A coarse bucket grid keeps each test to a few rectangles,
so a few hundred labels cost well under a millisecond each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen

_CELL_PX = 48.0


class LabelPlacer:
    """Keeps the screen rectangles already taken by labels in one render pass."""

    def __init__(self, width: float, height: float, pad_px: float = 3.0) -> None:
        self.width = width
        self.height = height
        self.pad_px = pad_px
        self._cells: dict[tuple[int, int], list[QRectF]] = {}
        self.rects: list[QRectF] = []      # every claimed rectangle, in placement order

    def _keys(self, r: QRectF) -> list[tuple[int, int]]:
        x0 = int(r.left() // _CELL_PX)
        x1 = int(r.right() // _CELL_PX)
        y0 = int(r.top() // _CELL_PX)
        y1 = int(r.bottom() // _CELL_PX)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def free(self, rect: QRectF) -> bool:
        r = rect.adjusted(-self.pad_px, -self.pad_px, self.pad_px, self.pad_px)
        for key in self._keys(r):
            for other in self._cells.get(key, ()):
                if other.intersects(r):
                    return False
        return True

    def take(self, rect: QRectF) -> None:
        for key in self._keys(rect):
            self._cells.setdefault(key, []).append(rect)
        self.rects.append(rect)

    @property
    def placed(self) -> int:
        return len(self.rects)

    def try_take(self, rect: QRectF) -> bool:
        """Claim `rect` if it is on screen and free; True when claimed."""
        if rect.right() < 0 or rect.bottom() < 0 or rect.left() > self.width or rect.top() > self.height:
            return False
        if not self.free(rect):
            return False
        self.take(rect)
        return True


def text_rect(metrics: QFontMetricsF, text: str, cx: float, cy: float) -> QRectF:
    """Bounding box of `text` centred on (cx, cy)."""
    w = metrics.horizontalAdvance(text)
    h = metrics.ascent() + metrics.descent()
    return QRectF(cx - w / 2, cy - h / 2, w, h)


_HALO_DIRS = [(1.0, 0.0), (0.7071, 0.7071), (0.0, 1.0), (-0.7071, 0.7071), (-1.0, 0.0), (-0.7071, -0.7071),
              (0.0, -1.0), (0.7071, -0.7071)]


def draw_halo_text(painter: QPainter, text: str, font: QFont, cx: float, cy: float,
                   color: QColor, halo: QColor, halo_px: float, vector: bool = False) -> None:
    """Text centred on (cx, cy) with a halo so it reads over any background.

    Raster output stamps a cached image of the haloed text (made once by
    drawing the text in the halo colour around the position, then on top);
    vector output (PDF) strokes the glyph outlines so the halo stays a vector."""
    metrics = QFontMetricsF(font)
    w = metrics.horizontalAdvance(text)
    ascent = metrics.ascent()
    origin = QPointF(cx - w / 2, cy + (ascent - metrics.descent()) / 2)   # baseline, left
    if vector:
        path = QPainterPath()
        path.addText(origin, font, text)
        if halo_px > 0:
            pen = QPen(halo, halo_px * 2)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.strokePath(path, pen)
        painter.fillPath(path, color)
        return
    device = painter.device()
    dpr = device.devicePixelRatioF() if device is not None else 1.0
    pad = halo_px + 2.0
    box_w = w + 2 * pad
    box_h = ascent + metrics.descent() + 2 * pad
    key = ("halo", text, font.key(), color.rgba(), halo.rgba(), round(halo_px, 2), round(dpr, 3))
    img = _stamps.get(key, box_w, box_h, dpr,
                      lambda p: _paint_halo_text(p, text, font, QPointF(pad, pad + ascent), color, halo, halo_px))
    painter.drawImage(QPointF(origin.x() - pad, origin.y() - ascent - pad), img)


def _paint_halo_text(painter: QPainter, text: str, font: QFont, origin: QPointF, color: QColor, halo: QColor,
                     halo_px: float) -> None:
    painter.setFont(font)
    if halo_px > 0:
        painter.setPen(halo)
        rings = (halo_px, halo_px * 0.5) if halo_px > 1.6 else (halo_px,)
        for r in rings:
            for dx, dy in _HALO_DIRS:
                painter.drawText(QPointF(origin.x() + dx * r, origin.y() + dy * r), text)
    painter.setPen(color)
    painter.drawText(origin, text)


def boxed_size(metrics: QFontMetricsF, text: str, pad_px: float = 3.0) -> tuple[float, float]:
    return metrics.horizontalAdvance(text) + 2 * pad_px, metrics.height() + pad_px


def _paint_box(painter: QPainter, rect: QRectF, text: str, font: QFont, fg: QColor, bg: QColor,
               line: QColor | None) -> None:
    painter.setPen(QPen(line, 1.0) if line is not None else Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, 3.0, 3.0)
    painter.setFont(font)
    painter.setPen(fg)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class _StampCache:
    """Small images of labels that recur frame after frame and rebuild after
    rebuild (badges, ETAs, street and area names): rendered once, then stamped
    with one drawImage each. Shared by the UI thread and the cache worker."""

    def __init__(self, capacity: int = 12000) -> None:
        self._items: OrderedDict[tuple, QImage] = OrderedDict()
        self._lock = threading.Lock()
        self.capacity = capacity

    def get(self, key: tuple, w: float, h: float, dpr: float, paint) -> QImage:  # type: ignore[no-untyped-def]
        with self._lock:
            img = self._items.get(key)
            if img is not None:
                self._items.move_to_end(key)
                return img
        img = QImage(max(1, int(w * dpr + 0.999)), max(1, int(h * dpr + 0.999)),
                     QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        img.setDevicePixelRatio(dpr)
        p = QPainter(img)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        paint(p)
        p.end()
        with self._lock:
            self._items[key] = img
            if len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return img


_stamps = _StampCache()


def draw_boxed_text(painter: QPainter, text: str, font: QFont, cx: float, top: float,
                    fg: QColor, bg: QColor, line: QColor | None = None, pad_px: float = 3.0,
                    dpr: float = 1.0, vector: bool = False) -> QRectF:
    """A small label in a rounded box whose top edge is at `top` (badges, ETAs).
    Raster output stamps a cached image of the box (hundreds per frame stay cheap)."""
    metrics = QFontMetricsF(font)
    w, h = boxed_size(metrics, text, pad_px)
    rect = QRectF(cx - w / 2, top, w, h)
    if vector:
        _paint_box(painter, rect, text, font, fg, bg, line)
        return rect
    key = (text, font.key(), fg.rgba(), bg.rgba(), line.rgba() if line is not None else None, pad_px, round(dpr, 3))
    img = _stamps.get(key, w + 2, h + 2, dpr,
                      lambda p: _paint_box(p, QRectF(1, 1, w, h), text, font, fg, bg, line))
    painter.drawImage(QPointF(rect.left() - 1, rect.top() - 1), img)
    return rect
