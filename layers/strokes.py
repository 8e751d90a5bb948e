"""Wide antialiased polylines at a fraction of the cost of round-capped strokes.

Qt's raster engine strokes a round-capped, antialiased 10 px line about four
times slower than a flat-capped one; round joins matter only where segments
meet. So: flat caps for the segments, plus a disc stamped (one sprite batch)
on every segment end.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPen

from .qtarrays import draw_fragments, draw_points, draw_segments
from .sprites import disc_atlas
from .themes import qcolor

ROUND_JOIN_MIN_PX = 2.5      # thinner lines need no joints
HAIRLINE_BELOW_PX = 1.5      # thinner lines are drawn as 1 px hairlines


def stroke_segments(painter: QPainter, dpr: float, vector: bool, segs: np.ndarray, colour: str, w: float,
                    style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> None:
    """Stroke (N,4) screen segments `w` px wide with round joins."""
    if not len(segs):
        return
    if w < HAIRLINE_BELOW_PX and not vector:
        w = 1.0      # Qt strokes ≤ 1 px antialiased lines on a fast path (~3× cheaper than 1.3 px)
    painter.setPen(QPen(qcolor(colour), w, style, Qt.PenCapStyle.FlatCap))
    draw_segments(painter, segs)
    if w < ROUND_JOIN_MIN_PX or style != Qt.PenStyle.SolidLine:
        return
    ends = segs.reshape(-1, 2)
    if vector:   # PDF: real round points stay vectors
        painter.setPen(QPen(qcolor(colour), w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        draw_points(painter, ends)
        return
    atlas = disc_atlas(colour, w, dpr)
    scale = w / max(1.0, round(w * 4) / 4)
    draw_fragments(painter, atlas.fragments(ends[:, 0], ends[:, 1], np.zeros(len(ends), np.int64), scale),
                   atlas.pixmap())
