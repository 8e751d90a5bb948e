"""Nearest-point lookup for picking: a k-d tree, not a loop over features."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


class PointIndex:
    """Index over (N,2) world points; rows with NaN (no fix) are never found."""

    def __init__(self, xy: np.ndarray) -> None:
        xy = np.asarray(xy, dtype=np.float64)
        ok = np.isfinite(xy).all(axis=1)
        self._rows = np.nonzero(ok)[0]
        self._tree = cKDTree(xy[ok]) if len(self._rows) else None

    def nearest(self, x: float, y: float, max_dist_m: float) -> tuple[int, float] | None:
        """(row, distance_m) of the nearest point within `max_dist_m`, else None."""
        if self._tree is None:
            return None
        dist, k = self._tree.query((x, y), k=1, distance_upper_bound=max_dist_m)
        if not np.isfinite(dist):
            return None
        return int(self._rows[k]), float(dist)

    def within(self, x: float, y: float, radius_m: float) -> np.ndarray:
        """Rows of all points within `radius_m`."""
        if self._tree is None:
            return np.zeros(0, np.int64)
        return self._rows[np.asarray(self._tree.query_ball_point((x, y), radius_m), dtype=np.int64)]
