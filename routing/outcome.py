"""What a search strategy is given (SearchProblem) and what it answers (SearchOutcome).

Each outcome type knows how to walk its own predecessor record back to the scene, so
route expansion (routing.routes) never needs to ask which strategy produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from .candidates import SnappedCandidates
from .seeding import Hit, Seed

if TYPE_CHECKING:  # pragma: no cover
    from .contract import Contracted


@dataclass(frozen=True)
class SearchProblem:
    """One mode's search: from the scene's seeds backwards until k candidates are settled
    (or `max_time_s` is passed). `direct` holds the candidates that reach the scene
    without a junction; `n_routable` > 0 (the façade answers empty problems itself)."""

    con: Contracted
    seeds: list[Seed]
    snapped: SnappedCandidates
    direct: list[Hit]
    k: int
    max_time_s: float | None
    scene_xy: tuple[float, float]
    median_speed_mps: float
    n_routable: int


@dataclass(frozen=True)
class SearchOutcome:
    """The candidates a search settled.

    chosen: the best k (or fewer) hits within the time limit, ranked by (eta, id).
    found: candidate index -> ETA of every candidate settled within the limit (the
    chosen ones included); `left_out` tells "not in top k" from "unreachable" by it.
    exhausted: everything reachable was explored. bounded: stopped by `max_time_s`.
    settled: junctions settled (a measure of work). method: 'heap', 'scipy×runs' or 'none'."""

    chosen: tuple[Hit, ...]
    found: Mapping[int, float]
    exhausted: bool
    bounded: bool
    settled: int
    method: str

    def trace(self, con: Contracted, seeds: list[Seed], junction: int) -> tuple[list[np.ndarray], Seed]:
        """Chains (as arrays of mode arcs, in driving order) from `junction` to the seed
        the search came from, and that seed."""
        raise ValueError(f"a {self.method!r} search outcome has no routes")


@dataclass(frozen=True)
class HeapOutcome(SearchOutcome):
    """Outcome of the heap search; `pred` maps a settled junction to the chain it leaves
    by towards the scene, or to -1 - seed index where the search started."""

    pred: Mapping[int, int]

    def trace(self, con: Contracted, seeds: list[Seed], junction: int) -> tuple[list[np.ndarray], Seed]:
        parts: list[np.ndarray] = []
        j = junction
        p = self.pred[j]
        while p >= 0:
            parts.append(con.chain(p))
            j = int(con.chain_to[p])
            p = self.pred[j]
        return parts, seeds[-1 - p]


@dataclass(frozen=True)
class ScipyOutcome(SearchOutcome):
    """Outcome of scipy's Dijkstra; `pred` is its predecessor array over the junctions plus
    the virtual source (index `n_junctions`) the seeds hang from."""

    pred: np.ndarray
    n_junctions: int

    def trace(self, con: Contracted, seeds: list[Seed], junction: int) -> tuple[list[np.ndarray], Seed]:
        walk = [junction]
        nxt = int(self.pred[junction])
        while nxt != self.n_junctions:
            walk.append(nxt)
            nxt = int(self.pred[nxt])
        parts: list[np.ndarray] = []
        if len(walk) > 1:
            parts.extend(con.chain(c) for c in con.chains_between(np.array(walk[:-1]), np.array(walk[1:])).tolist())
        seed = min((sd for sd in seeds if sd.junction == walk[-1]), key=lambda sd: sd.cost)
        return parts, seed


NO_SEARCH = SearchOutcome(chosen=(), found={}, exhausted=True, bounded=False, settled=0, method="none")


class SearchStrategy(Protocol):
    """How one mode's search is run (see routing.strategy for the ones there are)."""

    def search(self, problem: SearchProblem) -> SearchOutcome: ...
