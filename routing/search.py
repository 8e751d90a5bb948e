"""Nearest candidates by travel time: who reaches the scene soonest.

ETA definition (the reference in routing.reference uses the same one):
each candidate and the scene are snapped onto the nearest road segment usable by the
travel mode (see routing.snap). Travel along an edge is at uniform speed, so a
fraction f of an edge costs f × the edge's travel time. The ETA of a candidate is the
least, over all routes the mode may take, of

    time from the candidate's snapped point to the end of its edge in the chosen direction
  + travel times of the whole edges in between
  + time from the start of the scene's edge (in the direction of travel) to the scene's snapped point,

or, when both are on the same segment and the mode may drive from one to the other
along it, just the time of that stretch. The walk from the raw GPS fix to the road
(the snap distance) is not part of the ETA; it is reported as `snap_distance_m`.

Search: from the scene *backwards* over the junction graph (routing.contract: bend
points folded into chains, so a search settles junctions only). The scene's edge seeds
the junctions upstream of it; each candidate enters at the junctions it reaches first
(its edge's end, then along its chain); candidates on the scene's own segment or
upstream on the scene's chain are checked directly. Dense candidates: Dijkstra with a
binary heap on CSR arrays, stopping as soon as k candidates are settled. Sparse ones:
that search would cover much of the city in Python, so it hands over to scipy's C
Dijkstra with a time limit learned from earlier queries, grown until k candidates fall
inside it. Routes are expanded from junctions and chains back to the graph's own arcs.
Sums are added in a different order than a search over every node would (a chain's
time is summed once), so ETAs can differ from the reference in the last bits only.

This module is the façade: candidates (routing.candidates), seeds (routing.seeding),
the two searches (routing.search_heap, routing.search_scipy) and the choice between
them (routing.strategy; pass `strategy=` to pick one), routes (routing.routes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .candidates import (C_EXCLUDED, C_NO_FIX, C_OFF_NETWORK, C_OK, C_WRONG_MODE, STATUS_REASON, Candidates,
                         SnappedCandidates)
from .outcome import NO_SEARCH, SearchOutcome, SearchProblem, SearchStrategy
from .routes import Pick, route_for
from .seeding import Hit, Seed, direct_hits, seeds_of
from .snap import PointSnap, snap_point
from .speeds import TRAVEL_MODES, check_mode
from .strategy import DEFAULT_STRATEGY, AutoSearch, HeapSearch, ScipySearch

if TYPE_CHECKING:  # pragma: no cover
    from .graph import RoadGraph


@dataclass(frozen=True)
class SearchStats:
    """How one mode's search went: junctions settled, which search ('heap', 'scipy×runs',
    'none') and how many candidates could be routed at all."""

    settled: int
    method: str
    routable: int


@dataclass(frozen=True)
class ModeOutcome:
    """One mode's verdicts for `left_out`: `scene` names why the scene could not be searched
    in this mode (then the rest is empty), else what the search found."""

    scene: str | None
    found: Mapping[int, float]
    exhausted: bool = False
    bounded: bool = False
    max_time_s: float | None = None


@dataclass(frozen=True)
class NearestResult:
    """Outcome of `nearest`. status: 'ok' | 'scene_off_network' | 'scene_invalid' | 'none_reachable'."""

    status: str
    picked: list[Pick]
    k: int
    modes: tuple[str, ...]
    scene: dict[str, PointSnap]          # per mode
    stats: dict[str, SearchStats]        # per mode searched
    _candidates: Candidates
    _searched: dict[str, SnappedCandidates]
    _outcome: dict[str, ModeOutcome]

    @property
    def left_out(self) -> list[tuple[int, str]]:
        """(id, reason) for every candidate not picked; reasons: no_fix, off_network,
        wrong_mode, caller reasons (stale_fix, wrong_department...), scene_off_network,
        scene_invalid, unreachable, beyond_max_time, not_in_top_k."""
        picked = {p.id for p in self.picked}
        out: list[tuple[int, str]] = []
        ids = self._candidates.ids.tolist()
        excluded = dict(self._candidates.excluded or {})
        # a candidate's verdict comes from the search of its own mode
        mode_of: list[str | None]
        if self._candidates.modes is not None:
            mode_of = list(self._candidates.modes)
        else:
            mode_of = [self.modes[0]] * len(ids)
        for i, cid in enumerate(ids):
            if cid in picked:
                continue
            if cid in excluded:
                out.append((cid, str(excluded[cid])))
                continue
            m = mode_of[i]
            if m not in self._searched:
                out.append((cid, "wrong_mode"))
                continue
            sc = self._searched[m]
            st = int(sc.status[i])
            if st != C_OK:
                out.append((cid, STATUS_REASON.get(st, "excluded")))
                continue
            oc = self._outcome.get(m)
            if oc is None or oc.scene is not None:
                out.append((cid, oc.scene if oc is not None and oc.scene is not None else self.status))
                continue
            eta = oc.found.get(i)
            if eta is not None:
                out.append((cid, "not_in_top_k"))
            elif oc.max_time_s is not None and oc.bounded:
                out.append((cid, "beyond_max_time"))
            elif oc.exhausted:
                out.append((cid, "unreachable"))
            else:
                out.append((cid, "not_in_top_k"))
        return out

    def eta_of(self, cid: int) -> float | None:
        """ETA of any candidate the search settled (picked or not), else None."""
        for p in self.picked:
            if p.id == cid:
                return p.eta_s
        where = np.flatnonzero(self._candidates.ids == cid)
        if not len(where):
            return None
        for oc in self._outcome.values():
            if int(where[0]) in oc.found:
                return float(oc.found[int(where[0])])
        return None


def _modes_of(mode: str | Sequence[str], cands: Candidates) -> tuple[str, ...]:
    modes = (mode,) if isinstance(mode, str) else tuple(mode)
    if not modes:
        raise ValueError("mode: give at least one travel mode")
    for m in modes:
        check_mode(m)
    if cands.modes is None and len(modes) > 1:
        raise ValueError("several modes need per-candidate modes (Candidates.modes)")
    return modes


def nearest(graph: RoadGraph, scene_lonlat: tuple[float, float], candidates: Candidates, k: int = 5,
            max_time_s: float | None = None, mode: str | Sequence[str] = "car",
            max_scene_snap_m: float = 500.0, strategy: SearchStrategy | None = None) -> NearestResult:
    """The k candidates with the shortest ETA to the scene (ties: lower id first).

    `strategy`: how each mode is searched (default: routing.strategy.DEFAULT_STRATEGY,
    which picks the heap or the scipy search per query and learns scipy's limits)."""
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if max_time_s is not None and not (max_time_s >= 0):
        raise ValueError(f"max_time_s must be >= 0 or None, got {max_time_s!r}")
    modes = _modes_of(mode, candidates)
    try:
        lon, lat = float(scene_lonlat[0]), float(scene_lonlat[1])
    except (TypeError, ValueError, IndexError):
        lon, lat = math.nan, math.nan
    scenes: dict[str, PointSnap] = {}
    searched: dict[str, SnappedCandidates] = {}
    outcome: dict[str, ModeOutcome] = {}
    stats: dict[str, SearchStats] = {}
    chosen_all: list[tuple[float, int, str, Hit]] = []
    results: dict[str, SearchOutcome] = {}
    seeds_by_mode: dict[str, list[Seed]] = {}
    how = DEFAULT_STRATEGY if strategy is None else strategy
    for m in modes:
        sc = snap_point(graph, lon, lat, max_scene_snap_m, m)
        scenes[m] = sc
        s = candidates.snapped(graph, m)
        searched[m] = s
        if not sc.ok:
            outcome[m] = ModeOutcome(scene="scene_invalid" if sc.status == "invalid" else "scene_off_network",
                                     found={})
            continue
        net = graph.net(m)
        con = graph.contracted(m)
        seeds = seeds_of(graph, net, con, sc)
        seeds_by_mode[m] = seeds
        direct = direct_hits(net, con, s, sc, seeds)
        n_ok = s.n_routable
        if n_ok == 0:
            res = NO_SEARCH
        else:
            res = how.search(SearchProblem(con=con, seeds=seeds, snapped=s, direct=direct, k=int(k),
                                           max_time_s=max_time_s, scene_xy=(sc.x, sc.y),
                                           median_speed_mps=net.median_speed_mps, n_routable=n_ok))
        results[m] = res
        outcome[m] = ModeOutcome(scene=None, found=res.found, exhausted=res.exhausted, bounded=res.bounded,
                                 max_time_s=max_time_s)
        stats[m] = SearchStats(settled=res.settled, method=res.method, routable=n_ok)
        for item in res.chosen:
            chosen_all.append((item[0], item[1], m, item))
    chosen_all.sort(key=lambda t: (t[0], t[1]))
    picked: list[Pick] = []
    for rank, (eta, cid, m, item) in enumerate(chosen_all[:k], start=1):
        s = searched[m]
        route = route_for(graph.net(m), graph.contracted(m), s, scenes[m], seeds_by_mode[m], results[m], item)
        picked.append(Pick(cid, float(eta), m, rank, float(s.snap_distance_m[item[2]]), route, graph))
    if all(not scenes[m].ok for m in modes):
        status = "scene_invalid" if all(scenes[m].status == "invalid" for m in modes) else "scene_off_network"
    elif not picked:
        status = "none_reachable"
    else:
        status = "ok"
    return NearestResult(status=status, picked=picked, k=int(k), modes=modes, scene=scenes, stats=stats,
                         _candidates=candidates, _searched=searched, _outcome=outcome)


__all__ = ["C_EXCLUDED", "C_NO_FIX", "C_OFF_NETWORK", "C_OK", "C_WRONG_MODE", "TRAVEL_MODES", "AutoSearch",
           "Candidates", "HeapSearch", "ModeOutcome", "NearestResult", "Pick", "ScipySearch", "SearchStats",
           "SearchStrategy", "SnappedCandidates", "nearest"]
