"""Screen-space furniture: scale bar, north arrow and the command-centre clock.

Drawn by the same function on screen and in exports, so a printed map keeps
its scale bar honest for the paper size it was rendered at.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPen, QPolygonF

from .fonts import label_font
from .i18n import tr
from .themes import Theme, qcolor
from .viewport import Viewport

BEIJING = timezone(timedelta(hours=8), "CST")   # China has one zone and no DST
WEEKDAYS_ZH = "一二三四五六日"


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


def paint_scale_bar(painter: QPainter, view: Viewport, theme: Theme, margin: float = 12.0) -> QRectF:
    font = label_font(theme.font_ui_px * 0.85, bold=True)
    metrics = QFontMetricsF(font)
    max_px = max(60.0, min(view.width * 0.22, theme.font_ui_px * 12))
    length_m = nice_length_m(max_px * view.m_per_px)
    bar_px = length_m / view.m_per_px
    text = format_length(length_m)
    bar_h = max(5.0, theme.font_ui_px * 0.38)
    pad = theme.font_ui_px * 0.45
    box = QRectF(margin, view.height - margin - (metrics.height() + bar_h + 3 * pad),
                 bar_px + 2 * pad, metrics.height() + bar_h + 3 * pad)
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
    date = tr(f"{t:%Y-%m-%d} 星期{WEEKDAYS_ZH[t.weekday()]} 北京时间", f"{t:%a %d %b %Y} · Beijing")
    return f"{t:%H:%M:%S}", date


def paint_clock(painter: QPainter, view: Viewport, theme: Theme, time_s: float, margin: float = 12.0) -> QRectF:
    big = label_font(theme.font_ui_px * 1.9, bold=True)
    small = label_font(theme.font_ui_px * 0.8)
    mb = QFontMetricsF(big)
    ms = QFontMetricsF(small)
    hhmmss, date = clock_text(time_s)
    pad = theme.font_ui_px * 0.5
    w = max(mb.horizontalAdvance("00:00:00"), ms.horizontalAdvance(date)) + 2 * pad
    h = mb.height() + ms.height() + pad * 1.5
    box = QRectF(view.width - margin - w, margin, w, h)
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
