"""The two sizes of the demo city. Every count the generator aims at lives here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scale = Literal["mini", "full"]


@dataclass(frozen=True)
class ScaleConfig:
    name: str
    towns_per_district: int | None  # None: every town of data/demo/towns.csv
    grids_total: int                # split over towns by estimated population
    min_grids_per_town: int
    road_spacing_m: float           # finest lattice spacing (urban cores)
    max_level: int                  # sparsest rural road level: spacing * 2**max_level
    officers: int
    sites: int
    incidents: int
    users: bool = True


SCALES: dict[str, ScaleConfig] = {
    # small enough for tests: all 10 districts, 3 towns each, ~100 grids, a few thousand road nodes
    "mini": ScaleConfig("mini", towns_per_district=3, grids_total=100, min_grids_per_town=2,
                        road_spacing_m=1200.0, max_level=2, officers=500, sites=1_000, incidents=10),
    # the customer's figures: 156 towns, 2,000+ grids, 25,000 officers, 50,000 sites
    "full": ScaleConfig("full", towns_per_district=None, grids_total=2_200, min_grids_per_town=4,
                        road_spacing_m=100.0, max_level=3, officers=25_000, sites=50_000, incidents=60),
}


def scale_config(scale: str) -> ScaleConfig:
    try:
        return SCALES[scale]
    except KeyError:
        raise ValueError(f"unknown demo scale {scale!r}; expected one of {', '.join(SCALES)}") from None
