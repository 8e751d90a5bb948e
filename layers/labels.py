"""Label placement (no overlaps, most important first) and haloed text.

Map labels are placed greedily in priority order — district names before
town names before street names — and a label that would overlap one already
placed is dropped. A coarse bucket grid keeps each test to a few rectangles,
so a few hundred labels cost well under a millisecond each.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen

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

    Raster output stamps the text in the halo colour around the position (glyphs
    come from Qt's glyph cache, ~30× cheaper than stroking outlines); vector
    output (PDF) strokes the glyph outlines so the halo stays a vector."""
    metrics = QFontMetricsF(font)
    w = metrics.horizontalAdvance(text)
    origin = QPointF(cx - w / 2, cy + (metrics.ascent() - metrics.descent()) / 2)
    if vector:
        path = QPainterPath()
        path.addText(origin, font, text)
        if halo_px > 0:
            pen = QPen(halo, halo_px * 2)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.strokePath(path, pen)
        painter.fillPath(path, color)
        return
    painter.setFont(font)
    if halo_px > 0:
        painter.setPen(halo)
        rings = (halo_px, halo_px * 0.5) if halo_px > 1.6 else (halo_px,)
        for r in rings:
            for dx, dy in _HALO_DIRS:
                painter.drawText(QPointF(origin.x() + dx * r, origin.y() + dy * r), text)
    painter.setPen(color)
    painter.drawText(origin, text)


def draw_boxed_text(painter: QPainter, text: str, font: QFont, cx: float, top: float,
                    fg: QColor, bg: QColor, line: QColor | None = None, pad_px: float = 3.0) -> QRectF:
    """A small label in a rounded box whose top edge is at `top` (badges, ETAs)."""
    metrics = QFontMetricsF(font)
    w = metrics.horizontalAdvance(text) + 2 * pad_px
    h = metrics.height() + pad_px
    rect = QRectF(cx - w / 2, top, w, h)
    painter.setPen(QPen(line, 1.0) if line is not None else Qt.PenStyle.NoPen)
    painter.setBrush(bg)
    painter.drawRoundedRect(rect, 3.0, 3.0)
    painter.setFont(font)
    painter.setPen(fg)
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return rect
