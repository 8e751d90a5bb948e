"""Print furniture of an exported map sheet: the title box and the legend box.

The screen has a layer panel beside the map; a printed sheet has nothing
beside it, so the export paints its own title (with the time it shows) and a
legend built from the visible layers' own swatches (`Layer.legend`) — what
the legend says is exactly what the layers drew.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter

from .base import Layer
from .decorations import clock_text
from .fonts import label_font
from .themes import Theme, qcolor
from .viewport import Viewport

# the layers whose legend a printed sheet carries, top to bottom (areas and roads explain themselves)
SHEET_LEGEND_LAYERS = ("officers", "incidents", "routes", "sites", "heatmap", "coverage")
MARGIN_PX = 12.0


def paint_title(painter: QPainter, view: Viewport, theme: Theme, title: str, time_s: float) -> QRectF:
    """Title over the date and time the map shows, top-left."""
    big = label_font(theme.font_ui_px * 1.5, bold=True)
    small = label_font(theme.font_ui_px * 0.85)
    mb, ms = QFontMetricsF(big), QFontMetricsF(small)
    hhmmss, date = clock_text(time_s)
    when = f"{date} {hhmmss}"
    pad = theme.font_ui_px * 0.5
    w = max(mb.horizontalAdvance(title), ms.horizontalAdvance(when)) + 2 * pad
    h = mb.height() + ms.height() + 1.5 * pad
    box = QRectF(MARGIN_PX, MARGIN_PX, w, h)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(qcolor(theme.deco_bg))
    painter.drawRoundedRect(box, 6, 6)
    painter.setPen(qcolor(theme.deco_fg))
    painter.setFont(big)
    painter.drawText(QRectF(box.left() + pad, box.top() + pad * 0.5, w, mb.height()),
                     Qt.AlignmentFlag.AlignLeft, title)
    painter.setFont(small)
    painter.drawText(QRectF(box.left() + pad, box.top() + pad * 0.5 + mb.height(), w, ms.height()),
                     Qt.AlignmentFlag.AlignLeft, when)
    painter.restore()
    return box


def legend_rows(layers: Iterable[Layer], theme: Theme) -> list[tuple[str, object]]:
    """(label, swatch painter) of the visible sheet layers, in SHEET_LEGEND_LAYERS order."""
    by_name = {lyr.name: lyr for lyr in layers}
    rows: list[tuple[str, object]] = []
    for name in SHEET_LEGEND_LAYERS:
        layer = by_name.get(name)
        if layer is None or not layer.visible:
            continue
        rows.extend((entry.label, entry.draw) for entry in layer.legend(theme))
    return rows


def paint_legend(painter: QPainter, view: Viewport, theme: Theme, layers: Iterable[Layer]) -> QRectF | None:
    """The legend box, bottom-right above the north arrow; None when no visible layer has one."""
    rows = legend_rows(layers, theme)
    if not rows:
        return None
    font = label_font(theme.font_ui_px * 0.85)
    metrics = QFontMetricsF(font)
    row_h = max(metrics.height(), theme.font_ui_px * 1.2) * 1.15
    swatch = row_h * 0.8
    pad = theme.font_ui_px * 0.5
    text_w = max(metrics.horizontalAdvance(label) for label, _ in rows)
    w = pad * 3 + swatch + text_w
    h = pad * 2 + row_h * len(rows)
    bottom = view.height - MARGIN_PX - theme.font_ui_px * 3.0 - MARGIN_PX   # clear of the north arrow
    box = QRectF(view.width - MARGIN_PX - w, bottom - h, w, h)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(qcolor(theme.deco_bg))
    painter.drawRoundedRect(box, 6, 6)
    painter.setFont(font)
    for i, (label, draw) in enumerate(rows):
        top = box.top() + pad + i * row_h
        painter.save()
        draw(painter, QRectF(box.left() + pad, top + (row_h - swatch) / 2, swatch, swatch))  # type: ignore[operator]
        painter.restore()
        painter.setPen(qcolor(theme.deco_fg))
        painter.drawText(QRectF(box.left() + 2 * pad + swatch, top, text_w + pad, row_h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), label)
    painter.restore()
    return box
