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
    """Keeps the screen rectangles already taken by labels in one render pass.

    `base` (optional) is a placer whose rectangles are also taken, seen through an
    offset: the canvas keeps the static names of its cached image in one placer per
    image and lays every frame's badges over it without re-adding them."""

    def __init__(self, width: float, height: float, pad_px: float = 3.0, base: LabelPlacer | None = None,
                 base_offset: tuple[float, float] = (0.0, 0.0)) -> None:
        self.width = width
        self.height = height
        self.pad_px = pad_px
        self._cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}
        self.rects: list[QRectF] = []      # every claimed rectangle, in placement order
        self._base = base
        self._base_dx, self._base_dy = base_offset

    def _hit(self, x0: float, y0: float, x1: float, y1: float) -> bool:
        """Does (x0, y0)-(x1, y1) overlap a taken rectangle (areas, not just edges)?"""
        cells = self._cells
        if cells:
            for i in range(int(x0 // _CELL_PX), int(x1 // _CELL_PX) + 1):
                for j in range(int(y0 // _CELL_PX), int(y1 // _CELL_PX) + 1):
                    for a0, b0, a1, b1 in cells.get((i, j), ()):
                        if x0 < a1 and a0 < x1 and y0 < b1 and b0 < y1:
                            return True
        base = self._base
        if base is not None:
            dx, dy = self._base_dx, self._base_dy
            return base._hit(x0 - dx, y0 - dy, x1 - dx, y1 - dy)
        return False

    def free_xywh(self, x: float, y: float, w: float, h: float) -> bool:
        p = self.pad_px
        return not self._hit(x - p, y - p, x + w + p, y + h + p)

    def free(self, rect: QRectF) -> bool:
        r = rect.normalized()
        return self.free_xywh(r.x(), r.y(), r.width(), r.height())

    def take_xywh(self, x: float, y: float, w: float, h: float) -> None:
        box = (x, y, x + w, y + h)
        for i in range(int(x // _CELL_PX), int((x + w) // _CELL_PX) + 1):
            for j in range(int(y // _CELL_PX), int((y + h) // _CELL_PX) + 1):
                self._cells.setdefault((i, j), []).append(box)
        self.rects.append(QRectF(x, y, w, h))

    def take(self, rect: QRectF) -> None:
        r = rect.normalized()
        self.take_xywh(r.x(), r.y(), r.width(), r.height())

    @property
    def placed(self) -> int:
        return len(self.rects)

    def try_take_xywh(self, x: float, y: float, w: float, h: float) -> bool:
        """Claim the rectangle if it is on screen and free; True when claimed."""
        if x + w < 0 or y + h < 0 or x > self.width or y > self.height:
            return False
        if not self.free_xywh(x, y, w, h):
            return False
        self.take_xywh(x, y, w, h)
        return True

    def try_take(self, rect: QRectF) -> bool:
        """Claim `rect` if it is on screen and free; True when claimed."""
        r = rect.normalized()
        return self.try_take_xywh(r.x(), r.y(), r.width(), r.height())


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


class BoxStyle:
    """One boxed-label style (font, colours, padding, pixel ratio) for one frame, with
    the size and the stamp of every text it has drawn kept between frames: a frame
    with 300 badges then measures and renders nothing, it looks each text up once.

    Only plain sizes and images outlive the frame. Qt font objects do not: font
    engines belong to the thread that made them and are freed when the font database
    changes, so a metrics object kept across frames can point at freed memory."""

    def __init__(self, font: QFont, fg: QColor, bg: QColor, line: QColor | None, pad_px: float, dpr: float) -> None:
        self.font = font
        self.fg, self.bg, self.line = fg, bg, line
        self.pad_px = pad_px
        self.dpr = dpr
        self._metrics = QFontMetricsF(font)
        self.text_height = self._metrics.height()
        self._key = (font.key(), fg.rgba(), bg.rgba(), line.rgba() if line is not None else None, pad_px, round(dpr, 3))
        texts = _box_texts.get(self._key)
        if texts is None:
            if len(_box_texts) > 64:
                _box_texts.clear()
            texts = _box_texts[self._key] = {}
        self._texts = texts

    def size(self, text: str) -> tuple[float, float]:
        """Width and height of the box of `text` (as `boxed_size`)."""
        held = self._texts.get(text)
        if held is None:
            if len(self._texts) > 4000:
                self._texts.clear()
            w, h = boxed_size(self._metrics, text, self.pad_px)
            held = self._texts[text] = (w, h, None)
        return held[0], held[1]

    def draw(self, painter: QPainter, text: str, cx: float, top: float, vector: bool = False) -> None:
        """Exactly what `draw_boxed_text` draws, without measuring the text again."""
        w, h = self.size(text)
        if vector:
            _paint_box(painter, QRectF(cx - w / 2, top, w, h), text, self.font, self.fg, self.bg, self.line)
            return
        held = self._texts.get(text)
        img = held[2] if held is not None else None
        if img is None:
            font, fg, bg, line = self.font, self.fg, self.bg, self.line
            img = _stamps.get((text,) + self._key, w + 2, h + 2, self.dpr,
                              lambda p: _paint_box(p, QRectF(1, 1, w, h), text, font, fg, bg, line))
            self._texts[text] = (w, h, img)
        painter.drawImage(QPointF(cx - w / 2 - 1, top - 1), img)


# style key → text → (box width, box height, stamp or None); plain data, shared by threads
_box_texts: dict[tuple, dict[str, tuple[float, float, QImage | None]]] = {}


def box_style(font: QFont, fg: QColor, bg: QColor, line: QColor | None = None, pad_px: float = 3.0,
              dpr: float = 1.0) -> BoxStyle:
    """A BoxStyle for this frame (cheap: the texts it knows are kept per style, not per object)."""
    return BoxStyle(font, fg, bg, line, pad_px, dpr)
