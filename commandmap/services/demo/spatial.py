"""Point-in-area look-ups and road stretches for placing people and businesses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from routing import RoadGraph

from .geography import Area

MOTORWAY = 0


class AreaLocator:
    """Which area (district/town/grid) contains each lon/lat point, via an STRtree."""

    def __init__(self, areas: list[Area]) -> None:
        self.areas = areas
        self.ids = np.array([a.id for a in areas], dtype=np.int64)
        self._tree = shapely.STRtree(np.array([a.geom_ll for a in areas], dtype=object))

    def locate(self, lonlat: np.ndarray) -> np.ndarray:
        """Index into `areas` of the area containing each point (lowest index on a shared border), -1 if none."""
        pts = shapely.points(np.asarray(lonlat, dtype=float).reshape(-1, 2))
        hit = self._tree.query(pts, predicate="intersects")
        out = np.full(len(pts), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, hit[0], hit[1])
        out[out == np.iinfo(np.int64).max] = -1
        return out


@dataclass
class Streets:
    """The drivable, non-expressway road segments (one per street, both directions merged)."""

    u: np.ndarray            # node index
    v: np.ndarray
    a_xy: np.ndarray         # (M,2) start, metres
    b_xy: np.ndarray
    length_m: np.ndarray
    name: list[str]

    @classmethod
    def from_graph(cls, graph: RoadGraph) -> Streets:
        e = np.arange(graph.n_edges)
        forward = (graph.edge_twin < 0) | (e < graph.edge_twin)
        keep = forward & (graph.edge_class != MOTORWAY)
        u, v = graph.edge_u[keep], graph.edge_v[keep]
        names = [graph.names[i] for i in graph.edge_name_id[keep].tolist()]
        a, b = graph.node_xy[u], graph.node_xy[v]
        return cls(u, v, a, b, np.hypot(*(b - a).T), names)

    @property
    def mid_xy(self) -> np.ndarray:
        return (self.a_xy + self.b_xy) / 2.0

    def __len__(self) -> int:
        return len(self.u)

    def point_at(self, idx: np.ndarray, t: np.ndarray, offset_m: np.ndarray | float = 0.0) -> np.ndarray:
        """Point at fraction t along street idx, moved offset_m to its left (negative: right)."""
        a, b = self.a_xy[idx], self.b_xy[idx]
        d = b - a
        n = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-9)[:, None]
        return a + d * np.asarray(t)[:, None] + n * np.asarray(offset_m).reshape(-1, 1)
