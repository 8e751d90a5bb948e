"""Reverse Dijkstra over junctions with a binary heap on CSR memoryviews, stopping as soon
as k candidates are settled: the fastest search when candidates are dense (few junctions
need settling), and the one that costs nothing to set up."""

from __future__ import annotations

import heapq
import math

from .outcome import HeapOutcome, SearchOutcome, SearchProblem
from .seeding import Hit

INF = math.inf


class HeapSearch:
    """The heap search alone, however far it has to go (tests and small graphs)."""

    def search(self, problem: SearchProblem) -> SearchOutcome:
        got = heap_search(problem, budget=None)
        if got is None:  # pragma: no cover - without a budget it always finishes
            raise RuntimeError("heap search stopped without a budget")
        return got


def heap_search(problem: SearchProblem, budget: int | None) -> HeapOutcome | None:
    """Reverse Dijkstra over junctions from the scene with early stop; None when more than
    `budget` junctions would need settling (None: no budget)."""
    con, seeds, s, k, max_time_s = problem.con, problem.seeds, problem.snapped, problem.k, problem.max_time_s
    cap = INF if budget is None else budget
    indptr, frm, times, chains = con.reverse_lists()
    nptr, ncost, ncid, nidx, nent = s.node_ptr, s.node_cost, s.node_cid, s.node_idx, s.node_ent
    dist: dict[int, float] = {}
    best: dict[int, float] = {}
    pred: dict[int, int] = {}     # junction -> chain towards the scene (or -1 - seed index)
    heap: list[tuple[float, int]] = []
    for si, seed in enumerate(seeds):
        if seed.cost < best.get(seed.junction, INF):
            best[seed.junction] = seed.cost
            pred[seed.junction] = -1 - si
            heap.append((seed.cost, seed.junction))
    heapq.heapify(heap)
    tent: list[Hit] = list(problem.direct)
    heapq.heapify(tent)
    final: list[Hit] = []
    done: set[int] = set()
    limit = INF if max_time_s is None else max_time_s
    bounded = False
    exhausted = True
    heappop, heappush = heapq.heappop, heapq.heappush
    while heap:
        d, n = heappop(heap)
        if n in dist:
            continue
        while tent and tent[0][0] <= d:
            item = heappop(tent)
            if item[2] not in done:
                done.add(item[2])
                final.append(item)
        if len(final) >= k and final[k - 1][0] < d:
            exhausted = False
            break
        if d > limit:
            bounded = True
            exhausted = False
            break
        dist[n] = d
        c0, c1 = nptr[n], nptr[n + 1]
        while c0 < c1:
            heappush(tent, (d + ncost[c0], ncid[c0], nidx[c0], nent[c0]))
            c0 += 1
        if len(dist) > cap:
            return None
        for j in range(indptr[n], indptr[n + 1]):
            m = frm[j]
            if m in dist:
                continue
            nd = d + times[j]
            if nd < best.get(m, INF):
                best[m] = nd
                pred[m] = chains[j]
                heappush(heap, (nd, m))
    if exhausted:
        while tent:
            item = heappop(tent)
            if item[2] not in done:
                done.add(item[2])
                final.append(item)
    final.sort()
    found = {i: eta for eta, _cid, i, _via in final if eta <= limit}
    chosen = [f for f in final if f[0] <= limit][:k]
    return HeapOutcome(chosen=tuple(chosen), found=found, exhausted=exhausted, bounded=bounded,
                       settled=len(dist), method="heap", pred=pred)

