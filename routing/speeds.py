"""Road classes, travel modes and the speed table that turns lengths into travel times."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

# Same order as commandmap/domain/snapshot.py ROAD_CLASS_CODES (the code is the index).
ROAD_CLASSES: tuple[str, ...] = (
    "motorway", "trunk", "primary", "secondary", "tertiary", "residential", "service",
)
TRAVEL_MODES: tuple[str, ...] = ("foot", "ebike", "car")

# OSM `highway=*` values (and common synonyms in other data sets) -> our class.
# Anything not listed is not a drivable road and is left out by the OSM builder.
HIGHWAY_TO_CLASS: dict[str, str] = {
    "motorway": "motorway", "motorway_link": "motorway",
    "trunk": "trunk", "trunk_link": "trunk",
    "primary": "primary", "primary_link": "primary",
    "secondary": "secondary", "secondary_link": "secondary",
    "tertiary": "tertiary", "tertiary_link": "tertiary",
    "unclassified": "residential", "residential": "residential", "living_street": "residential",
    "road": "residential",
    "service": "service", "services": "service",
}

# km/h. None = this mode may not use this class (edge excluded for the mode).
# Car figures are typical urban average speeds (not limits) for a Chinese city;
# e-bikes are barred from expressways and capped at 25 km/h by GB 17761-2018.
_DEFAULT_KMH: dict[str, dict[str, float | None]] = {
    "car": {"motorway": 80.0, "trunk": 60.0, "primary": 45.0, "secondary": 40.0,
            "tertiary": 35.0, "residential": 25.0, "service": 15.0},
    "ebike": {"motorway": None, "trunk": None, "primary": 22.0, "secondary": 22.0,
              "tertiary": 20.0, "residential": 18.0, "service": 12.0},
    "foot": {"motorway": None, "trunk": None, "primary": 5.0, "secondary": 5.0,
             "tertiary": 5.0, "residential": 5.0, "service": 5.0},
}
# Modes for which one-way restrictions do not apply (a pedestrian may walk against traffic).
_DEFAULT_IGNORES_ONEWAY: frozenset[str] = frozenset({"foot"})


def class_code(name: str) -> int:
    """Index of a road class name in ROAD_CLASSES (ValueError names the bad value)."""
    try:
        return ROAD_CLASSES.index(name)
    except ValueError:
        raise ValueError(f"unknown road class {name!r}; expected one of {', '.join(ROAD_CLASSES)}") from None


def check_mode(mode: str) -> str:
    if mode not in TRAVEL_MODES:
        raise ValueError(f"unknown travel mode {mode!r}; expected one of {', '.join(TRAVEL_MODES)}")
    return mode


@dataclass(frozen=True)
class SpeedTable:
    """Speed in km/h per travel mode and road class; None bars the mode from the class.

    A posted `maxspeed` caps a mode's speed (it never raises it above the table for
    bikes and walkers; for cars it replaces the table figure when it is lower, because
    the table holds urban averages, not limits).
    """

    kmh: Mapping[str, Mapping[str, float | None]] = field(default_factory=lambda: _DEFAULT_KMH)
    ignores_oneway: frozenset[str] = _DEFAULT_IGNORES_ONEWAY

    def __post_init__(self) -> None:
        for mode in TRAVEL_MODES:
            if mode not in self.kmh:
                raise ValueError(f"speed table has no entry for mode {mode!r}")
            for cls in ROAD_CLASSES:
                if cls not in self.kmh[mode]:
                    raise ValueError(f"speed table for mode {mode!r} has no road class {cls!r}")
                v = self.kmh[mode][cls]
                if v is not None and not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                    raise ValueError(f"speed for {mode}/{cls} must be a positive number or null, got {v!r}")
        for mode in self.ignores_oneway:
            check_mode(mode)

    @classmethod
    def defaults(cls) -> SpeedTable:
        return cls()

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SpeedTable:
        """Defaults overridden by `data`: {"car": {"primary": 50, ...}, ..., "ignores_oneway": ["foot"]}."""
        kmh = {m: dict(v) for m, v in _DEFAULT_KMH.items()}
        ignores = set(_DEFAULT_IGNORES_ONEWAY)
        for key, value in data.items():
            if key == "ignores_oneway":
                if not isinstance(value, (list, tuple, set, frozenset)):
                    raise ValueError("speed table 'ignores_oneway' must be a list of modes")
                ignores = {check_mode(str(m)) for m in value}
                continue
            check_mode(key)
            if not isinstance(value, Mapping):
                raise ValueError(f"speed table entry {key!r} must map road class -> km/h")
            for cls_name, speed in value.items():
                class_code(str(cls_name))
                kmh[key][str(cls_name)] = None if speed is None else float(speed)
        return cls(kmh=kmh, ignores_oneway=frozenset(ignores))

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {m: dict(self.kmh[m]) for m in TRAVEL_MODES}
        out["ignores_oneway"] = sorted(self.ignores_oneway)
        return out

    def class_kmh(self, mode: str) -> np.ndarray:
        """(len(ROAD_CLASSES),) float64 km/h for a mode; NaN where the mode is barred."""
        check_mode(mode)
        return np.array([np.nan if self.kmh[mode][c] is None else float(self.kmh[mode][c])  # type: ignore[arg-type]
                         for c in ROAD_CLASSES], dtype=np.float64)

    def edge_kmh(self, mode: str, edge_class: np.ndarray, maxspeed_kmh: np.ndarray | None) -> np.ndarray:
        """Per-edge speed (km/h) for `mode`; NaN where the mode may not use the edge."""
        speed = self.class_kmh(mode)[edge_class.astype(np.intp)]
        if maxspeed_kmh is not None:
            posted = np.asarray(maxspeed_kmh, dtype=np.float64)
            has = np.isfinite(posted) & (posted > 0)
            speed = np.where(has, np.minimum(speed, posted), speed)
        return speed
