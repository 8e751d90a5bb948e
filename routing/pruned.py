"""`nearest`, searching only the candidates that can still be among the k best.

A full-scale city has thousands of eligible officers, and mapping each onto the roads
(snapping, grouping by junction) cost more than the search itself on every click. No
officer can arrive sooner than the straight line to the scene allows at the network's
fastest speed, so the search runs on the officers nearest in that bound, and then on
every officer whose bound does not exceed the k-th ETA found. The rest provably arrive
later: the result equals `nearest` over all candidates (ids, ETAs, order), which the
tests check against it. Only the left-out reasons of the pruned officers are not
computed (they were never going to be picked).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .candidates import Candidates
from .moveup import max_speed_mps
from .search import NearestResult, nearest

if TYPE_CHECKING:  # pragma: no cover
    from .graph import RoadGraph

FIRST_TRY = 64   # officers of each mode in the first search (times k / 5): enough for the usual scene

_speeds: weakref.WeakKeyDictionary[RoadGraph, dict[str, float]] = weakref.WeakKeyDictionary()


def fastest_mps(graph: RoadGraph, mode: str) -> float:
    """The mode's speed bound (routing.moveup.max_speed_mps), computed once per graph."""
    per_graph = _speeds.setdefault(graph, {})
    if mode not in per_graph:
        per_graph[mode] = max_speed_mps(graph, mode)
    return per_graph[mode]


def arrival_bounds_s(graph: RoadGraph, scene_lonlat: tuple[float, float], candidates: Candidates,
                     modes: tuple[str, ...], max_scene_snap_m: float) -> np.ndarray:
    """Per candidate, a time no route from it to the scene can beat: inf for one that can never
    be picked (no fix, a mode not searched); NaN for all when the scene does not project."""
    n = len(candidates)
    scene = graph.lonlat_to_xy(np.asarray([scene_lonlat], dtype=np.float64))[0]
    if not np.isfinite(scene).all():
        return np.full(n, np.nan)
    xy = np.full((n, 2), np.nan)
    has_fix = np.isfinite(candidates.lonlat).all(axis=1)
    if has_fix.any():
        xy[has_fix] = graph.lonlat_to_xy(candidates.lonlat[has_fix])
    # both ends may sit up to their snap distance off the road they are routed from
    slack_m = candidates.max_snap_m + max_scene_snap_m
    gap_m = np.maximum(np.hypot(xy[:, 0] - scene[0], xy[:, 1] - scene[1]) - slack_m, 0.0)
    if candidates.modes is None:
        speed = np.full(n, fastest_mps(graph, modes[0]))
    else:
        mode_of = np.asarray(candidates.modes)
        speed = np.zeros(n)          # a mode not searched: never picked (bound inf)
        for m in modes:
            speed[mode_of == m] = fastest_mps(graph, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        bound = gap_m / speed
    return np.where(np.isnan(bound), np.inf, bound)


def _subset(candidates: Candidates, index: np.ndarray) -> Candidates:
    ids = candidates.ids[index]
    excluded = None
    if candidates.excluded:
        keep = set(ids.tolist())
        excluded = {k: v for k, v in candidates.excluded.items() if k in keep}
    modes = None if candidates.modes is None else np.asarray(candidates.modes)[index]
    return Candidates(ids, candidates.lonlat[index], modes, excluded, candidates.max_snap_m)


def _nearest_of_each_mode(bound: np.ndarray, candidates: Candidates, modes: tuple[str, ...],
                          take: int) -> np.ndarray:
    """The `take` lowest bounds of every mode: each mode's search finds its k close to the scene
    (a mode with too few candidates would search the whole city for the rest)."""
    finite = np.isfinite(bound)
    if candidates.modes is None:
        groups = [np.flatnonzero(finite)]
    else:
        mode_of = np.asarray(candidates.modes)
        groups = [np.flatnonzero(finite & (mode_of == m)) for m in modes]
    picked = [g[np.argsort(bound[g], kind="stable")[:take]] for g in groups]
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, np.int64)


def nearest_pruned(graph: RoadGraph, scene_lonlat: tuple[float, float], candidates: Candidates, k: int = 5,
                   mode: str | Sequence[str] = "car", max_scene_snap_m: float = 500.0,
                   first_try: int = FIRST_TRY) -> NearestResult:
    """The same picks as `nearest(graph, scene_lonlat, candidates, k, mode=mode)`.

    First the `first_try` candidates of each mode with the lowest bounds are searched; the k-th
    ETA found, T, then bounds everyone: the final search covers every candidate whose bound is
    at most T, and stops at T (nobody beyond it can be among the k)."""
    modes = (mode,) if isinstance(mode, str) else tuple(mode)
    n = len(candidates)
    take = max(int(first_try) * max(int(k), 1) // 5, int(k))

    def everyone() -> NearestResult:
        return nearest(graph, scene_lonlat, candidates, k=k, mode=mode, max_scene_snap_m=max_scene_snap_m)

    if n <= take * len(modes):
        return everyone()
    bound = arrival_bounds_s(graph, scene_lonlat, candidates, modes, max_scene_snap_m)
    if np.isnan(bound).any():
        return everyone()
    first = _nearest_of_each_mode(bound, candidates, modes, take)
    result = nearest(graph, scene_lonlat, _subset(candidates, first), k=k, mode=mode,
                     max_scene_snap_m=max_scene_snap_m)
    if len(result.picked) < k:       # the scene is off the roads, or few can reach it: search them all
        return everyone()
    limit_s = result.picked[-1].eta_s
    needed = np.flatnonzero(bound <= limit_s)
    if np.isin(needed, first).all():
        return result                # everyone not searched arrives strictly later than the k-th
    wider = np.union1d(first, needed)
    return nearest(graph, scene_lonlat, _subset(candidates, wider), k=k, mode=mode,
                   max_scene_snap_m=max_scene_snap_m, max_time_s=limit_s * (1 + 1e-9) + 1e-6)
