"""How built-up each place is: the road-density level the demo city uses everywhere.

Level 0 is an urban core (100 m blocks at full scale), each level up halves the
density, `max_level` is mountain and open country. Cores come from
data/demo/urban_cores.csv, small town centres from the town seeds, and a smooth
seeded noise decides which countryside is plain (denser) and which is hill.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from routing.projection import to_xy

from . import sources

SUBURB_FACTOR = 2.4       # suburbs reach this many core radii from a core
FRINGE_FACTOR = 4.0       # the denser plain reaches this far
TOWN_CENTRE_M = 1_600.0   # every town and street has a small centre of its own
REMOTE_M = 5_500.0        # farther than this from any town seed counts as hill country


class DensityField:
    def __init__(self, max_level: int, seed: int) -> None:
        self.max_level = max_level
        cores = sources.urban_cores()
        self._core_xy = to_xy(sources.crs(), np.array([c.lonlat for c in cores]))
        self._core_r = np.array([c.core_radius_m for c in cores])
        self._towns = cKDTree(to_xy(sources.crs(), np.array([t.seed_lonlat for t in sources.towns()])))
        rng = np.random.default_rng([seed, 101])
        self._waves = [(rng.uniform(0, 2 * np.pi), rng.uniform(6_000, 16_000), rng.uniform(0, 2 * np.pi))
                       for _ in range(4)]
        self.centre_xy = self._core_xy[0]

    def _noise(self, xy: np.ndarray) -> np.ndarray:
        total = np.zeros(len(xy))
        for angle, wavelength, phase in self._waves:
            proj = xy[:, 0] * np.cos(angle) + xy[:, 1] * np.sin(angle)
            total += np.sin(2 * np.pi * proj / wavelength + phase)
        return total / len(self._waves)

    def core_distance(self, xy: np.ndarray) -> np.ndarray:
        """Distance to the nearest core in units of that core's radius (<1 inside a core)."""
        d = np.hypot(xy[:, None, 0] - self._core_xy[None, :, 0], xy[:, None, 1] - self._core_xy[None, :, 1])
        return (d / self._core_r[None, :]).min(axis=1)

    def level(self, xy: np.ndarray) -> np.ndarray:
        """Density level 0 (urban core) .. max_level (hill country) at each point."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        k = self.max_level
        rel = self.core_distance(xy)
        town_d, _ = self._towns.query(xy)
        noise = self._noise(xy)
        lvl = np.full(len(xy), k, dtype=np.int8)
        plain = (town_d < REMOTE_M) & (noise < 0.25)
        lvl[plain] = max(k - 1, 0)
        lvl[(rel < FRINGE_FACTOR) & (town_d < REMOTE_M)] = max(k - 1, 0)
        lvl[(town_d < TOWN_CENTRE_M) | (rel < SUBURB_FACTOR)] = min(1, k)
        lvl[rel < 1.0] = 0
        return lvl
