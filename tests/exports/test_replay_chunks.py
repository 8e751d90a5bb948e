"""A day replay reads its fixes in time chunks (memory bounded whatever the span) and shows
exactly the frames of one read of the whole day (the replay before chunking)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from sqlalchemy import Engine, insert, select

from commandmap.services.clock import from_epoch
from commandmap.services.replay import ReplayHistory
from commandmap.store import schema
from commandmap.store.migrate import open_store
from routing.projection import to_xy
from tests.services.conftest import demo_home, mini_city, mini_store  # noqa: F401  (session fixtures reused)

CRS = "EPSG:32651"
DAY0 = datetime(2026, 11, 27, 16, 0, tzinfo=UTC).timestamp()     # midnight in Ningbo
STALE_S = 120.0


@pytest.fixture(scope="module")
def day(mini_store: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, list]]:  # noqa: F811
    """A copy of the mini city with a day of fixes for six officers: every 30 s, with a
    six-hour silence, a flagged fix, one fix only in the stale horizon before the day."""
    path = tmp_path_factory.mktemp("replay_day") / "city.sqlite3"
    with sqlite3.connect(str(mini_store.url.database)) as src, sqlite3.connect(path) as dst:
        src.backup(dst)                 # WAL-safe copy of the shared, read-only mini store
    engine = open_store(f"sqlite:///{path}")
    with engine.connect() as conn:
        officers = conn.execute(select(schema.officer.c.id).order_by(schema.officer.c.id).limit(6)).scalars().all()
        lon, lat = conn.execute(select(schema.site.c.lon, schema.site.c.lat).limit(1)).one()
    rng = np.random.default_rng(5)
    fixes = []
    for k, officer in enumerate(officers[:4]):
        for t in np.arange(DAY0 + 7 * k, DAY0 + 86_400, 30.0):
            if k == 1 and DAY0 + 3 * 3600 <= t < DAY0 + 9 * 3600:
                continue                                            # silent 03:00–09:00
            fixes.append((officer, float(t), lon + rng.uniform(-0.01, 0.01), lat + rng.uniform(-0.01, 0.01),
                          "outside_city" if rng.random() < 0.01 else "good"))
    fixes.append((officers[4], DAY0 - 60, lon, lat, "good"))        # before the day, inside the stale horizon
    fixes.append((officers[5], DAY0 - 600, lon, lat, "good"))       # too old to count
    with engine.begin() as conn:
        conn.execute(insert(schema.position_fix), [
            {"officer_id": o, "lon": x, "lat": y, "fix_time": from_epoch(t), "received_at": from_epoch(t),
             "verdict": v, "source": "simulator", "heading_deg": None} for o, t, x, y, v in fixes])
    yield engine, fixes
    engine.dispose()


def _reference(history: ReplayHistory, fixes: list, t_s: float) -> np.ndarray:
    """Each officer's position at T as the replay computed it before chunking: the last good
    fix at or before T among those read for [start - stale, end]."""
    xy = np.full((len(history.officer_ids), 2), np.nan)
    best: dict[int, tuple[float, float, float]] = {}
    for o, t, lon, lat, verdict in fixes:
        if verdict == "good" and history.start_s - STALE_S <= t <= min(t_s, history.end_s) \
                and t >= best.get(o, (-np.inf,))[0]:
            best[o] = (t, lon, lat)
    for o, (_, lon, lat) in best.items():
        k = np.flatnonzero(history.officer_ids == o)
        xy[k] = to_xy(CRS, np.array([[lon, lat]]))
    return xy


def test_a_day_is_read_in_chunks_and_frames_equal_one_whole_read(day) -> None:
    engine, fixes = day
    chunked = ReplayHistory(engine, CRS, DAY0, DAY0 + 86_400, stale_after_s=STALE_S, chunk_s=1800)
    whole = ReplayHistory(engine, CRS, DAY0, DAY0 + 86_400, stale_after_s=STALE_S, chunk_s=86_400)
    times = [DAY0 - 30, DAY0, DAY0 + 1, DAY0 + 1799.5, DAY0 + 1800, DAY0 + 5 * 3600 + 13, DAY0 + 8 * 3600,
             DAY0 + 9 * 3600 + 1, DAY0 + 12 * 3600 + 37, DAY0 + 86_399, DAY0 + 86_400]
    for t in times + times[::-1]:                       # forwards, then seeking backwards
        a, b = chunked.snapshot_at(t), whole.snapshot_at(t)
        np.testing.assert_array_equal(a.officers.xy, b.officers.xy, err_msg=str(t - DAY0))
        np.testing.assert_array_equal(a.officers.fix_age_s, b.officers.fix_age_s)
        np.testing.assert_array_equal(a.officers.stale, b.officers.stale)
        np.testing.assert_array_equal(a.officers.status, b.officers.status)
        np.testing.assert_allclose(a.officers.xy, _reference(chunked, fixes, t), atol=1e-6, err_msg=str(t - DAY0))
    # officer 1 was silent 03:00–09:00: at 08:00 it still shows its 02:59 fix, stale
    k = 1
    snap = chunked.snapshot_at(DAY0 + 8 * 3600)
    assert snap.officers.stale[k] and snap.officers.fix_age_s[k] > 5 * 3600 and np.isfinite(snap.officers.xy[k]).all()
    # the reads: never more than half an hour of fixes at once, and the whole day was one read before
    assert len(whole.fix_reads) == 2 and whole.fix_reads[-1][2] > 4 * 2500     # the horizon (T before the day), the day
    assert all(hi - lo <= 1800 for lo, hi, _ in chunked.fix_reads) and len(chunked.fix_reads) > 10
    assert max(rows for _, _, rows in chunked.fix_reads) <= 4 * 60 + 1
    assert len(chunked._chunks) <= 2


def test_playing_forward_reads_each_chunk_once(day) -> None:
    engine, fixes = day
    history = ReplayHistory(engine, CRS, DAY0, DAY0 + 6 * 3600, stale_after_s=STALE_S, chunk_s=900)
    for t in np.arange(DAY0, DAY0 + 6 * 3600 + 1, 60.0):
        history.positions_at(float(t))
    spans = [(lo, hi) for lo, hi, _ in history.fix_reads]
    assert len(spans) == len(set(spans)) == 6 * 4               # 24 chunks, each read once
    good = sum(1 for _, t, _, _, v in fixes if v == "good" and DAY0 <= t <= DAY0 + 6 * 3600)
    assert sum(rows for _, _, rows in history.fix_reads) == good
    # the stale horizon before the span: one row per officer who reported in it, nothing else
    assert [(lo, hi) for lo, hi, _ in history.last_fix_reads] == [(DAY0 - STALE_S, DAY0)]


def test_a_jump_reads_one_row_per_officer_an_hour_not_the_fixes_between(day) -> None:
    engine, fixes = day
    history = ReplayHistory(engine, CRS, DAY0, DAY0 + 86_400, stale_after_s=STALE_S, chunk_s=300)
    t = DAY0 + 20 * 3600 + 150
    snap = history.snapshot_at(t)
    np.testing.assert_allclose(snap.officers.xy, _reference(history, fixes, t), atol=1e-6)
    reads = [(lo, hi) for lo, hi, _ in history.fix_reads]
    assert reads[0] == history._bounds(240) and set(reads) <= {history._bounds(240), history._bounds(241)}
    # T's chunk, and perhaps already the next one read ahead
    assert len(history.last_fix_reads) == 21 and all(rows <= 6 for _, _, rows in history.last_fix_reads)
    assert all(hi - lo <= 3600 + STALE_S for lo, hi, _ in history.last_fix_reads)
    history.close()


@pytest.mark.postgres
def test_chunks_read_the_same_on_postgresql(pg_url, mini_city) -> None:  # noqa: F811
    """Server-side batches on PostgreSQL (day partitions): the same frames as one whole read."""
    from commandmap.services.demo.load import load_demo_into_store

    engine = open_store(pg_url)
    try:
        load_demo_into_store(engine, mini_city)
        with engine.begin() as conn:
            officers = conn.execute(select(schema.officer.c.id).order_by(schema.officer.c.id).limit(2)).scalars().all()
            lon, lat = conn.execute(select(schema.site.c.lon, schema.site.c.lat).limit(1)).one()
            conn.execute(insert(schema.position_fix), [
                {"officer_id": o, "lon": lon + 1e-4 * k, "lat": lat, "fix_time": from_epoch(DAY0 + 3600 + 30 * k + j),
                 "received_at": from_epoch(DAY0 + 3600 + 30 * k + j), "verdict": "good", "source": "simulator"}
                for j, o in enumerate(officers) for k in range(240)])
        chunked = ReplayHistory(engine, CRS, DAY0 + 3600, DAY0 + 5 * 3600, stale_after_s=STALE_S, chunk_s=600)
        whole = ReplayHistory(engine, CRS, DAY0 + 3600, DAY0 + 5 * 3600, stale_after_s=STALE_S, chunk_s=4 * 3600)
        for t in (DAY0 + 3600, DAY0 + 3600 + 601, DAY0 + 2 * 3600 + 45, DAY0 + 4 * 3600):
            a, b = chunked.snapshot_at(t), whole.snapshot_at(t)
            np.testing.assert_array_equal(a.officers.xy, b.officers.xy)
            np.testing.assert_array_equal(a.officers.fix_age_s, b.officers.fix_age_s)
        assert np.isfinite(chunked.snapshot_at(DAY0 + 2 * 3600).officers.xy[:2]).all()
        assert len(chunked.fix_reads) > 3 and all(hi - lo <= 600 for lo, hi, _ in chunked.fix_reads)
    finally:
        engine.dispose()


def test_the_next_chunk_is_read_ahead_in_a_worker(day) -> None:
    engine, _ = day
    history = ReplayHistory(engine, CRS, DAY0, DAY0 + 3600, stale_after_s=STALE_S, chunk_s=900)
    try:
        history.positions_at(DAY0 + 10)                     # chunk 0 shown: chunk 1 is on its way
        assert history._prefetch is not None and history._prefetch[0] == 1
        history._prefetch[1].result(timeout=10)
        history.positions_at(DAY0 + 905)                    # into chunk 1: taken from the read-ahead
        assert 1 in history._chunks
        assert [(lo, hi) for lo, hi, _ in history.fix_reads].count(history._bounds(1)) == 1
    finally:
        history.close()
