"""Exports run the layer code at any size (not screen grabs) and match the screen."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from layers.canvas import MapCanvas
from layers.render import render_image, render_pdf
from layers.stack import LayerStack
from layers.themes import WALL, WORKSTATION

from .conftest import near, rgb, wait_cache
from .factories import CX, CY, snapshot, synthetic_city, synthetic_snapshot, tiny_city

T = 1_764_000_000.0


def _array(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, :img.width(), :3].astype(np.int16)


@pytest.fixture
def scene_canvas(qtbot) -> MapCanvas:
    c = MapCanvas(theme=WALL)
    qtbot.addWidget(c)
    c.resize(960, 540)
    c.show()
    qtbot.waitExposed(c)
    c.clock_source = lambda: T
    c.set_city(synthetic_city())
    c.set_snapshot(synthetic_snapshot())
    return c


@pytest.mark.parametrize("m_per_px", [None, 12.0])
def test_8k_export_has_its_size_and_the_screen_content(qtbot, scene_canvas, m_per_px) -> None:
    if m_per_px is not None:
        scene_canvas.center_on(360_000.0, 3_305_000.0, m_per_px)
    wait_cache(qtbot, scene_canvas)
    screen = scene_canvas.grab().toImage()
    assert (screen.width(), screen.height()) == (960, 540)
    big = render_image(scene_canvas, width=7680, height=4320, time_s=T)
    assert (big.width(), big.height()) == (7680, 4320)
    small = big.scaled(960, 540, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    a, b = _array(screen), _array(small)
    diff = np.abs(a - b).max(axis=2)
    # the same map: nearly every pixel agrees; only antialiased edges differ a little
    assert diff.mean() < 4.0, diff.mean()          # (a 3-pixel shift or a different layout gives > 10)
    assert (diff > 60).mean() < 0.02, (diff > 60).mean()


def test_export_of_a_given_extent_puts_features_where_the_viewport_says(qapp) -> None:
    stack = LayerStack()
    stack.set_city(tiny_city())
    stack.set_snapshot(snapshot([(CX + 500, CY + 300, 1, False, math.nan)]))
    extent = (CX - 1000, CY - 1000, CX + 1000, CY + 1000)
    img = render_image(stack, extent, 1000, 1000, dpr=1.0, theme=WORKSTATION, decorations=False)
    # 2 km over 1000 px = 2 m/px; the officer is 500 m east and 300 m north of the centre
    assert near(rgb(img, 500 + 250, 500 - 150), WORKSTATION.officer_status[1])
    with pytest.raises(ValueError, match="positive"):
        render_image(stack, extent, 0, 100)
    with pytest.raises(TypeError, match="MapCanvas or LayerStack"):
        render_image("not a map", extent, 10, 10)


def test_pdf_export_is_a_vector_page(qapp, tmp_path) -> None:
    stack = LayerStack()
    stack.set_city(tiny_city())
    stack.set_snapshot(snapshot([(CX + 500, CY + 300, 1, False, 30.0)], [(CX, CY, 1, 0, 100.0)]))
    out = render_pdf(stack, tmp_path / "map.pdf", page_size_mm=(297.0, 210.0), time_s=T)
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert b"/Subtype /Image" not in data and b"/Subtype/Image" not in data   # lines, areas, text, markers: vectors
    assert b"/MediaBox [0 0 841" in data or b"/MediaBox [0 0 842" in data     # A4 landscape in points
    with pytest.raises(FileNotFoundError):
        render_pdf(stack, tmp_path / "missing" / "map.pdf")
