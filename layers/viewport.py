"""World (projected metres, y north) ↔ screen (logical pixels, y down) mapping.

Pure numpy, no Qt: the canvas, the cache worker, exports and tests all share
this one definition of "where is this metre on screen", so a pixel sampled in
a test is exactly where the layers drew it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

MIN_M_PER_PX = 0.05      # closest zoom: 5 cm per pixel
MAX_M_PER_PX = 2000.0    # farthest zoom: a whole province on one screen


@dataclass(frozen=True)
class Viewport:
    """A view of the world: centre (metres), scale (metres per logical pixel)
    and size (logical pixels). Immutable so a copy can travel to a worker."""

    cx: float
    cy: float
    m_per_px: float
    width: int
    height: int

    # --- construction -------------------------------------------------
    @classmethod
    def fit(cls, extent: tuple[float, float, float, float], width: int, height: int,
            pad_frac: float = 0.0) -> Viewport:
        """The view of `extent` (xmin, ymin, xmax, ymax) that fits whole inside
        width × height, centred; `pad_frac` leaves a border."""
        xmin, ymin, xmax, ymax = extent
        if not (xmax > xmin and ymax > ymin):
            raise ValueError(f"empty extent {extent!r}: need xmax > xmin and ymax > ymin")
        if width <= 0 or height <= 0:
            raise ValueError(f"viewport size must be positive, got {width}×{height}")
        span_x = (xmax - xmin) * (1.0 + 2 * pad_frac)
        span_y = (ymax - ymin) * (1.0 + 2 * pad_frac)
        m = max(span_x / width, span_y / height)
        return cls((xmin + xmax) / 2, (ymin + ymax) / 2, _clamp_scale(m), int(width), int(height))

    # --- derived --------------------------------------------------------
    @property
    def extent(self) -> tuple[float, float, float, float]:
        hw = self.width * self.m_per_px / 2
        hh = self.height * self.m_per_px / 2
        return (self.cx - hw, self.cy - hh, self.cx + hw, self.cy + hh)

    @property
    def zoom(self) -> float:
        """Fractional web-map-like zoom level (z=0 ≈ 156 km/px); for display only."""
        return math.log2(156543.03 / self.m_per_px)

    # --- transforms -----------------------------------------------------
    def to_screen(self, x: np.ndarray | float, y: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        sx = (np.asarray(x, dtype=np.float64) - self.cx) / self.m_per_px + self.width / 2
        sy = self.height / 2 - (np.asarray(y, dtype=np.float64) - self.cy) / self.m_per_px
        return sx, sy

    def to_screen_xy(self, xy: np.ndarray) -> np.ndarray:
        """(N,2) world → (N,2) screen, float64."""
        out = np.empty((len(xy), 2), dtype=np.float64)
        inv = 1.0 / self.m_per_px
        out[:, 0] = (xy[:, 0] - self.cx) * inv + self.width / 2
        out[:, 1] = self.height / 2 - (xy[:, 1] - self.cy) * inv
        return out

    def to_world(self, sx: np.ndarray | float, sy: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        x = (np.asarray(sx, dtype=np.float64) - self.width / 2) * self.m_per_px + self.cx
        y = (self.height / 2 - np.asarray(sy, dtype=np.float64)) * self.m_per_px + self.cy
        return x, y

    def world_point(self, sx: float, sy: float) -> tuple[float, float]:
        x, y = self.to_world(sx, sy)
        return float(x), float(y)

    def screen_point(self, x: float, y: float) -> tuple[float, float]:
        sx, sy = self.to_screen(x, y)
        return float(sx), float(sy)

    # --- navigation -----------------------------------------------------
    def resized(self, width: int, height: int) -> Viewport:
        """Same centre and scale, new size (window resize keeps the map still)."""
        return replace(self, width=max(1, int(width)), height=max(1, int(height)))

    def panned(self, dx_px: float, dy_px: float) -> Viewport:
        """Move the map content by (dx, dy) screen pixels, as a drag does."""
        return replace(self, cx=self.cx - dx_px * self.m_per_px, cy=self.cy + dy_px * self.m_per_px)

    def zoomed(self, factor: float, anchor_px: tuple[float, float] | None = None) -> Viewport:
        """Zoom in by `factor` (>1 = closer) keeping the world point under
        `anchor_px` at the same screen position (wheel zoom about the cursor)."""
        new_m = _clamp_scale(self.m_per_px / factor)
        if anchor_px is None:
            return replace(self, m_per_px=new_m)
        ax, ay = anchor_px
        wx, wy = self.world_point(ax, ay)
        cx = wx - (ax - self.width / 2) * new_m
        cy = wy + (ay - self.height / 2) * new_m
        return Viewport(cx, cy, new_m, self.width, self.height)

    def centred_on(self, x: float, y: float, m_per_px: float | None = None) -> Viewport:
        return replace(self, cx=float(x), cy=float(y),
                       m_per_px=_clamp_scale(m_per_px if m_per_px is not None else self.m_per_px))

    def expanded(self, margin_px: int) -> Viewport:
        """Same centre and scale, `margin_px` more on every side (the cache's view)."""
        return replace(self, width=self.width + 2 * margin_px, height=self.height + 2 * margin_px)

    def contains_view(self, other: Viewport, tol_px: float = 0.5) -> bool:
        """True when `other` lies wholly inside this view at the same scale."""
        if abs(other.m_per_px - self.m_per_px) > 1e-9 * self.m_per_px:
            return False
        ax0, ay0, ax1, ay1 = self.extent
        bx0, by0, bx1, by1 = other.extent
        tol = tol_px * self.m_per_px
        return bx0 >= ax0 - tol and by0 >= ay0 - tol and bx1 <= ax1 + tol and by1 <= ay1 + tol


def _clamp_scale(m_per_px: float) -> float:
    if not math.isfinite(m_per_px) or m_per_px <= 0:
        raise ValueError(f"scale must be a positive number of metres per pixel, got {m_per_px!r}")
    return min(max(m_per_px, MIN_M_PER_PX), MAX_M_PER_PX)


def rect_mask(xy: np.ndarray, extent: tuple[float, float, float, float], pad_m: float = 0.0) -> np.ndarray:
    """Boolean mask of points inside `extent` grown by `pad_m` (NaN rows are outside)."""
    xmin, ymin, xmax, ymax = extent
    x = xy[:, 0]
    y = xy[:, 1]
    return (x >= xmin - pad_m) & (x <= xmax + pad_m) & (y >= ymin - pad_m) & (y <= ymax + pad_m)
