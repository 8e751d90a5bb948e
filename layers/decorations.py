"""Screen-space furniture: scale bar, north arrow and the command-centre clock.

Drawn by the same function on screen and in exports, so a printed map keeps
its scale bar honest for the paper size it was rendered at.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QImage, QPainter, QPen, QPolygonF

from .fonts import label_font
from .i18n import QT_TRANSLATE_NOOP, language
from .themes import Theme, qcolor
from .viewport import Viewport

BEIJING = timezone(timedelta(hours=8), "CST")   # China has one zone and no DST
WEEKDAYS = (QT_TRANSLATE_NOOP("Clock", "Mon"), QT_TRANSLATE_NOOP("Clock", "Tue"), QT_TRANSLATE_NOOP("Clock", "Wed"),
            QT_TRANSLATE_NOOP("Clock", "Thu"), QT_TRANSLATE_NOOP("Clock", "Fri"), QT_TRANSLATE_NOOP("Clock", "Sat"),
            QT_TRANSLATE_NOOP("Clock", "Sun"))   # by datetime.weekday(); not %a, which follows the C locale


def nice_length_m(max_m: float) -> float:
    """Largest 1-2-5 × 10^k length not above `max_m`."""
    if max_m <= 0 or not math.isfinite(max_m):
        return 0.0
    exp = math.floor(math.log10(max_m))
    for f in (5, 2, 1):
        v = f * 10 ** exp
        if v <= max_m:
            return float(v)
    return float(10 ** exp)


def format_length(m: float) -> str:
    if m >= 1000:
        km = m / 1000
        return f"{km:g} km"
    return f"{m:g} m"


def _scale_bar_layout(view: Viewport, theme: Theme, margin: float) -> tuple[QRectF, float, float, str]:
    metrics = QFontMetricsF(label_font(theme.font_ui_px * 0.85, bold=True))
    max_px = max(60.0, min(view.width * 0.22, theme.font_ui_px * 12))
    length_m = nice_length_m(max_px * view.m_per_px)
    bar_px = length_m / view.m_per_px
    bar_h = max(5.0, theme.font_ui_px * 0.38)
    pad = theme.font_ui_px * 0.45
    box = QRectF(margin, view.height - margin - (metrics.height() + bar_h + 3 * pad),
                 bar_px + 2 * pad, metrics.height() + bar_h + 3 * pad)
    return box, length_m, bar_px, format_length(length_m)


def paint_scale_bar(painter: QPainter, view: Viewport, theme: Theme, margin: float = 12.0) -> QRectF:
    font = label_font(theme.font_ui_px * 0.85, bold=True)
    metrics = QFontMetricsF(font)
    box, _, bar_px, text = _scale_bar_layout(view, theme, margin)
    bar_h = max(5.0, theme.font_ui_px * 0.38)
    pad = theme.font_ui_px * 0.45
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(qcolor(theme.deco_bg))
    painter.drawRoundedRect(box, 4, 4)
    x0 = box.left() + pad
    y0 = box.bottom() - pad - bar_h
    half = bar_px / 2
    painter.setPen(QPen(qcolor(theme.deco_line), 1.2))
    painter.setBrush(qcolor(theme.deco_fg))
    painter.drawRect(QRectF(x0, y0, half, bar_h))
    painter.setBrush(qcolor(theme.deco_bg, 255))
    painter.drawRect(QRectF(x0 + half, y0, half, bar_h))
    painter.setFont(font)
    painter.setPen(qcolor(theme.deco_fg))
    painter.drawText(QRectF(x0, box.top() + pad * 0.6, bar_px, metrics.height()), Qt.AlignmentFlag.AlignLeft, text)
    painter.restore()
    return box


def _north_arrow_box(view: Viewport, theme: Theme, margin: float) -> QRectF:
    size = theme.font_ui_px * 3.0
    return QRectF(view.width - margin - size, view.height - margin - size, size, size)


def paint_north_arrow(painter: QPainter, view: Viewport, theme: Theme, margin: float = 12.0) -> QRectF:
    """A compass needle (red half pointing north) under an "N"; the map is always north-up."""
    size = theme.font_ui_px * 3.0
    cx = view.width - margin - size / 2
    cy = view.height - margin - size / 2
    box = QRectF(cx - size / 2, cy - size / 2, size, size)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(qcolor(theme.deco_bg))
    painter.drawEllipse(box)
    font = label_font(size * 0.27, bold=True)
    metrics = QFontMetricsF(font)
    n_h = metrics.ascent() * 0.75                   # cap height, roughly
    top = cy - size * 0.40
    painter.setFont(font)
    painter.setPen(qcolor(theme.deco_fg))
    painter.drawText(QPointF(cx - metrics.horizontalAdvance("N") / 2, top + n_h), "N")
    tip = top + n_h + size * 0.06
    tail = cy + size * 0.38
    mid = (tip + tail) / 2
    w = size * 0.13
    painter.setPen(QPen(qcolor(theme.deco_fg), 1.0))
    painter.setBrush(qcolor(theme.incident_priority[0]))
    painter.drawPolygon(QPolygonF([QPointF(cx, tip), QPointF(cx + w, mid), QPointF(cx - w, mid)]))
    painter.setBrush(qcolor(theme.deco_bg, 255))
    painter.drawPolygon(QPolygonF([QPointF(cx, tail), QPointF(cx + w, mid), QPointF(cx - w, mid)]))
    painter.restore()
    return box


def clock_text(time_s: float) -> tuple[str, str]:
    t = datetime.fromtimestamp(time_s, BEIJING)
    weekday = QCoreApplication.translate("Clock", WEEKDAYS[t.weekday()])
    # the translation may reorder the fields and give the date its own strftime format
    date = QCoreApplication.translate("Clock", "{weekday} {t:%d %b %Y} · Beijing").format(weekday=weekday, t=t)
    return f"{t:%H:%M:%S}", date


def _clock_box(view: Viewport, theme: Theme, date: str, margin: float) -> QRectF:
    mb = QFontMetricsF(label_font(theme.font_ui_px * 1.9, bold=True))
    ms = QFontMetricsF(label_font(theme.font_ui_px * 0.8))
    pad = theme.font_ui_px * 0.5
    w = max(mb.horizontalAdvance("00:00:00"), ms.horizontalAdvance(date)) + 2 * pad
    h = mb.height() + ms.height() + pad * 1.5
    return QRectF(view.width - margin - w, margin, w, h)


def paint_clock(painter: QPainter, view: Viewport, theme: Theme, time_s: float, margin: float = 12.0) -> QRectF:
    big = label_font(theme.font_ui_px * 1.9, bold=True)
    small = label_font(theme.font_ui_px * 0.8)
    mb = QFontMetricsF(big)
    ms = QFontMetricsF(small)
    hhmmss, date = clock_text(time_s)
    pad = theme.font_ui_px * 0.5
    box = _clock_box(view, theme, date, margin)
    w = box.width()
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(qcolor(theme.deco_bg))
    painter.drawRoundedRect(box, 6, 6)
    painter.setPen(qcolor(theme.deco_fg))
    painter.setFont(big)
    painter.drawText(QRectF(box.left(), box.top() + pad * 0.5, w, mb.height()), Qt.AlignmentFlag.AlignHCenter, hhmmss)
    painter.setFont(small)
    painter.drawText(QRectF(box.left(), box.top() + pad * 0.5 + mb.height(), w, ms.height()),
                     Qt.AlignmentFlag.AlignHCenter, date)
    painter.restore()
    return box


def paint_decorations(painter: QPainter, view: Viewport, theme: Theme, time_s: float,
                      clock: bool = True) -> None:
    paint_scale_bar(painter, view, theme)
    paint_north_arrow(painter, view, theme)
    if clock:
        paint_clock(painter, view, theme, time_s)


class DecorationCache:
    """The scale bar, north arrow and clock of the canvas as small cached
    images: each is painted once (the clock once a second, the scale bar once
    per scale) and then stamped, instead of laying out text every frame.

    Each image starts on a whole device pixel at or left/above of its box, and is
    painted with the same function at the same sub-pixel position as a direct
    paint would use, so the stamp equals painting in place."""

    def __init__(self) -> None:
        self._images: dict[str, tuple[tuple, QImage, QPointF]] = {}

    def paint(self, painter: QPainter, view: Viewport, theme: Theme, time_s: float, clock: bool = True,
              dpr: float = 1.0) -> None:
        base = (view.width, view.height, theme.name, round(dpr, 4), language())
        box = _scale_bar_layout(view, theme, 12.0)[0]
        self._stamp(painter, "scale", base + (view.m_per_px,), box, dpr,
                    lambda p: paint_scale_bar(p, view, theme))
        self._stamp(painter, "north", base, _north_arrow_box(view, theme, 12.0), dpr,
                    lambda p: paint_north_arrow(p, view, theme))
        if clock:
            second = math.floor(time_s)
            date = clock_text(time_s)[1]
            self._stamp(painter, "clock", base + (second,), _clock_box(view, theme, date, 12.0), dpr,
                        lambda p: paint_clock(p, view, theme, time_s))

    def _stamp(self, painter: QPainter, name: str, key: tuple, box: QRectF, dpr: float,
               paint: Callable[[QPainter], object]) -> None:
        held = self._images.get(name)
        if held is None or held[0] != key:
            # whole device pixels around the box (+2 for antialiased edges and text overhang)
            x0 = math.floor(box.left() * dpr) - 2
            y0 = math.floor(box.top() * dpr) - 2
            x1 = math.ceil(box.right() * dpr) + 2
            y1 = math.ceil(box.bottom() * dpr) + 2
            image = QImage(x1 - x0, y1 - y0, QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(0)
            image.setDevicePixelRatio(dpr)
            origin = QPointF(x0 / dpr, y0 / dpr)
            p = QPainter(image)
            p.translate(-origin.x(), -origin.y())
            paint(p)
            p.end()
            held = self._images[name] = (key, image, origin)
        painter.drawImage(held[2], held[1])
