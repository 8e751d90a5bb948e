"""Prepared polygon geometry: segments for fast outlines, paths for fills,
and screen-size tests that decide when a polygon's name fits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainterPath, QTransform

from commandmap.domain.snapshot import PolygonSet

from .qtarrays import polygon_from_array, ring_segments, segment_bbox_mask, to_screen_segments
from .viewport import Viewport


@dataclass
class PreparedPolygons:
    source: PolygonSet
    segs: np.ndarray          # (S,4) world ring segments
    seg_poly: np.ndarray      # (S,) polygon index of each segment
    bbox: np.ndarray          # (P,4) xmin, ymin, xmax, ymax
    outline: np.ndarray       # (U,4) segments with shared borders kept once (what is stroked)
    _paths: list[QPainterPath] | None = None

    @classmethod
    def build(cls, polys: PolygonSet) -> PreparedPolygons:
        validate_polygon_set(polys)
        segs, seg_ring = ring_segments(np.asarray(polys.coords, dtype=np.float64), polys.ring_offsets)
        poly_of_ring = np.asarray(polys.poly_ring, dtype=np.int64)
        seg_poly = poly_of_ring[seg_ring] if len(seg_ring) else np.zeros(0, np.int64)
        n = len(polys.ids)
        bbox = np.full((n, 4), np.nan)
        if len(segs):
            xs0 = np.minimum(segs[:, 0], segs[:, 2])
            ys0 = np.minimum(segs[:, 1], segs[:, 3])
            xs1 = np.maximum(segs[:, 0], segs[:, 2])
            ys1 = np.maximum(segs[:, 1], segs[:, 3])
            bbox[:, 0] = np.inf
            bbox[:, 1] = np.inf
            bbox[:, 2] = -np.inf
            bbox[:, 3] = -np.inf
            np.minimum.at(bbox[:, 0], seg_poly, xs0)
            np.minimum.at(bbox[:, 1], seg_poly, ys0)
            np.maximum.at(bbox[:, 2], seg_poly, xs1)
            np.maximum.at(bbox[:, 3], seg_poly, ys1)
        return cls(polys, segs, seg_poly, bbox, unique_segments(segs))

    def paths(self) -> list[QPainterPath]:
        """One world-coordinate path per polygon (holes by odd-even fill)."""
        if self._paths is None:
            p = self.source
            paths = [QPainterPath() for _ in range(len(p.ids))]
            for path in paths:
                path.setFillRule(Qt.FillRule.OddEvenFill)
            for r in range(len(p.ring_offsets) - 1):
                a, b = int(p.ring_offsets[r]), int(p.ring_offsets[r + 1])
                if b - a >= 3:
                    paths[int(p.poly_ring[r])].addPolygon(polygon_from_array(p.coords[a:b]))
                    paths[int(p.poly_ring[r])].closeSubpath()
            self._paths = paths
        return self._paths

    def visible_polys(self, extent: tuple[float, float, float, float]) -> np.ndarray:
        xmin, ymin, xmax, ymax = extent
        b = self.bbox
        with np.errstate(invalid="ignore"):
            return np.nonzero((b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax))[0]

    def screen_segments(self, view: Viewport, pad_px: float = 4.0) -> np.ndarray:
        """Outline segments in view, in screen pixels (a border shared by two
        polygons is stroked once)."""
        segs = self.outline
        if not len(segs):
            return segs
        mask = segment_bbox_mask(segs, view.extent, pad_px * view.m_per_px)
        return to_screen_segments(segs[mask], view.cx, view.cy, view.m_per_px, view.width, view.height)

    def size_px(self, view: Viewport) -> np.ndarray:
        """On-screen width of each polygon's bounding box (label-fit test)."""
        return np.minimum(self.bbox[:, 2] - self.bbox[:, 0], (self.bbox[:, 3] - self.bbox[:, 1]) * 2.5) / view.m_per_px


def unique_segments(segs: np.ndarray, tol_m: float = 0.01) -> np.ndarray:
    """Drop the second copy of every segment (either direction): neighbouring
    grids share their borders, and stroking each border twice costs twice."""
    if not len(segs):
        return segs
    q = np.round(segs / tol_m).astype(np.int64)
    a, b = q[:, :2], q[:, 2:]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    key = np.where(swap[:, None], np.hstack([b, a]), q)
    _, first = np.unique(key, axis=0, return_index=True)
    return np.ascontiguousarray(segs[np.sort(first)])


def world_transform(view: Viewport) -> QTransform:
    """QTransform mapping world metres to this view's logical pixels."""
    s = 1.0 / view.m_per_px
    return QTransform(s, 0.0, 0.0, -s, view.width / 2 - view.cx * s, view.height / 2 + view.cy * s)


def validate_polygon_set(p: PolygonSet, what: str = "polygons") -> None:
    """Reject malformed arrays with a message naming the field, not a crash mid-paint."""
    n = len(p.ids)
    if len(p.names) != n:
        raise ValueError(f"{what}: names has {len(p.names)} entries for {n} ids")
    if p.coords.ndim != 2 or p.coords.shape[1] != 2:
        raise ValueError(f"{what}: coords must be (N,2), got {p.coords.shape}")
    if len(p.ring_offsets) != len(p.poly_ring) + 1:
        raise ValueError(f"{what}: ring_offsets must have one more entry than poly_ring")
    if len(p.ring_offsets) and (p.ring_offsets[0] != 0 or p.ring_offsets[-1] != len(p.coords)):
        raise ValueError(f"{what}: ring_offsets must start at 0 and end at len(coords)")
    if len(p.poly_ring) and (p.poly_ring.min() < 0 or p.poly_ring.max() >= n):
        raise ValueError(f"{what}: poly_ring refers to a polygon outside 0..{n - 1}")
    if p.label_xy.shape != (n, 2):
        raise ValueError(f"{what}: label_xy must be ({n},2), got {p.label_xy.shape}")
