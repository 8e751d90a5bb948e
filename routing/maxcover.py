"""Maximal coverage: choose k candidate positions covering the most (weighted) elements.

Greedy takes the candidate with the largest marginal gain k times; coverage is
monotone submodular, so greedy reaches at least (1 - 1/e) ≈ 63 % of the optimum
(Nemhauser, Wolsey & Fisher 1978). `exact_max_cover` solves the same problem as an
integer programme (scipy's HiGHS through `scipy.optimize.milp`) for checking that
bound on small instances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GREEDY_BOUND = 1.0 - 1.0 / np.e


@dataclass(frozen=True)
class MaxCover:
    chosen: tuple[int, ...]     # candidate indices in the order picked
    gains: tuple[float, ...]    # marginal (weighted) gain of each pick
    total: float                # weighted elements covered by the chosen candidates

    @property
    def covered_count(self) -> float:
        return self.total


def _weights(n_elements: int, weights: np.ndarray | None) -> np.ndarray:
    return np.ones(n_elements) if weights is None else np.asarray(weights, dtype=np.float64)


def greedy_max_cover(sets: list[np.ndarray], k: int, n_elements: int,
                     weights: np.ndarray | None = None) -> MaxCover:
    """Up to k candidates, each with its marginal gain; stops early when nothing more is gained.
    Ties go to the lowest candidate index, so the result is deterministic."""
    w = _weights(n_elements, weights)
    covered = np.zeros(n_elements, dtype=bool)
    chosen: list[int] = []
    gains: list[float] = []
    alive = [np.asarray(s, dtype=np.int64) for s in sets]
    for _ in range(max(0, k)):
        best, best_gain = -1, 0.0
        for j, s in enumerate(alive):
            if j in chosen or not len(s):
                continue
            g = float(w[s[~covered[s]]].sum())
            if g > best_gain:
                best, best_gain = j, g
        if best < 0:
            break
        chosen.append(best)
        gains.append(best_gain)
        covered[alive[best]] = True
    return MaxCover(tuple(chosen), tuple(gains), float(sum(gains)))


def exact_max_cover(sets: list[np.ndarray], k: int, n_elements: int,
                    weights: np.ndarray | None = None, time_limit_s: float = 60.0) -> MaxCover:
    """Optimal k candidates by integer programming (x_j choose, y_e covered, y_e <= sum x_j)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix, hstack, identity, vstack

    w = _weights(n_elements, weights)
    m = len(sets)
    rows = np.concatenate([np.asarray(s, dtype=np.int64) for s in sets]) if m else np.zeros(0, np.int64)
    cols = np.concatenate([np.full(len(s), j) for j, s in enumerate(sets)]) if m else np.zeros(0, np.int64)
    member = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_elements, m))
    # y_e - sum_j member[e, j] x_j <= 0 ; sum_j x_j <= k
    a = vstack([hstack([-member, identity(n_elements)]),
                hstack([coo_matrix(np.ones((1, m))), coo_matrix((1, n_elements))])]).tocsr()
    ub = np.concatenate([np.zeros(n_elements), [k]])
    cons = LinearConstraint(a, -np.inf, ub)
    c = np.concatenate([np.zeros(m), -w])
    integrality = np.concatenate([np.ones(m), np.zeros(n_elements)])
    res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(0, 1),
               options={"time_limit": time_limit_s})
    if res.x is None:
        raise RuntimeError(f"exact_max_cover: the solver found no solution ({res.message})")
    x = res.x[:m] > 0.5
    chosen = tuple(int(j) for j in np.flatnonzero(x))
    covered = np.zeros(n_elements, dtype=bool)
    gains = []
    for j in chosen:
        s = np.asarray(sets[j], dtype=np.int64)
        gains.append(float(w[s[~covered[s]]].sum()))
        covered[s] = True
    return MaxCover(chosen, tuple(gains), float(w[covered].sum()))
