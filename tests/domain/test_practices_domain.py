"""Set cover, the whistle clock and the double-random rules."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandmap.domain.double_random import DrawError, DrawInputs, DrawSite, Inspector, draw, violations
from commandmap.domain.escalation import WhistleClock, WhistleState
from commandmap.domain.setcover import greedy_cover, set_cover


@settings(max_examples=150, deadline=None)
@given(st.lists(st.frozensets(st.integers(0, 7), max_size=5), min_size=1, max_size=9), st.frozensets(st.integers(0, 7)))
def test_set_cover_covers_and_is_optimal_by_brute_force(sets: list[frozenset[int]], universe: frozenset[int]) -> None:
    res = set_cover(universe, sets)
    reachable = universe & frozenset().union(*sets)
    assert res.uncovered == universe - reachable
    assert reachable <= frozenset().union(*(sets[i] for i in res.chosen)) if res.chosen else not reachable
    best = next(k for k in range(len(sets) + 1) for c in itertools.combinations(range(len(sets)), k)
                if reachable <= frozenset().union(*(sets[i] for i in c)))
    assert res.exact and len(res.chosen) == best


def test_set_cover_falls_back_to_greedy_with_its_bound_when_too_big() -> None:
    sets = [frozenset({i, i + 1}) for i in range(0, 40)]
    res = set_cover(frozenset(range(41)), sets, budget=10)
    assert not res.exact and res.bound == pytest.approx(1.5)
    assert frozenset(range(41)) <= frozenset().union(*(sets[i] for i in res.chosen))
    assert res.chosen == greedy_cover(frozenset(range(41)), sets).chosen


def test_escalation_happens_at_the_deadline_and_not_before() -> None:
    c = WhistleClock(raised_s=1000.0, accept_within_s=600.0)
    assert c.state(1599.999) is WhistleState.WAITING
    assert c.state(1600.0) is WhistleState.DUE
    assert WhistleClock(1000.0, 600.0, accepted_s=1599.0).state(1700.0) is WhistleState.ACCEPTED
    assert WhistleClock(1000.0, 600.0, escalated_s=1600.0).state(1700.0) is WhistleState.ESCALATED
    with pytest.raises(ValueError):
        WhistleClock(0.0, 0.0)


@st.composite
def registries(draw_: st.DrawFn) -> DrawInputs:
    n_sites = draw_(st.integers(3, 25))
    n_insp = draw_(st.integers(6, 40))
    deps = [1, 2, 3]
    inspectors = [Inspector(100 + i, draw_(st.sampled_from(deps))) for i in range(n_insp)]
    sites = [DrawSite(i + 1, frozenset(draw_(st.lists(st.sampled_from(deps), min_size=2, max_size=3, unique=True))))
             for i in range(n_sites)]
    pairs = st.tuples(st.sampled_from([i.officer_id for i in inspectors]), st.integers(1, n_sites))
    previous = draw_(st.frozensets(pairs, max_size=40))
    conflicts = draw_(st.frozensets(pairs, max_size=10))
    return DrawInputs.canonical(sites, inspectors, previous, conflicts)


@settings(max_examples=200, deadline=None)
@given(registries(), st.integers(0, 2**32), st.integers(1, 4), st.integers(2, 3))
def test_draw_is_reproducible_and_respects_every_rule(inputs: DrawInputs, seed: int, n: int, m: int) -> None:
    try:
        a = draw(inputs, n, m, seed)
    except DrawError:
        return
    assert violations(a, inputs) == []
    assert len(a.teams) == n and all(len(t.officers) == m for t in a.teams)
    # same seed, same registry (even given in another order): the same draw
    shuffled = DrawInputs.canonical(reversed(inputs.sites), reversed(inputs.inspectors), inputs.previous,
                                    inputs.conflicts)
    assert draw(shuffled, n, m, seed) == a
    assert a.registry_version == inputs.version()


def test_draw_refuses_impossible_requests_with_one_line() -> None:
    inputs = DrawInputs.canonical([DrawSite(1, frozenset({1, 2}))], [Inspector(1, 1), Inspector(2, 2)], [], [])
    with pytest.raises(DrawError, match="only 2 qualify"):
        draw(inputs, 1, 3, 0)
    with pytest.raises(DrawError, match="at least 2"):
        draw(inputs, 1, 1, 0)
    with pytest.raises(DrawError, match="previous-cycle"):
        draw(DrawInputs.canonical(inputs.sites, inputs.inspectors, [(1, 1)], []), 1, 2, 0)
    with pytest.raises(DrawError, match="no site"):
        draw(DrawInputs.canonical([], inputs.inspectors, [], []), 1, 2, 0)
