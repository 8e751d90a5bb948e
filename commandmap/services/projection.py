"""The services' face of `routing.projection` for the UI, which does not import routing.

Only a forwarding name: no transformer cache and no default CRS of its own (the
one projection module is `routing.projection`; the city's CRS is in the store).
"""

from __future__ import annotations

import numpy as np

from routing.projection import to_lonlat


def xy_to_lonlat(xy: np.ndarray, crs: str) -> np.ndarray:
    """(N,2) metres in the city's `crs` -> (N,2) lon/lat degrees."""
    return to_lonlat(crs, xy)
