"""Arrival detection from positions: an officer on an open task is "on scene" once a
good fix lies within a set distance of the incident.

Pure, so the rule is the same whether the fix came from the simulator or a phone.
"""

from __future__ import annotations

import numpy as np

from .fix_validation import haversine_m

#: a fix within this distance of the scene counts as arrival (street-address precision)
DEFAULT_ARRIVAL_RADIUS_M = 60.0
#: a poor fix may add at most this much to the radius (a 500 m-accuracy fix proves nothing)
MAX_ACCURACY_ALLOWANCE_M = 30.0


def arrived(officer_lon: np.ndarray, officer_lat: np.ndarray, scene_lon: np.ndarray, scene_lat: np.ndarray,
            radius_m: float = DEFAULT_ARRIVAL_RADIUS_M, accuracy_m: np.ndarray | None = None) -> np.ndarray:
    """True where the officer is within `radius_m` (+ part of the fix's stated accuracy) of the scene."""
    if radius_m <= 0:
        raise ValueError(f"arrival radius must be > 0 m, got {radius_m}")
    d = haversine_m(np.asarray(officer_lon, float), np.asarray(officer_lat, float),
                    np.asarray(scene_lon, float), np.asarray(scene_lat, float))
    allowance: float | np.ndarray = 0.0
    if accuracy_m is not None:
        acc = np.asarray(accuracy_m, dtype=np.float64)
        allowance = np.clip(np.nan_to_num(acc, nan=0.0), 0.0, MAX_ACCURACY_ALLOWANCE_M)
    return np.asarray(d <= radius_m + allowance)
