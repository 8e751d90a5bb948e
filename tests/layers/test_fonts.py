"""Chinese labels are drawn with real glyphs, never boxes (tofu)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QFontMetrics, QImage, QPainter

from layers.base import RenderContext
from layers.fonts import cjk_family, has_cjk_glyphs, label_font
from layers.labels import draw_halo_text
from layers.stack import LayerStack
from layers.themes import WORKSTATION, qcolor
from layers.viewport import Viewport

from .factories import CX, CY, tiny_city

UNASSIGNED = "\u0378"   # no font has a glyph here: Qt draws its replacement box


def _glyph(text: str, px: int = 40) -> np.ndarray:
    img = QImage(px * 2, px * 2, QImage.Format.Format_Grayscale8)
    img.fill(255)
    p = QPainter(img)
    p.setFont(label_font(px))
    p.setPen(Qt.GlobalColor.black)
    p.drawText(px // 4, int(px * 1.4), text)
    p.end()
    return _array(img)


def _array(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_Grayscale8)
    ptr = img.constBits()
    return np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())[:, :img.width()].copy()


def test_label_family_is_a_chinese_font(qapp) -> None:
    family = cjk_family()
    assert has_cjk_glyphs(family), family
    assert QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family)
    metrics = QFontMetrics(label_font(20))
    for ch in "海曙区鄞州街道网格执法队员":
        assert metrics.inFontUcs4(ord(ch)), ch


def test_chinese_glyphs_differ_from_each_other_and_from_the_missing_glyph_box(qapp) -> None:
    tofu = _glyph(UNASSIGNED)
    seen = []
    for ch in "海曙区":
        g = _glyph(ch)
        assert (g < 128).sum() > 40, f"{ch} drew almost nothing"
        assert np.abs(g.astype(int) - tofu).sum() > 2000, f"{ch} looks like the missing-glyph box"
        for other in seen:
            assert np.abs(g.astype(int) - other).sum() > 2000, "two characters drew the same shape (boxes?)"
        seen.append(g.astype(int))


def test_district_label_on_the_map_is_the_cjk_text(qapp) -> None:
    """Render the real district layer, cut out its label, and compare with the
    same text drawn by the label code directly — and with boxes."""
    stack = LayerStack()
    for name in ("roads", "grids", "towns", "sites", "basemap"):
        stack[name].visible = False
    stack.set_city(tiny_city())
    view = Viewport(CX, CY, 12.0, 400, 400)     # the 4 km district is 333 px wide: its name fits

    def render(text: str | None) -> np.ndarray:
        img = QImage(400, 400, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(qcolor(WORKSTATION.background))
        p = QPainter(img)
        ctx = RenderContext(view=view, theme=WORKSTATION)
        if text is None:
            stack.paint_static_labels(p, ctx)
        else:
            draw_halo_text(p, text, label_font(WORKSTATION.font_district_px, bold=True), 200.0, 200.0,
                           qcolor(WORKSTATION.label_district), qcolor(WORKSTATION.label_halo),
                           max(1.5, WORKSTATION.font_district_px * 0.12))
        p.end()
        return _array(img)[170:230, 120:280].astype(int)

    on_map = render(None)
    assert (on_map < 120).sum() > 100, "no dark label pixels where the district name should be"
    assert np.abs(on_map - render("海曙区")).max() <= 8
    assert np.abs(on_map - render(UNASSIGNED * 3)).sum() > 5000
