"""Sprite atlases: trimmed fragments paint exactly what whole cells paint."""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtGui import QColor, QImage, QPainter

from layers.qtarrays import draw_fragments
from layers.sprites import incident_atlas, officer_atlas, officer_cell, ring_atlas
from layers.themes import WALL, WORKSTATION


def _paint(atlas, frags: np.ndarray, size: tuple[int, int], dpr: float, antialias: bool) -> np.ndarray:
    w, h = size
    img = QImage(int(w * dpr), int(h * dpr), QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(dpr)
    img.fill(QColor("#203040"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, antialias)
    draw_fragments(p, frags, atlas.pixmap())
    p.end()
    return np.frombuffer(img.constBits(), np.uint32).reshape(img.height(), img.bytesPerLine() // 4).copy()


def test_trimmed_cells_cover_exactly_the_drawn_pixels(qapp) -> None:
    atlas = officer_atlas(WALL, 1.0, 20.0, True)
    cell = int(atlas.cell_dev)
    words = np.frombuffer(atlas.image.constBits(), np.uint32).reshape(atlas.image.height(), -1)
    for i in (0, 7, 30, atlas.count - 1):
        left, top, w, h = atlas.trim[i]
        r, c = divmod(i, atlas.cols)
        alpha = words[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell] >> 24
        inside = np.zeros_like(alpha, dtype=bool)
        inside[top:top + h, left:left + w] = True
        assert not alpha[~inside].any()             # nothing drawn is cut off
        assert alpha[top, left:left + w].any() and alpha[top + h - 1, left:left + w].any()   # and it is tight
    # an arrow sprite is mostly empty: its trimmed piece is well under the cell
    assert (atlas.trim[:, 2] * atlas.trim[:, 3]).mean() < 0.5 * cell * cell


def test_trimmed_fragments_paint_the_same_pixels_as_whole_cells(qapp) -> None:
    rng = np.random.default_rng(3)
    n = 400
    sx = rng.uniform(-10, 330, n)
    sy = rng.uniform(-10, 250, n)
    cases = [(officer_atlas(WORKSTATION, 1.0, 14.0, True), None), (officer_atlas(WALL, 2.0, 11.0, False), None),
             (incident_atlas(WALL, 1.0, 26.0), None), (ring_atlas(WALL, 1.5, 21.3, 3.2), None)]
    for atlas, _ in cases:
        idx = rng.integers(0, atlas.count, n)
        whole = dataclasses.replace(atlas, trim=None, _pixmaps=None)
        for antialias in (False, True):
            got = _paint(atlas, atlas.fragments(sx, sy, idx), (320, 240), atlas.dpr, antialias)
            want = _paint(whole, whole.fragments(sx, sy, idx), (320, 240), atlas.dpr, antialias)
            # the raster engine may drop the last row/column of a fractional sprite at the image edge
            assert np.array_equal(got[:-1, :-1], want[:-1, :-1]), (atlas.dpr, antialias)


def test_officer_cells_index_the_trim_table(qapp) -> None:
    atlas = officer_atlas(WALL, 1.0, 11.0, False)
    cells = officer_cell(np.array([0, 4]), np.array([False, True]), None)
    assert atlas.trim[cells].shape == (2, 4)
    assert (atlas.trim[cells, 2] > 0).all()
