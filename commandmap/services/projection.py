"""WGS84 <-> the city's metric CRS (UTM 51N for Ningbo) for arrays and shapely geometries.

The store keeps lon/lat; the map and the demo generator work in metres. One
cached transformer per direction keeps both cheap.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

import numpy as np
import shapely
from pyproj import Transformer

CITY_CRS = "EPSG:32651"  # WGS 84 / UTM zone 51N: Ningbo lies 120.9–122.3°E, inside the zone (120–126°E)

G = TypeVar("G", bound=shapely.Geometry)


@lru_cache(maxsize=8)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_xy(lonlat: np.ndarray, crs: str = CITY_CRS) -> np.ndarray:
    """(N,2) lon/lat degrees -> (N,2) metres."""
    pts = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    x, y = _transformer("EPSG:4326", crs).transform(pts[:, 0], pts[:, 1])
    return np.column_stack([x, y])


def xy_to_lonlat(xy: np.ndarray, crs: str = CITY_CRS) -> np.ndarray:
    """(N,2) metres -> (N,2) lon/lat degrees."""
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    lon, lat = _transformer(crs, "EPSG:4326").transform(pts[:, 0], pts[:, 1])
    return np.column_stack([lon, lat])


def geom_to_xy(geom: G, crs: str = CITY_CRS) -> G:
    """A lon/lat shapely geometry (or array of them) in metres."""
    return shapely.transform(geom, lambda c: lonlat_to_xy(c, crs))


def geom_to_lonlat(geom: G, crs: str = CITY_CRS) -> G:
    """A metric shapely geometry (or array of them) in lon/lat."""
    return shapely.transform(geom, lambda c: xy_to_lonlat(c, crs))
