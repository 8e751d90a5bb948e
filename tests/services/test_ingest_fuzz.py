"""The ingest path against arbitrary input on both backends: nothing a feed sends may fail a tick.

Properties, for any batch: no exception; one verdict per fix; no officer moved
by a rejected fix; every row the store holds reads back; the good fixes of a
batch are stored even beside bad ones.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commandmap.domain.enums import FixVerdict as V
from commandmap.domain.fix_validation import VERDICTS
from commandmap.services.clock import parse_timestamps, to_epoch
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store import schema
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, build_city

LON, LAT = CENTER
ROSTER = (1, 2, 3)
EXTREMES = (math.nan, math.inf, -math.inf, 1e308, -1e308, 1.7e15, -1.7e15, 0.0, -0.0, 5e-324)
wild_float = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(EXTREMES))
wild_id = st.one_of(st.integers(-3, 6), st.sampled_from([3.7, -1.5, math.nan, math.inf, 2.0**40, 1e300, -7]))


def _fix(oid, lon, lat, dt, speed, heading):  # type: ignore[no-untyped-def]
    return {"id": oid, "lon": lon, "lat": lat, "dt": dt, "speed": speed, "heading": heading}


# a plausible fix (a roster officer near the centre, near now) or anything at all
plausible = st.builds(_fix, st.sampled_from(ROSTER), st.floats(LON - 0.001, LON + 0.001),
                      st.floats(LAT - 0.001, LAT + 0.001), st.floats(-60, 0), wild_float, wild_float)
wild = st.builds(_fix, wild_id, wild_float, wild_float, wild_float, wild_float, wild_float)
fixes = st.lists(st.one_of(plausible, wild), max_size=40)


def _batch(rows: list[dict], now: float) -> FixBatch:
    ids = [r["id"] for r in rows]
    arr = np.array(ids) if ids else np.zeros(0, np.int64)
    # a wild `dt` is an absolute time (a broken clock), a plausible one is an offset from now
    t = [now + r["dt"] if -60 <= r["dt"] <= 0 else r["dt"] for r in rows]
    return FixBatch(arr, np.array([r["lon"] for r in rows], float), np.array([r["lat"] for r in rows], float),
                    np.array(t, float), heading_deg=np.array([r["heading"] for r in rows], float),
                    speed_mps=np.array([r["speed"] for r in rows], float), source="mqtt")


def _positions(engine) -> dict[int, tuple[float, float, float]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(select(schema.officer_position)).all()
    return {r.officer_id: (r.lon, r.lat, to_epoch(r.fix_time)) for r in rows}


def _history_keys(engine) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(officer, fix time in µs) of every stored fix, read through the ORM types AND as raw values."""
    with engine.connect() as conn:
        typed = conn.execute(select(schema.position_fix.c.officer_id, schema.position_fix.c.fix_time,
                                    schema.position_fix.c.received_at, schema.position_fix.c.heading_deg,
                                    schema.position_fix.c.speed_mps)).all()
        raw = conn.exec_driver_sql("SELECT fix_time, received_at FROM position_fix").all()
    for r in typed:
        assert r.heading_deg is None or 0 <= r.heading_deg <= 360
        assert r.speed_mps is None or math.isfinite(r.speed_mps)
    stamps = parse_timestamps([r[0] for r in raw] + [r[1] for r in raw])
    assert np.isfinite(stamps).all(), "a stored timestamp does not read back"
    return {(int(r.officer_id), round(to_epoch(r.fix_time) * 1e6)) for r in typed}


def check_batch(engine, ing: FixIngestor, batch: FixBatch, now: float) -> None:  # type: ignore[no-untyped-def]
    before = _positions(engine)
    rep = ing.ingest(batch, now_s=now)
    assert len(rep.codes) == len(batch) and rep.received == len(batch)
    assert ((rep.codes >= 0) & (rep.codes < len(VERDICTS))).all()
    after = _positions(engine)
    t = batch.column("fix_time_s")
    good = [i for i in range(len(batch)) if rep.verdict(i) is V.GOOD]
    good_by_officer: dict[int, set[tuple[float, float, float]]] = {}
    for i in good:
        good_by_officer.setdefault(int(batch.officer_id[i]), set()).add(
            (float(batch.lon[i]), float(batch.lat[i]), round(float(t[i]) * 1e6)))
    for oid, pos in after.items():
        if before.get(oid) != pos:
            assert any(pos[0] == x and pos[1] == y and abs(round(pos[2] * 1e6) - us) <= 1
                       for x, y, us in good_by_officer.get(oid, set())), \
                f"officer {oid} moved by a fix that was not judged good"
    assert set(rep.moved_officer_ids.tolist()) <= set(good_by_officer)
    stored = _history_keys(engine)
    for i in good:   # PostgreSQL's to_timestamp(float8) may round the last microsecond the other way
        key = (int(batch.officer_id[i]), round(float(t[i]) * 1e6))
        assert {key, (key[0], key[1] - 1), (key[0], key[1] + 1)} & stored, f"good fix {i} was not stored"


@pytest.fixture
def fuzz_city(store_engine):  # type: ignore[no-untyped-def]
    build_city(store_engine, [OfficerSpec(i, LON, LAT, fix_age_s=60) for i in ROSTER])
    return store_engine


@given(rows=fixes)
@example(rows=[])
@example(rows=[_fix(1, LON, LAT, 1.7e15, 1.0, 90.0), _fix(2, LON, LAT, -5.0, 1.0, 90.0)])
@example(rows=[_fix(3.7, LON, LAT, -1.0, 1.0, 1.0), _fix(2, LON, LAT, -2.0, math.inf, -1e308)])
@example(rows=[_fix(2, LON, LAT, -3.0, 1.0, 1.0)] * 3 + [_fix(2, LON + 1e-4, LAT, -2.0, 1.0, 1.0)] * 2)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_batch_is_judged_and_never_fails(fuzz_city, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    # hypothesis reuses the store across examples: each example is a later tick of the same city
    now = NOW_S + 600.0 * _tick()
    check_batch(fuzz_city, FixIngestor(fuzz_city, clock=lambda: now), _batch(rows, now), now)


_ticks = [0]


def _tick() -> int:
    _ticks[0] += 1
    return _ticks[0]


def test_a_hundred_thousand_fix_batch(fuzz_city) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    n = 100_000
    now = NOW_S + 10.0
    ids = rng.choice(np.array([1, 2, 3, 4, -1, 3.5, np.nan]), n, p=[.3, .3, .3, .04, .02, .02, .02])
    t = now - rng.uniform(0, 50, n)
    t[rng.random(n) < 0.02] = 1.7e15
    lon = LON + rng.normal(0, 1e-4, n)
    lon[rng.random(n) < 0.01] = np.inf
    batch = FixBatch(ids, lon, LAT + rng.normal(0, 1e-4, n), t, speed_mps=rng.uniform(-5, 5, n))
    check_batch(fuzz_city, FixIngestor(fuzz_city, clock=lambda: now), batch, now)


def test_a_poison_time_beside_good_fixes_stores_the_good_ones(fuzz_city) -> None:  # type: ignore[no-untyped-def]
    """An epoch sent in µs made PostgreSQL's to_timestamp fail the whole transaction."""
    now = NOW_S + 5.0
    ing = FixIngestor(fuzz_city, clock=lambda: now)
    rep = ing.ingest(FixBatch(np.array([1, 2, 3]), np.full(3, LON), np.full(3, LAT),
                              np.array([now * 1e6, now - 1, -now * 1e6])), now_s=now)
    assert [rep.verdict(i) for i in range(3)] == [V.FUTURE, V.GOOD, V.STALE]
    assert rep.moved_officer_ids.tolist() == [2]
    assert _history_keys(fuzz_city) == {(2, round((now - 1) * 1e6))}


def test_year_ten_thousand_is_judged_not_garbled(fuzz_city) -> None:  # type: ignore[no-untyped-def]
    now = NOW_S + 5.0
    far = 55840 * 365.25 * 86400.0 - 62135596800.0  # ~year 55840
    rep = FixIngestor(fuzz_city, clock=lambda: now).ingest(
        FixBatch(np.array([1, 2]), np.full(2, LON), np.full(2, LAT), np.array([far, 253402300800.0 + 5])))
    assert [rep.verdict(i) for i in range(2)] == [V.FUTURE, V.FUTURE]
    assert _history_keys(fuzz_city) == set()


def test_non_integer_officer_ids_are_rejected_not_truncated(fuzz_city) -> None:  # type: ignore[no-untyped-def]
    now = NOW_S + 5.0
    ids = np.array([3.7, 2.0, np.nan, 1e300])
    rep = FixIngestor(fuzz_city, clock=lambda: now).ingest(
        FixBatch(ids, np.full(4, LON), np.full(4, LAT), np.full(4, now - 1)))
    assert [rep.verdict(i) for i in range(4)] == [V.UNKNOWN_DEVICE, V.GOOD, V.UNKNOWN_DEVICE, V.UNKNOWN_DEVICE]
    assert rep.moved_officer_ids.tolist() == [2]
    obj = np.array(["3", True, 3, None], dtype=object)
    rep = FixIngestor(fuzz_city, clock=lambda: now).ingest(
        FixBatch(obj, np.full(4, LON), np.full(4, LAT), np.full(4, now)))
    assert [rep.verdict(i) for i in range(4)] == [V.UNKNOWN_DEVICE, V.UNKNOWN_DEVICE, V.GOOD, V.UNKNOWN_DEVICE]
