"""Cached decorations: the stamped scale bar, north arrow and clock look like painting them in place."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter

from layers.decorations import DecorationCache, paint_decorations
from layers.themes import WALL
from layers.viewport import Viewport

T = 1_764_000_000.0


def _paint(fn, size=(640, 400)) -> np.ndarray:
    img = QImage(size[0], size[1], QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("#2a4a3a"))
    p = QPainter(img)
    fn(p)
    p.end()
    return np.frombuffer(img.constBits(), np.uint8).reshape(size[1], size[0], 4).astype(np.int16).copy()


def test_stamped_decorations_match_painting_them_in_place(qapp) -> None:
    view = Viewport(360_000.0, 3_305_000.0, 3.7, 640, 400)
    cache = DecorationCache()
    direct = _paint(lambda p: paint_decorations(p, view, WALL, T + 0.4))
    stamped = _paint(lambda p: cache.paint(p, view, WALL, T + 0.4))
    diff = np.abs(direct - stamped).max(axis=2)
    changed = (np.abs(direct - _paint(lambda p: None)).max(axis=2) > 0).sum()
    assert changed > 2000                            # the decorations are there
    # shapes are identical; text edges may round differently (blended over transparency first)
    assert (diff > 0).sum() < 0.15 * changed and diff.max() <= 48


def test_clock_stamp_follows_the_second_and_scale_bar_the_scale(qapp) -> None:
    view = Viewport(360_000.0, 3_305_000.0, 3.7, 640, 400)
    cache = DecorationCache()
    a = _paint(lambda p: cache.paint(p, view, WALL, T + 0.1))
    same_second = _paint(lambda p: cache.paint(p, view, WALL, T + 0.9))
    next_second = _paint(lambda p: cache.paint(p, view, WALL, T + 1.1))
    assert np.array_equal(a, same_second)
    clock = (slice(0, 120), slice(400, 640))         # top right
    assert not np.array_equal(a[clock], next_second[clock])
    zoomed = _paint(lambda p: cache.paint(p, view.zoomed(1.7), WALL, T + 1.1))
    bar = (slice(300, 400), slice(0, 260))            # bottom left
    assert not np.array_equal(next_second[bar], zoomed[bar])
    assert np.array_equal(next_second[clock], zoomed[clock])
