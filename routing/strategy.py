"""Which search answers a query: the heap search when few junctions should need settling,
scipy's Dijkstra otherwise (and when the heap search runs over its budget)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .outcome import SearchOutcome, SearchProblem, SearchStrategy
from .search_heap import HeapSearch, heap_search
from .search_scipy import ScipySearch

# The Python heap search settles ~200k junctions/s here (~3.6 chains each); scipy's C
# Dijkstra ~4M/s but pays ~1 ms per run for its O(J) set-up. So the heap search is used
# when few junctions should need settling (dense candidates: 25,000 officers on the demo
# city expect ~20), with a budget after which scipy takes over. With 1,000 officers
# (~560 expected) scipy wins at the 95th percentile (measured: 3.4 vs 4-6 ms).
HEAP_EXPECTED_NODES = 200
HEAP_BUDGET_NODES = 1000


@dataclass(eq=False)
class AutoSearch:
    """The heap search when the junctions expected to settle (junctions × k / routable
    candidates) are at most `expected_nodes`, stopped after `budget_nodes`; else scipy."""

    expected_nodes: float = HEAP_EXPECTED_NODES
    budget_nodes: int = HEAP_BUDGET_NODES
    scipy: ScipySearch = field(default_factory=ScipySearch)

    def search(self, problem: SearchProblem) -> SearchOutcome:
        expected = problem.con.n_junctions * min(problem.k, problem.n_routable) / problem.n_routable
        if expected <= self.expected_nodes:
            got = heap_search(problem, self.budget_nodes)
            if got is not None:
                return got
        return self.scipy.search(problem)


DEFAULT_STRATEGY: SearchStrategy = AutoSearch()

__all__ = ["DEFAULT_STRATEGY", "AutoSearch", "HeapSearch", "ScipySearch", "SearchStrategy"]
