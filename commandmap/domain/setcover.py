"""Smallest team covering every check item (set cover), exact when small, greedy otherwise.

A joint inspection (综合查一次) wants one visit with officers who, together, are qualified
for every item the departments want checked. Officers with the same qualifications are
interchangeable, so the search runs over distinct qualification profiles, of which a
city has a few dozen even with thousands of officers: exact search is cheap in practice.
When the instance is too big for it, greedy is used and its guarantee (no more than
H(largest set) times the optimum, H the harmonic number) is reported with the result.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

# exact search tries all teams of size k for k = 1, 2, ... while the number of teams stays below this
EXACT_BUDGET = 2_000_000


@dataclass(frozen=True)
class CoverResult:
    chosen: tuple[int, ...]          # indices into the candidate sets, in the order picked
    exact: bool                      # True: no smaller team covers the items
    bound: float                     # worst case size / optimum (1.0 when exact)
    uncovered: frozenset[Hashable]   # items no candidate covers (then `chosen` covers the rest)


def harmonic(n: int) -> float:
    return sum(1.0 / i for i in range(1, n + 1))


def _useful(universe: frozenset[Hashable], sets: Sequence[frozenset[Hashable]]) -> list[int]:
    """Candidates that are not dominated (a strict subset of another, or a duplicate with a
    higher index): removing them never makes the optimum larger."""
    inter = [s & universe for s in sets]
    keep: list[int] = []
    for i, s in enumerate(inter):
        if not s:
            continue
        dominated = False
        for j, t in enumerate(inter):
            if j != i and s <= t and (s != t or j < i):
                dominated = True
                break
        if not dominated:
            keep.append(i)
    return keep


def greedy_cover(universe: frozenset[Hashable], sets: Sequence[frozenset[Hashable]]) -> CoverResult:
    """Pick the set covering most uncovered items until all are covered (ties: lowest index)."""
    left = set(universe)
    reachable = frozenset().union(*sets) & universe if sets else frozenset()
    missing = frozenset(universe - reachable)
    left -= missing
    chosen: list[int] = []
    while left:
        best = max(range(len(sets)), key=lambda i: (len(sets[i] & left), -i))
        chosen.append(best)
        left -= sets[best]
    largest = max((len(s & universe) for s in sets), default=1)
    return CoverResult(tuple(chosen), False, harmonic(max(largest, 1)), missing)


def set_cover(universe: frozenset[Hashable], sets: Sequence[frozenset[Hashable]],
              budget: int = EXACT_BUDGET) -> CoverResult:
    """Fewest sets whose union covers `universe` (items no set covers are reported, not fatal).

    Exact (smallest size; among those, the lexicographically first by index) when the
    search fits `budget` team evaluations, else greedy with its H(max set) bound."""
    reachable = frozenset().union(*sets) & universe if sets else frozenset()
    missing = frozenset(universe - reachable)
    target = universe - missing
    if not target:
        return CoverResult((), True, 1.0, missing)
    cand = _useful(target, sets)
    greedy = greedy_cover(target, [sets[i] & target for i in cand])
    upper = len(greedy.chosen)
    spent = 0
    for k in range(1, upper):
        n_teams = _comb(len(cand), k)
        spent += n_teams
        if spent > budget:
            picked = tuple(cand[i] for i in greedy.chosen)
            return CoverResult(picked, False, greedy.bound, missing)
        for team in itertools.combinations(range(len(cand)), k):
            covered: frozenset[Hashable] = frozenset().union(*(sets[cand[i]] for i in team))
            if target <= covered:
                return CoverResult(tuple(cand[i] for i in team), True, 1.0, missing)
    return CoverResult(tuple(cand[i] for i in greedy.chosen), True, 1.0, missing)


def _comb(n: int, k: int) -> int:
    from math import comb
    return comb(n, k)


def profile_sets(profiles: Mapping[int, frozenset[Hashable]]) -> tuple[list[int], list[frozenset[Hashable]]]:
    """Keys and sets in key order, so results are deterministic for a dict of profiles."""
    keys = sorted(profiles)
    return keys, [profiles[k] for k in keys]
