"""Incident density over a time window, as a raster the map's heatmap layer draws.

Kernel density on the city's metric grid: incidents are counted into square cells
(`cell_m`, default 250 m) and smoothed with a Gaussian kernel of standard deviation
`bandwidth_m` (default 500 m), normalised so the raster is incidents per km². Counting
and smoothing are separable array operations, so a window dragged live over a day on
the full city costs milliseconds: `IncidentHistory` reads reports once, sorted by
time, and each window is two binary searches plus one histogram and one filter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter
from sqlalchemy import Engine, select

from routing.projection import to_xy

from ..domain.snapshot import RasterGrid
from ..store import schema
from ..store.engine import READ_ONLY_OPTION
from .clock import to_epoch
from .exports.window import TimeWindow

DEFAULT_CELL_M = 250.0
DEFAULT_BANDWIDTH_M = 500.0


def density_grid(xy: np.ndarray, bounds: tuple[float, float, float, float], *, cell_m: float = DEFAULT_CELL_M,
                 bandwidth_m: float = DEFAULT_BANDWIDTH_M) -> RasterGrid:
    """Gaussian kernel density of points `xy` (N,2 metres) over `bounds`, in points per km²;
    cells below 1 % of the peak are NaN (drawn transparent)."""
    if cell_m <= 0 or bandwidth_m <= 0:
        raise ValueError(f"density_grid: cell_m and bandwidth_m must be > 0, got {cell_m}, {bandwidth_m}")
    x0, y0, x1, y1 = bounds
    cols = max(1, int(np.ceil((x1 - x0) / cell_m)))
    rows = max(1, int(np.ceil((y1 - y0) / cell_m)))
    pts = np.asarray(xy, np.float64).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    counts, _, _ = np.histogram2d(pts[:, 1], pts[:, 0], bins=(rows, cols),
                                  range=((y0, y0 + rows * cell_m), (x0, x0 + cols * cell_m)))
    # the Gaussian filter keeps the total count; dividing by the cell area gives a density
    smooth = gaussian_filter(counts, sigma=bandwidth_m / cell_m, mode="constant", truncate=3.0)
    per_km2 = (smooth / (cell_m * cell_m / 1e6)).astype(np.float32)
    peak = float(per_km2.max()) if per_km2.size else 0.0
    if peak > 0:
        per_km2[per_km2 < 0.01 * peak] = np.nan
    else:
        per_km2[:] = np.nan
    return RasterGrid(x0=float(x0), y0=float(y0), cell_m=float(cell_m), values=per_km2)


@dataclass(frozen=True)
class Density:
    grid: RasterGrid
    incidents: int           # incidents counted in the window
    bandwidth_m: float


class IncidentHistory:
    """Every incident's report time and place, read once, for windows dragged live."""

    def __init__(self, engine: Engine, crs: str, bounds: tuple[float, float, float, float] | None = None) -> None:
        i = schema.incident
        with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            rows = conn.execute(select(i.c.reported_at, i.c.lon, i.c.lat)).all()
        t = np.array([to_epoch(r.reported_at) for r in rows], np.float64)
        ll = np.array([(r.lon, r.lat) for r in rows], np.float64).reshape(-1, 2)
        order = np.argsort(t, kind="stable")
        self.time_s = t[order]
        self.xy = to_xy(crs, ll[order]) if len(ll) else np.zeros((0, 2))
        if bounds is None:
            d = schema.district
            import shapely
            with engine.connect() as conn:
                geoms = shapely.from_wkb([bytes(g) for g in conn.execute(select(d.c.geometry_wkb)).scalars()])
            corners = to_xy(crs, shapely.get_coordinates(geoms))
            bounds = (float(corners[:, 0].min()), float(corners[:, 1].min()),
                      float(corners[:, 0].max()), float(corners[:, 1].max()))
        self.bounds = bounds

    def window(self, window: TimeWindow, *, cell_m: float = DEFAULT_CELL_M,
               bandwidth_m: float = DEFAULT_BANDWIDTH_M) -> Density:
        a = 0 if window.start_s is None else int(np.searchsorted(self.time_s, window.start_s, "left"))
        b = len(self.time_s) if window.end_s is None else int(np.searchsorted(self.time_s, window.end_s, "left"))
        pts = self.xy[a:b]
        return Density(density_grid(pts, self.bounds, cell_m=cell_m, bandwidth_m=bandwidth_m), len(pts), bandwidth_m)


def incident_density(engine: Engine, crs: str, window: TimeWindow, *, cell_m: float = DEFAULT_CELL_M,
                     bandwidth_m: float = DEFAULT_BANDWIDTH_M) -> Density:
    """Density of incidents reported in `window` over the whole city."""
    return IncidentHistory(engine, crs).window(window, cell_m=cell_m, bandwidth_m=bandwidth_m)
