"""A synthetic, city-like road network for benchmarks and tests when no real city is at hand.

A jittered lattice (about 100 m blocks) with a road hierarchy (trunk / primary /
secondary / tertiary / residential / service), alternating one-way residential
streets and a share of missing links, so searches meet one-ways, dead ends and
detours as in a real city. It is not a real city: say so wherever its figures appear.
"""

from __future__ import annotations

import numpy as np

from .build import BuildReport, build_from_arrays
from .graph import RoadGraph
from .projection import to_lonlat, utm_crs_for
from .speeds import SpeedTable


def lattice_arrays(side: int = 512, spacing_m: float = 100.0, seed: int = 0,
                   center_lonlat: tuple[float, float] = (121.55, 29.87)) -> dict[str, object]:
    """Inputs for build_from_arrays: `side`×`side` junctions around `center_lonlat`."""
    rng = np.random.default_rng(seed)
    crs = utm_crs_for(np.array([center_lonlat]))
    from .projection import to_xy
    cx, cy = to_xy(crs, np.array([center_lonlat]))[0]
    half = (side - 1) * spacing_m / 2
    grid = np.arange(side) * spacing_m - half
    gx, gy = np.meshgrid(grid, grid)  # row r = y index, column c = x index
    xy = np.column_stack([gx.ravel() + cx, gy.ravel() + cy]) + rng.normal(0, spacing_m * 0.12, (side * side, 2))
    idx = np.arange(side * side).reshape(side, side)

    def line_class(i: np.ndarray) -> np.ndarray:
        cls = np.full(i.shape, "residential", dtype=object)
        cls[i % 4 == 0] = "tertiary"
        cls[i % 8 == 0] = "secondary"
        cls[i % 16 == 0] = "primary"
        cls[i % 64 == 0] = "trunk"
        return cls

    rows = np.repeat(np.arange(side), side - 1)          # horizontal streets along row r
    h_u, h_v = idx[:, :-1].ravel(), idx[:, 1:].ravel()
    cols = np.tile(np.arange(side), side - 1)            # vertical streets along column c
    v_u, v_v = idx[:-1, :].ravel(), idx[1:, :].ravel()
    u = np.concatenate([h_u, v_u])
    v = np.concatenate([h_v, v_v])
    line = np.concatenate([rows, cols])
    cls = np.concatenate([line_class(rows), line_class(cols)])
    residential = cls == "residential"
    # a quarter of residential streets are one-way, alternating direction street by street
    one_line = residential & (line % 4 == 1)
    flip = one_line & (line % 8 == 5)
    u2 = np.where(flip, v, u)
    v2 = np.where(flip, u, v)
    # some residential links become service alleys, some are missing (blocks, rivers, campuses)
    r = rng.random(len(u))
    cls = np.where(residential & (r < 0.06), "service", cls)
    keep = ~(residential & (r > 0.92))
    ll = to_lonlat(crs, xy)
    maxspeed = np.full(len(u), np.nan)
    maxspeed[cls == "trunk"] = 70.0
    names = [f"{'Row' if i < len(h_u) else 'Col'} {ln}" for i, ln in enumerate(line.tolist())]
    return {
        "node_lonlat": ll, "edge_u": u2[keep], "edge_v": v2[keep], "road_class": cls[keep].astype(str),
        "oneway": one_line[keep], "names": [names[i] for i in np.flatnonzero(keep)],
        "maxspeed_kmh": maxspeed[keep], "crs": crs,
    }


def synthetic_city(side: int = 512, seed: int = 0, spacing_m: float = 100.0,
                   center_lonlat: tuple[float, float] = (121.55, 29.87),
                   speeds: SpeedTable | None = None) -> tuple[RoadGraph, BuildReport]:
    """Jittered hierarchical lattice; side=512 gives ~255k nodes after the largest SCC is kept."""
    arrays = lattice_arrays(side, spacing_m, seed, center_lonlat)
    return build_from_arrays(**arrays, speeds=speeds, source=f"synthetic lattice {side}x{side} seed {seed}")  # type: ignore[arg-type]
