"""Reverse search by scipy's C Dijkstra with a time limit learned from earlier queries:
the search for sparse candidates, where a heap search in Python would cover much of the
city. The limit is grown until k candidates fall inside it, so the answer is exact
whatever the guess; a good guess only saves re-runs and area."""

from __future__ import annotations

import math
import threading
import weakref
from collections import deque
from typing import TYPE_CHECKING

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from .candidates import C_OK
from .outcome import ScipyOutcome, SearchOutcome, SearchProblem
from .seeding import Hit, Seed

if TYPE_CHECKING:  # pragma: no cover
    from .contract import Contracted

INF = math.inf
# the time limit: first guess from the learned ETA / crow-time ratios, then grown by
# this factor while fewer than k candidates fall inside (see ScipyReverse.guess_limit)
LIMIT_PERCENTILE = 90
LIMIT_GROWTH = 1.4
LIMIT_FLOOR_S = 60.0
RATIO_MEMORY = 200       # queries remembered per network
RATIO_MIN_SAMPLES = 10   # before that, a fixed first factor
RATIO_FIRST = 1.3


class ScipyReverse:
    """scipy Dijkstra on one network's reverse junction CSR plus a virtual source (index J)
    whose arcs carry the seeds' times; node J+1 is a sink for unused slots. Owns what it
    learns about that network: the ETA / straight-line-time ratios its limits start from."""

    SLOTS = 4

    def __init__(self, con: Contracted) -> None:
        n = con.n_junctions
        rm = con.reverse_matrix
        a = rm.nnz
        s = self.SLOTS
        self.n = n
        indptr = np.concatenate([rm.indptr, [a + s, a + s]]).astype(np.int32)
        indices = np.concatenate([rm.indices, np.full(s, n + 1)]).astype(np.int32)
        data = np.concatenate([rm.data, np.ones(s)])
        self.matrix = csr_matrix((data, indices, indptr), shape=(n + 2, n + 2))
        # csr_matrix may copy; write through the matrix's own arrays
        self.data: np.ndarray = self.matrix.data
        self.indices: np.ndarray = self.matrix.indices
        self.lock = threading.Lock()
        self.limit_ratios: deque[float] = deque(maxlen=RATIO_MEMORY)

    def run(self, seeds: list[Seed], limit: float) -> tuple[np.ndarray, np.ndarray]:
        """(distance, predecessor) per junction, up to `limit` seconds from the scene."""
        cheapest: dict[int, float] = {}
        for seed in seeds:
            if seed.cost < cheapest.get(seed.junction, INF):
                cheapest[seed.junction] = seed.cost
        slots = sorted(cheapest.items())
        with self.lock:
            for slot in range(self.SLOTS):
                if slot < len(slots):
                    self.indices[slot - self.SLOTS] = slots[slot][0]
                    self.data[slot - self.SLOTS] = slots[slot][1]
                else:
                    self.indices[slot - self.SLOTS] = self.n + 1
                    self.data[slot - self.SLOTS] = 1.0
            dist, pred = dijkstra(self.matrix, directed=True, indices=self.n, return_predecessors=True,
                                  limit=limit)
        return dist, pred

    def guess_limit(self, problem: SearchProblem) -> tuple[float, float]:
        """A first time limit, and the straight-line time it scales.

        The k-th nearest candidate as the crow flies, at the network's median speed, times a
        factor learned from earlier queries on this network (the 90th percentile of the
        observed ETA / straight-line-time ratio). A guess too small only costs a re-run with
        a limit LIMIT_GROWTH times larger; the answer is exact either way. (Chosen on the demo
        city by replaying 600 queries with 50 and 200 officers: a higher percentile wastes
        area on most queries, a lower one re-runs too often; see routing_bench notes.)"""
        s = problem.snapped
        ok = s.status == C_OK
        sx, sy = problem.scene_xy
        d = np.hypot(s.xy[ok, 0] - sx, s.xy[ok, 1] - sy)
        if not len(d):
            return INF, INF
        kk = min(problem.k, len(d))
        base = float(np.partition(d, kk - 1)[kk - 1]) / max(problem.median_speed_mps, 0.1)
        ratios = self.limit_ratios
        factor = RATIO_FIRST if len(ratios) < RATIO_MIN_SAMPLES else float(np.percentile(ratios, LIMIT_PERCENTILE))
        return factor * base, base

    def learn(self, base: float, eta_k: float) -> None:
        """Remember how far the k-th candidate really was, relative to the straight line."""
        if 0 < base < INF and eta_k < INF:
            self.limit_ratios.append(eta_k / base)


class ScipySearch:
    """The scipy search; keeps one ScipyReverse per network it has searched (held weakly,
    so a dropped graph takes its runner and what was learned about it along)."""

    def __init__(self) -> None:
        self._runners: weakref.WeakKeyDictionary[Contracted, ScipyReverse] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def runner(self, con: Contracted) -> ScipyReverse:
        with self._lock:
            got = self._runners.get(con)
            if got is None:
                got = ScipyReverse(con)
                self._runners[con] = got
            return got

    def search(self, problem: SearchProblem) -> SearchOutcome:
        runner = self.runner(problem.con)
        limit0, base = runner.guess_limit(problem)
        got = scipy_search(runner, problem, start_limit=limit0)
        if len(got.chosen) >= problem.k:
            runner.learn(base, got.chosen[problem.k - 1][0])
        return got


def scipy_search(runner: ScipyReverse, problem: SearchProblem, start_limit: float) -> ScipyOutcome:
    """Runs with a growing limit until k candidates are inside it (or nothing more can be found)."""
    con, seeds, s, k, max_time_s = problem.con, problem.seeds, problem.snapped, problem.k, problem.max_time_s
    limit = max(start_limit, LIMIT_FLOOR_S)
    runs = 0
    while True:
        if max_time_s is not None and limit >= max_time_s:
            limit = max_time_s
        runs += 1
        dist, pred = runner.run(seeds, limit)
        ev = dist[s.ent_junction] + s.ent_cost
        fin = np.flatnonzero(ev < INF)
        order = np.lexsort((ev[fin], s.ent_cand[fin]))
        fin = fin[order]
        first = np.ones(len(fin), dtype=bool)
        first[1:] = s.ent_cand[fin[1:]] != s.ent_cand[fin[:-1]]
        cand = s.ent_cand[fin[first]].tolist()
        eta: dict[int, float] = dict(zip(cand, ev[fin[first]].tolist()))
        via: dict[int, int] = dict(zip(cand, fin[first].tolist()))
        for e_, _cid, i, v in problem.direct:
            if e_ < eta.get(i, INF):
                eta[i] = e_
                via[i] = v
        full = limit == INF or (max_time_s is not None and limit >= max_time_s)
        inside = [i for i, t in eta.items() if (t <= limit if full else t < limit)]
        if len(inside) >= k or full:
            break
        reached = dist[:con.n_junctions]
        if not np.isfinite(reached).any() or np.isfinite(reached).all():
            limit = INF  # nothing more to find by growing gradually
        else:
            limit = limit * LIMIT_GROWTH
        if limit > 1e6:
            limit = INF
    ranked = sorted((eta[i], int(s.ids[i]), i) for i in inside)
    found = {i: t for t, _cid, i in ranked}
    chosen: tuple[Hit, ...] = tuple((t, cid, i, int(via[i])) for t, cid, i in ranked[:k])
    exhausted = limit == INF
    bounded = max_time_s is not None and limit >= max_time_s and not exhausted
    return ScipyOutcome(chosen=chosen, found=found, exhausted=exhausted, bounded=bounded,
                        settled=int(np.isfinite(dist).sum()), method=f"scipy×{runs}", pred=pred,
                        n_junctions=con.n_junctions)
