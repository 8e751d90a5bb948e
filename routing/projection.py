"""Pick a metric CRS for a data set and convert between lon/lat and metres.

The one projection module of the project: routing, services, the live state and
the benches all convert here, with the CRS the city records in the store (or the
data set picks with `utm_crs_for`). Nothing has a default CRS: a caller that
forgets its city's zone fails loudly instead of drawing it in Ningbo's.
"""

from __future__ import annotations

import threading
from typing import TypeVar

import numpy as np
import shapely
from pyproj import CRS, Transformer

G = TypeVar("G", bound=shapely.Geometry)


def utm_crs_for(lonlat: np.ndarray) -> str:
    """WGS84 UTM zone (EPSG:326xx north / 327xx south) containing the data's centroid."""
    pts = np.asarray(lonlat, dtype=np.float64)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        raise ValueError("cannot pick a projection: no finite coordinates")
    lon, lat = float(np.median(pts[:, 0])), float(np.median(pts[:, 1]))
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return f"EPSG:{(32600 if lat >= 0 else 32700) + zone}"


def check_metric_crs(crs: str) -> str:
    """`crs` itself when it is a projected CRS in metres; ValueError naming the problem otherwise."""
    try:
        parsed = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError with a long message
        raise ValueError(f"unknown CRS {crs!r}: {exc}") from None
    if not parsed.is_projected:
        raise ValueError(f"CRS {crs!r} is not a projected (metric) CRS")
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise ValueError(f"CRS {crs!r} is in {unit}, not metres")
    return crs


_local = threading.local()


def _transformer(src: str, dst: str) -> Transformer:
    """Building a Transformer costs milliseconds; a live seat converts every tick. One per thread:
    the seat converts on its UI thread, its live-state follower and its recommendation worker at
    once, and a PROJ transformation object must not be used by two threads at the same time."""
    cache: dict[tuple[str, str], Transformer] | None = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    found = cache.get((src, dst))
    if found is None:
        found = cache[(src, dst)] = Transformer.from_crs(src, dst, always_xy=True)
    return found


def to_xy(crs: str, lonlat: np.ndarray) -> np.ndarray:
    """(N,2) lon/lat -> (N,2) metres in `crs`."""
    pts = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    x, y = _transformer("EPSG:4326", crs).transform(pts[:, 0], pts[:, 1])
    return np.column_stack([x, y])


def to_lonlat(crs: str, xy: np.ndarray) -> np.ndarray:
    """(N,2) metres in `crs` -> (N,2) lon/lat."""
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    lon, lat = _transformer(crs, "EPSG:4326").transform(pts[:, 0], pts[:, 1])
    return np.column_stack([lon, lat])


def geom_to_xy(crs: str, geom: G) -> G:
    """A lon/lat shapely geometry (or array of them) in metres of `crs`."""
    out: G = shapely.transform(geom, lambda c: to_xy(crs, c))
    return out


def geom_to_lonlat(crs: str, geom: G) -> G:
    """A shapely geometry (or array of them) in metres of `crs`, in lon/lat."""
    out: G = shapely.transform(geom, lambda c: to_lonlat(crs, c))
    return out
