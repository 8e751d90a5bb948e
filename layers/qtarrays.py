"""Hand numpy arrays to QPainter's batch calls without one Python object per item.

PySide6 (≥ 6.4.3) accepts a pointer to the first element plus a count for
`drawLines`, `drawPoints` and `drawPixmapFragments`; we wrap the numpy buffer
as that pointer (the trick pyqtgraph uses). A frame of 25,000 officer sprites
is then one C++ call instead of 25,000 Python ones. The arrays must stay alive
(and contiguous float64) for the duration of the call, which the helpers ensure.
"""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QPointF
from PySide6.QtGui import QPainter, QPixmap, QPolygonF

# PixmapFragment fields: x, y, sourceLeft, sourceTop, width, height, scaleX, scaleY, rotation, opacity
FRAGMENT_FIELDS = 10


def draw_segments(painter: QPainter, segs: np.ndarray) -> None:
    """Draw (N,4) [x0, y0, x1, y1] screen segments in one call."""
    n = len(segs)
    if n == 0:
        return
    buf = np.ascontiguousarray(segs, dtype=np.float64)
    record = getattr(painter, "record_segments", None)   # a BandRecorder (bands.py) keeps the table
    if record is not None:
        record(buf)
        return
    painter.drawLines(shiboken6.wrapInstance(buf.ctypes.data, QLineF), n)  # type: ignore[call-overload]


def draw_points(painter: QPainter, xy: np.ndarray) -> None:
    """Draw (N,2) screen points in one call (pen width = dot size)."""
    n = len(xy)
    if n == 0:
        return
    buf = np.ascontiguousarray(xy, dtype=np.float64)
    record = getattr(painter, "record_points", None)
    if record is not None:
        record(buf)
        return
    painter.drawPoints(shiboken6.wrapInstance(buf.ctypes.data, QPointF), n)  # type: ignore[call-overload]


def make_fragments(n: int) -> np.ndarray:
    """An (N,10) float64 fragment table, scale and opacity preset to 1."""
    frags = np.zeros((n, FRAGMENT_FIELDS), dtype=np.float64)
    frags[:, 6:8] = 1.0
    frags[:, 9] = 1.0
    return frags


def draw_fragments(painter: QPainter, frags: np.ndarray, atlas: QPixmap) -> None:
    """Draw every row of an (N,10) fragment table from `atlas` in one call.

    Row = centre x, centre y, source left, source top, source w, source h
    (source rect in atlas *device* pixels), scale x, scale y, rotation°, opacity.
    """
    n = len(frags)
    if n == 0:
        return
    buf = np.ascontiguousarray(frags, dtype=np.float64)
    record = getattr(painter, "record_fragments", None)
    if record is not None:
        record(buf, atlas)
        return
    painter.drawPixmapFragments(shiboken6.wrapInstance(buf.ctypes.data, QPainter.PixmapFragment), n,  # type: ignore[arg-type]
                                atlas)


def polygon_from_array(xy: np.ndarray) -> QPolygonF:
    """A QPolygonF filled from an (N,2) array by one memory copy."""
    n = len(xy)
    poly = QPolygonF()
    if n == 0:
        return poly
    poly.resize(n)
    mem = shiboken6.VoidPtr(poly.data(), n * 16, True)  # type: ignore[call-arg, arg-type]
    view = np.frombuffer(mem, dtype=np.float64).reshape(n, 2)  # type: ignore[call-overload]
    view[:] = xy
    return poly


def polyline_segments(coords: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Explode polylines (flat coords + offsets) into (S,4) segments and the
    polyline index of each segment. Done once per dataset, not per frame."""
    n_pts = len(coords)
    if n_pts < 2:
        return np.zeros((0, 4)), np.zeros(0, np.int64)
    starts = np.arange(n_pts - 1)
    # a segment joins point i to i+1 only when both belong to the same polyline
    line_of_point = np.searchsorted(offsets, np.arange(n_pts), side="right") - 1
    keep = line_of_point[:-1] == line_of_point[1:]
    i = starts[keep]
    segs = np.empty((len(i), 4), dtype=np.float64)
    segs[:, 0:2] = coords[i]
    segs[:, 2:4] = coords[i + 1]
    return segs, line_of_point[i]


def ring_segments(coords: np.ndarray, ring_offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments of closed rings (the closing edge included when the ring
    does not repeat its first point) and the ring index of each."""
    segs, ring = polyline_segments(coords, ring_offsets)
    closing = []
    closing_ring = []
    for r in range(len(ring_offsets) - 1):
        a, b = int(ring_offsets[r]), int(ring_offsets[r + 1])
        if b - a >= 3 and not np.array_equal(coords[a], coords[b - 1]):
            closing.append(np.concatenate([coords[b - 1], coords[a]]))
            closing_ring.append(r)
    if closing:
        segs = np.vstack([segs, np.asarray(closing)])
        ring = np.concatenate([ring, np.asarray(closing_ring, dtype=np.int64)])
    return segs, ring


def to_screen_segments(segs_world: np.ndarray, cx: float, cy: float, m_per_px: float,
                       width: float, height: float) -> np.ndarray:
    """World segments → screen segments (same mapping as Viewport.to_screen)."""
    out = np.empty_like(segs_world)
    inv = 1.0 / m_per_px
    out[:, 0::2] = (segs_world[:, 0::2] - cx) * inv + width / 2
    out[:, 1::2] = height / 2 - (segs_world[:, 1::2] - cy) * inv
    return out


def segment_bbox_mask(segs: np.ndarray, extent: tuple[float, float, float, float], pad: float = 0.0) -> np.ndarray:
    """Segments whose bounding box meets `extent` (cheap culling)."""
    xmin, ymin, xmax, ymax = extent
    x0 = segs[:, 0]
    y0 = segs[:, 1]
    x1 = segs[:, 2]
    y1 = segs[:, 3]
    return ((np.maximum(x0, x1) >= xmin - pad) & (np.minimum(x0, x1) <= xmax + pad)
            & (np.maximum(y0, y1) >= ymin - pad) & (np.minimum(y0, y1) <= ymax + pad))
