"""The small route map of the phone's task page, as inline SVG in the city's metric projection.

Drawn from the product's own data (the task's stored route and the city's road
network, projected by `routing.projection`), never from internet tiles. SVG, not
a Qt-rendered PNG: the ingest process stays free of Qt (an offscreen Qt
application on the server's worker threads is a risk for no gain on a phone,
which draws vectors crisply at any pixel density), and the page stays one
self-contained document that works with JavaScript off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from routing.graph import RoadGraph
from routing.projection import to_xy

WIDTH_PX = 360
HEIGHT_PX = 220
MARGIN_M = 60.0
PAD_PX = 26.0      # room for the scene's pin and the start dot at the edges
MAX_ROAD_SEGMENTS = 4000


@dataclass(frozen=True)
class RoadIndex:
    """Per-edge bounding boxes of a road graph (projected), to pick the roads under a route quickly."""

    graph: RoadGraph
    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray

    @classmethod
    def build(cls, graph: RoadGraph) -> RoadIndex:
        offsets = graph.edge_geom_offsets
        xy = graph.edge_geom_xy
        starts = offsets[:-1]
        if len(starts) == 0 or len(xy) == 0:
            empty = np.zeros(0)
            return cls(graph, empty, empty, empty, empty)
        return cls(graph, np.minimum.reduceat(xy[:, 0], starts), np.minimum.reduceat(xy[:, 1], starts),
                   np.maximum.reduceat(xy[:, 0], starts), np.maximum.reduceat(xy[:, 1], starts))

    def lines_in(self, box: tuple[float, float, float, float]) -> list[np.ndarray]:
        bx0, by0, bx1, by1 = box
        hit = np.nonzero((self.x1 >= bx0) & (self.x0 <= bx1) & (self.y1 >= by0) & (self.y0 <= by1))[0]
        offsets = self.graph.edge_geom_offsets
        return [self.graph.edge_geom_xy[offsets[e]:offsets[e + 1]] for e in hit[:MAX_ROAD_SEGMENTS]]


def _path(points: np.ndarray, sx, sy) -> str:  # type: ignore[no-untyped-def]
    return "M" + " L".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)


def route_svg(crs: str, route_lonlat: Sequence[Sequence[float]], scene_lonlat: tuple[float, float],
              roads: RoadIndex | None = None) -> str:
    """An SVG of the route (blue), its start (green dot) and the scene (red pin) over the nearby roads (grey),
    north up, scaled to fit; a scale bar in metres. A task without a stored route shows the scene alone."""
    pts_ll = np.array([[float(x), float(y)] for x, y in route_lonlat] or [list(scene_lonlat)], np.float64)
    pts = to_xy(crs, pts_ll)
    scene = to_xy(crs, np.array([scene_lonlat], np.float64))[0]
    allpts = np.vstack([pts, scene[None, :]])
    x0, y0 = allpts.min(axis=0) - MARGIN_M
    x1, y1 = allpts.max(axis=0) + MARGIN_M
    # keep the aspect of the picture: widen the short side
    span = max((x1 - x0) / (WIDTH_PX - 2 * PAD_PX), (y1 - y0) / (HEIGHT_PX - 2 * PAD_PX))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x0, x1 = cx - span * WIDTH_PX / 2, cx + span * WIDTH_PX / 2
    y0, y1 = cy - span * HEIGHT_PX / 2, cy + span * HEIGHT_PX / 2

    def sx(x: float) -> float:
        return (x - x0) / span

    def sy(y: float) -> float:
        return (y1 - y) / span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="route-map" viewBox="0 0 {WIDTH_PX} {HEIGHT_PX}" '
             f'role="img" aria-label="route map">',
             f'<rect width="{WIDTH_PX}" height="{HEIGHT_PX}" fill="#f4f1ea"/>']
    if roads is not None:
        lines = roads.lines_in((x0, y0, x1, y1))
        if lines:
            d = " ".join(_path(line, sx, sy) for line in lines if len(line) >= 2)
            parts.append(f'<path d="{d}" fill="none" stroke="#c9c4b8" stroke-width="3" stroke-linecap="round"/>')
    if len(pts) >= 2:
        parts.append(f'<path class="route" d="{_path(pts, sx, sy)}" fill="none" stroke="#fff" stroke-width="9" '
                     'stroke-linejoin="round" stroke-linecap="round"/>')
        parts.append(f'<path d="{_path(pts, sx, sy)}" fill="none" stroke="#1565c0" stroke-width="5" '
                     'stroke-linejoin="round" stroke-linecap="round"/>')
        parts.append(f'<circle cx="{sx(pts[0, 0]):.1f}" cy="{sy(pts[0, 1]):.1f}" r="8" fill="#2e7d32" '
                     'stroke="#fff" stroke-width="3"/>')
    px, py = sx(scene[0]), sy(scene[1])
    parts.append(f'<path d="M{px:.1f},{py:.1f} l-9,-16 a10,10 0 1 1 18,0 z" fill="#c62828" stroke="#fff" '
                 'stroke-width="2"/>')
    # scale bar: a round number of metres about a quarter of the width
    target = span * WIDTH_PX / 4
    bar_m = float(next((m for m in (50, 100, 200, 250, 500, 1000, 2000, 5000, 10000) if m >= target), 20000))
    bar_px = bar_m / span
    label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    parts.append(f'<path d="M10,{HEIGHT_PX - 12} h{bar_px:.1f}" stroke="#333" stroke-width="3"/>'
                 f'<text x="10" y="{HEIGHT_PX - 18}" font-size="13" fill="#333">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)
