"""The position-fix validator: every verdict, batch == one-by-one, state only moves on apply."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandmap.domain.enums import FixVerdict as V
from commandmap.domain.fix_validation import (CODE, FixRules, TrackTable, haversine_m, validate_batch)

NOW = 1_800_000_000.0
LON, LAT = 121.55, 29.87   # Ningbo
ENVELOPE = (120.8, 28.8, 122.5, 30.5)


def table(modes_speed=(7.0, 45.0), ids=(1, 2)) -> TrackTable:
    return TrackTable.build(np.array(ids), np.array(modes_speed))


def run(tab: TrackTable, fixes, now=NOW, rules=FixRules(envelope=ENVELOPE), apply=True):
    ids = np.array([f[0] for f in fixes])
    lon = np.array([f[1] for f in fixes], float)
    lat = np.array([f[2] for f in fixes], float)
    t = np.array([f[3] for f in fixes], float)
    res = validate_batch(tab, rules, ids, lon, lat, t, now)
    if apply:
        tab.apply(res.update)
    return [res.verdict(i) for i in range(len(fixes))], res


def east(m: float) -> float:
    """Longitude offset of `m` metres east at Ningbo's latitude."""
    return m / (111_320.0 * np.cos(np.radians(LAT)))


def test_haversine_one_degree_latitude() -> None:
    d = haversine_m(np.array([0.0]), np.array([0.0]), np.array([0.0]), np.array([1.0]))
    assert d[0] == pytest.approx(111_195, rel=1e-3)


def test_static_verdicts() -> None:
    tab = table()
    verdicts, _ = run(tab, [
        (1, 200.0, LAT, NOW),            # longitude out of range
        (1, float("nan"), LAT, NOW - 1),
        (1, 0.0, 0.0, NOW - 2),          # (0,0)
        (1, 2.35, 48.85, NOW - 3),       # Paris: outside the city envelope
        (1, LON, LAT, NOW + 3600),       # clock in the future
        (1, LON, LAT, NOW - 7200),       # two hours old on arrival
        (99, LON, LAT, NOW),             # unknown device
    ])
    assert verdicts == [V.OUT_OF_RANGE, V.OUT_OF_RANGE, V.NULL_ISLAND, V.OUTSIDE_CITY, V.FUTURE, V.STALE,
                        V.UNKNOWN_DEVICE]
    assert np.isnan(tab.good_t).all(), "no bad fix may move an officer"


def test_first_fix_is_good_and_moves() -> None:
    tab = table()
    verdicts, res = run(tab, [(1, LON, LAT, NOW - 5)], apply=False)
    assert verdicts == [V.GOOD]
    assert list(res.update.moved(tab)) == [tab.slots(np.array([1]))[0]]
    assert np.isnan(tab.good_t[0]), "validate alone must not change the table"
    tab.apply(res.update)
    assert tab.good_t[0] == NOW - 5


def test_duplicate_out_of_order_and_plausible_move() -> None:
    tab = table()
    run(tab, [(1, LON, LAT, NOW - 20)])
    verdicts, res = run(tab, [
        (1, LON + east(10), LAT, NOW - 20),   # same device + time: no-op
        (1, LON, LAT, NOW - 30),              # older than the last good fix
        (1, LON + east(50), LAT, NOW - 10),   # walked 50 m in 10 s
    ])
    assert verdicts == [V.DUPLICATE, V.OUT_OF_ORDER, V.GOOD]
    assert tab.good_t[0] == NOW - 10
    assert tab.good_lon[0] == pytest.approx(LON + east(50))


def test_jump_flagged_then_confirmed_by_consistent_fix() -> None:
    tab = table()
    run(tab, [(1, LON, LAT, NOW - 60)])
    # 5 km in 10 s on foot: impossible
    v1, _ = run(tab, [(1, LON + east(5000), LAT, NOW - 50)])
    assert v1 == [V.JUMP]
    assert tab.good_lon[0] == LON, "a jump does not move the officer"
    # the next fix is consistent with the jumped position: the jump was real
    v2, res = run(tab, [(1, LON + east(5020), LAT, NOW - 40)])
    assert v2 == [V.GOOD]
    assert list(res.confirmed_t) == [NOW - 50]
    assert tab.good_lon[0] == pytest.approx(LON + east(5020))
    assert np.isnan(tab.pend_t[0])


def test_jump_glitch_is_dropped_when_officer_reappears_where_he_was() -> None:
    tab = table()
    run(tab, [(1, LON, LAT, NOW - 60)])
    assert run(tab, [(1, LON + east(5000), LAT, NOW - 50)])[0] == [V.JUMP]
    v, res = run(tab, [(1, LON + east(20), LAT, NOW - 40)])
    assert v == [V.GOOD] and len(res.confirmed_t) == 0
    assert np.isnan(tab.pend_t[0])
    # a fix near the glitch position is a jump again, not a confirmation
    assert run(tab, [(1, LON + east(5000), LAT, NOW - 30)])[0] == [V.JUMP]


def test_car_may_cover_what_a_walker_may_not() -> None:
    tab = table()
    run(tab, [(1, LON, LAT, NOW - 60), (2, LON, LAT, NOW - 60)])
    v, _ = run(tab, [(1, LON + east(400), LAT, NOW - 40), (2, LON + east(400), LAT, NOW - 40)])
    assert v == [V.JUMP, V.GOOD]  # 20 m/s: too fast on foot, fine by car


def test_several_fixes_of_one_officer_in_one_batch_keep_arrival_order() -> None:
    tab = table()
    v, _ = run(tab, [(1, LON, LAT, NOW - 30), (2, LON, LAT, NOW - 30), (1, LON, LAT, NOW - 30),
                     (1, LON + east(10), LAT, NOW - 20), (1, LON, LAT, NOW - 25)])
    assert v == [V.GOOD, V.GOOD, V.DUPLICATE, V.GOOD, V.OUT_OF_ORDER]
    assert tab.good_t[0] == NOW - 20


fix_st = st.tuples(st.sampled_from([1, 2, 3]), st.floats(-500, 3000), st.integers(0, 40))


@settings(max_examples=150, deadline=None)
@given(st.lists(fix_st, min_size=1, max_size=30), st.integers(1, 5))
def test_batch_equals_one_by_one(fixes, n_chunks) -> None:
    """However a stream is cut into batches, every fix gets the same verdict."""
    stream = [(oid, LON + east(dx), LAT, NOW - 100 + dt) for oid, dx, dt in fixes]
    one = TrackTable.build(np.array([1, 2, 3]), np.array([7.0, 15.0, 45.0]))
    expected = [run(one, [f])[0][0] for f in stream]
    chunked = TrackTable.build(np.array([1, 2, 3]), np.array([7.0, 15.0, 45.0]))
    got: list[V] = []
    bounds = np.linspace(0, len(stream), n_chunks + 1).astype(int)
    last = np.full(3, -np.inf)
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b > a:
            got += run(chunked, stream[a:b])[0]
            now_t = np.nan_to_num(chunked.good_t, nan=-np.inf)
            assert (now_t >= last).all(), "an officer's last good fix went back in time"
            last = now_t
    assert got == expected
    np.testing.assert_array_equal(one.good_t, chunked.good_t)


def test_verdict_codes_cover_every_verdict() -> None:
    assert set(CODE) == set(V)


def test_officer_ids_that_are_not_integers_are_unknown_devices() -> None:
    from commandmap.domain.fix_validation import officer_id_array
    ids, ok = officer_id_array(np.array([1.0, 3.7, np.nan, np.inf, 1e300, -2.0]))
    assert ok.tolist() == [True, False, False, False, False, True]
    assert ids[ok].tolist() == [1, -2]
    tab = table(ids=(1, 3))
    verdicts, _ = run(tab, [(3.7, LON, LAT, NOW), (3.0, LON, LAT, NOW)])
    assert verdicts == [V.UNKNOWN_DEVICE, V.GOOD], "3.7 must not be truncated to officer 3"


def test_absurd_times_get_a_verdict_and_are_not_storable() -> None:
    from commandmap.domain.fix_validation import storable
    rules = FixRules(envelope=ENVELOPE)
    t = np.array([NOW * 1e6, -NOW * 1e6, NOW + 3600, NOW - 7200, np.inf])
    verdicts, res = run(table(), [(1, LON, LAT, x) for x in t], rules=rules)
    assert verdicts == [V.FUTURE, V.STALE, V.FUTURE, V.STALE, V.OUT_OF_RANGE]
    assert storable(rules, res.codes, t, NOW).tolist() == [False, False, True, True, False]
