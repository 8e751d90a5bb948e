"""Packed position batches: exact round trip, refusal of anything malformed, the store's "strictly newer" rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commandmap.domain.position_batch import BYTES_PER_FIX, PositionBatch, to_microseconds

T0 = 1_795_500_000.0


def sample(n: int = 4) -> PositionBatch:
    return PositionBatch.from_seconds(np.arange(1, n + 1), 121.5 + np.arange(n) * 1e-7, 29.8 + np.arange(n) * 1e-7,
                                      np.array([0.0, np.nan, 359.5, 90.25][:n]), T0 + np.arange(n) * 0.123456)


def test_round_trip_is_exact() -> None:
    batch = sample()
    blob = batch.to_bytes()
    assert len(blob) == 16 + 4 * BYTES_PER_FIX
    back = PositionBatch.from_bytes(blob)
    assert back.officer_id.tolist() == [1, 2, 3, 4]
    assert back.lon.tolist() == batch.lon.tolist() and back.lat.tolist() == batch.lat.tolist()
    np.testing.assert_array_equal(back.heading_deg, batch.heading_deg)   # NaN stays NaN
    assert back.fix_time_us.tolist() == batch.fix_time_us.tolist()
    assert back.fix_time_s[1] == pytest.approx(T0 + 0.123456, abs=1e-6)
    assert PositionBatch.from_bytes(memoryview(blob)).officer_id.tolist() == [1, 2, 3, 4]


def test_times_are_kept_to_the_microsecond_like_the_store() -> None:
    assert to_microseconds(np.array([T0 + 0.0000004, T0 + 0.0000006])).tolist() == [
        int(T0) * 1_000_000, int(T0) * 1_000_000 + 1]


def test_empty_batch_round_trips() -> None:
    empty = PositionBatch.concat([])
    assert len(PositionBatch.from_bytes(empty.to_bytes())) == 0
    assert len(empty.newest_per_officer()) == 0


@pytest.mark.parametrize(("blob", "message"), [
    (b"CMPB", "shorter than its 16-byte header"),
    (b"XXXX" + bytes(12), "not a position batch"),
    (b"CMPB\x02" + bytes(11), "version 2 is not 1"),
    (sample().to_bytes()[:-1], "says 4 fixes"),
    (sample().to_bytes() + b"\x00", "says 4 fixes"),
])
def test_malformed_blobs_are_refused_with_the_reason(blob: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PositionBatch.from_bytes(blob)


def test_ids_outside_the_packed_range_are_refused() -> None:
    with pytest.raises(ValueError, match="officer ids must lie in 1"):
        PositionBatch.from_seconds(np.array([2**31]), [0.0], [0.0], [0.0], [T0]).to_bytes()
    with pytest.raises(ValueError, match="PositionBatch.lat has 1 values"):
        PositionBatch.from_seconds(np.array([1, 2]), [0.0, 1.0], [0.0], [0.0, 0.0], [T0, T0])


def test_newest_per_officer_keeps_the_first_of_equal_times() -> None:
    batch = PositionBatch.from_seconds(np.array([7, 7, 7, 3]), np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(4),
                                       np.zeros(4), np.array([T0 + 1, T0 + 5, T0 + 5, T0]))
    newest = batch.newest_per_officer()
    assert dict(zip(newest.officer_id.tolist(), newest.lon.tolist())) == {3: 4.0, 7: 2.0}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.integers(0, 6)), max_size=30))
def test_newest_per_officer_equals_applying_fixes_one_by_one(rows: list[tuple[int, int]]) -> None:
    """What the store does row by row (replace only with a strictly newer fix) in one vectorised step."""
    ids = np.array([r[0] for r in rows], np.int64)
    t = T0 + np.array([r[1] for r in rows], float)
    lon = np.arange(len(rows), dtype=float)
    held: dict[int, tuple[float, float]] = {}
    for oid, ts, x in zip(ids.tolist(), t.tolist(), lon.tolist()):
        if oid not in held or ts > held[oid][0]:
            held[oid] = (ts, x)
    newest = PositionBatch.from_seconds(ids, lon, np.zeros(len(rows)), np.zeros(len(rows)), t).newest_per_officer()
    got = {o: (us / 1e6, x) for o, us, x in zip(newest.officer_id.tolist(), newest.fix_time_us.tolist(),
                                               newest.lon.tolist())}
    assert got == held
