"""Turn polylines (OSM ways, vector-file lines) into road segments between junctions.

A vertex is a junction when it ends a line or is shared with another line (or
visited twice by one line). Lines are split at junctions; lines that cross without
sharing a vertex (bridges, tunnels) stay unconnected, as they should.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Segments:
    node_lonlat: np.ndarray       # (N,2)
    u: np.ndarray                 # (S,) node index
    v: np.ndarray
    line: np.ndarray              # (S,) which input line the segment came from
    geometry: list[np.ndarray]    # (S,) polylines lon/lat, u -> v


def split_lines(keys: np.ndarray, coords: np.ndarray, offsets: np.ndarray) -> Segments:
    """`keys` (V,) int64 vertex identities, `coords` (V,2) lon/lat, `offsets` (L+1,) line starts."""
    n_lines = len(offsets) - 1
    counts = np.diff(offsets)
    good = counts >= 2
    line_of = np.repeat(np.arange(n_lines), counts)
    if len(keys) == 0 or not good.any():
        return Segments(np.empty((0, 2)), np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int64), [])
    uniq, inverse, occurrences = np.unique(keys, return_inverse=True, return_counts=True)
    is_end = np.zeros(len(keys), dtype=bool)
    is_end[offsets[:-1][good]] = True
    is_end[offsets[1:][good] - 1] = True
    junction = is_end | (occurrences[inverse] >= 2)
    junction &= np.repeat(good, counts)
    # a closed loop between one junction and itself (roundabout, cul-de-sac loop) would be a
    # self-loop edge and get dropped: give it a junction at its middle vertex instead
    for _ in range(2):
        jv = np.flatnonzero(junction)
        same_line = line_of[jv][1:] == line_of[jv][:-1]
        loop = same_line & (keys[jv][1:] == keys[jv][:-1]) & (jv[1:] - jv[:-1] >= 2)
        if not loop.any():
            break
        junction[(jv[:-1][loop] + jv[1:][loop]) // 2] = True
    # node ids over junction vertices only
    j_keys = np.unique(keys[junction])
    node_of_vertex = np.searchsorted(j_keys, keys)
    first_vertex = np.full(len(j_keys), -1, dtype=np.int64)
    jv = np.flatnonzero(junction)
    first_vertex[node_of_vertex[jv][::-1]] = jv[::-1]
    node_lonlat = coords[first_vertex]
    # segments: consecutive junction vertices within one line
    jv_line = line_of[jv]
    same = jv_line[1:] == jv_line[:-1]
    starts = jv[:-1][same]
    ends = jv[1:][same]
    geometry = [coords[a:b + 1] for a, b in zip(starts.tolist(), ends.tolist())]
    return Segments(node_lonlat=node_lonlat, u=node_of_vertex[starts], v=node_of_vertex[ends],
                    line=line_of[starts], geometry=geometry)


def parse_maxspeed(value: object) -> float:
    """OSM-style maxspeed ('50', '30 mph', '50;70', 'none', 'RU:urban') -> km/h or NaN."""
    import math
    import re
    if value is None:
        return math.nan
    if isinstance(value, (int, float)):
        return float(value) if value == value and value > 0 else math.nan
    text = str(value).strip().lower()
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?", text)
    if not m:
        return math.nan
    speed = float(m.group(1))
    if m.group(2) == "mph":
        speed *= 1.609344
    return speed if speed > 0 else math.nan


ONEWAY_FORWARD = {"yes", "true", "1", "y", "t", "ft"}
ONEWAY_REVERSE = {"-1", "reverse", "tf"}


def parse_oneway(value: object, geofabrik: bool = False) -> int:
    """+1 one-way along the line, -1 one-way against it, 0 both ways.

    `geofabrik`: the column uses Geofabrik's B/F/T scheme (T = backward only)."""
    if value is None:
        return 0
    if isinstance(value, (bool, np.bool_)):
        return 1 if value else 0
    if isinstance(value, (int, np.integer)):
        return 1 if value == 1 else (-1 if value == -1 else 0)
    if isinstance(value, float):
        if value != value:
            return 0
        return 1 if value == 1 else (-1 if value == -1 else 0)
    text = str(value).strip().lower()
    if geofabrik:
        return {"f": 1, "t": -1}.get(text, 0)
    if text in ONEWAY_FORWARD:
        return 1
    if text in ONEWAY_REVERSE:
        return -1
    return 0
