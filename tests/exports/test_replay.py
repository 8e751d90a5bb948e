"""Replay at time T shows the positions stored for T and the recommendation shown then."""

from __future__ import annotations

import time

import numpy as np
import pytest

from commandmap.domain.snapshot import INCIDENT_STATUS_CODES, OFFICER_STATUS_CODES
from commandmap.services.replay import ReplayHistory
from routing.projection import to_xy

from .conftest import T0

CRS = "EPSG:32651"


@pytest.fixture(scope="module")
def replay(history) -> ReplayHistory:
    return ReplayHistory(history.engine, CRS, T0, T0 + 3600)


def _xy(lon: float, lat: float) -> np.ndarray:
    return to_xy(CRS, np.array([[lon, lat]]))[0]


def test_positions_at_t_are_the_last_accepted_fix(history, replay) -> None:
    lon, lat = history.lonlat
    a = int(np.flatnonzero(replay.officer_ids == history.officer_a)[0])
    for t, dlon in ((T0 + 59, 0.0), (T0 + 60, 0.002), (T0 + 90, 0.002), (T0 + 150, 0.004)):   # +90: flagged, ignored
        xy, _, age = replay.positions_at(t)
        assert xy[a] == pytest.approx(_xy(lon + dlon, lat), abs=1e-6), t
    xy, _, age = replay.positions_at(T0 - 1)
    assert np.isnan(xy[a]).all() and np.isinf(age[a])


def test_snapshot_at_t_has_the_statuses_of_that_moment(history, replay) -> None:
    snap = replay.snapshot_at(T0 + 60)
    a = int(np.flatnonzero(snap.officers.ids == history.officer_a)[0])
    assert snap.officers.status[a] == OFFICER_STATUS_CODES["en_route"]          # en route since +55
    assert "NB-TEST-H1" in snap.incidents.codes and "NB-TEST-H2" not in snap.incidents.codes
    k = snap.incidents.codes.index("NB-TEST-H1")
    assert snap.incidents.status[k] == INCIDENT_STATUS_CODES["en_route"] and snap.incidents.age_s[k] == 60
    later = replay.snapshot_at(T0 + 950)
    assert "NB-TEST-H1" not in later.incidents.codes                            # completed at +900
    k = later.incidents.codes.index("NB-TEST-H2")
    assert later.incidents.status[k] == INCIDENT_STATUS_CODES["en_route"]
    assert "NB-TEST-H3" not in later.incidents.codes                            # reported at +1200
    assert later.officers.status[a] == OFFICER_STATUS_CODES["available"]


def test_the_recommendation_shown_then_and_who_was_sent(history, replay) -> None:
    assert replay.shown_at(T0 + 24) == {}
    shown = replay.shown_at(T0 + 40)[history.incidents["H1"]]
    assert [c.officer_id for c in shown.candidates] == [history.officer_a, history.officer_b]
    assert [c.eta_s for c in shown.candidates] == [100.0, 150.0]
    assert shown.chosen_officer_id == history.officer_a and shown.left_out == {"stale": 3}


def test_who_was_within_r_of_a_point_at_t(history, replay) -> None:
    x, y = _xy(*history.lonlat)
    near = replay.within(x, y, 150.0, T0 + 60)
    assert [n.officer_id for n in near] == [history.officer_b]                  # B ~97 m east; A ~190 m
    both = replay.within(x, y, 300.0, T0 + 60)
    assert [n.officer_id for n in both] == [history.officer_b, history.officer_a]
    assert replay.within(x, y, 300.0, T0 + 60 + 3600) == []                     # by then the fixes are stale


def test_a_frame_of_a_full_city_day_is_fast() -> None:
    """25,000 officers with a fix every 30 s for a day (72 M fixes would not fit; 2 h here, the
    look-up does not depend on the span's length but on log of it), 5,000 incidents and tasks."""
    rng = np.random.default_rng(3)
    r = ReplayHistory.__new__(ReplayHistory)
    n, per = 25_000, 240
    r.start_s, r.end_s, r.stale_after_s, r.crs = 0.0, 7200.0, 120.0, CRS
    r.officer_ids = np.arange(1, n + 1, dtype=np.int64)
    r.badges = tuple(f"B{k}" for k in range(n))
    r.departments = np.zeros(n, np.int32)
    r._fix_rank = np.repeat(np.arange(n), per)
    r._fix_t = np.tile(np.arange(per) * 30.0, n)
    r._fix_xy = rng.uniform(0, 100_000, (n * per, 2))
    r._fix_heading = np.zeros(n * per, np.float32)
    r._span = 7200.0 + 2 * 120 + 1
    r._fix_key = r._fix_rank * r._span + (r._fix_t + 120.0)
    m = 5000
    r._task_ids = np.arange(m, dtype=np.int64)
    r._task_incident = np.arange(m, dtype=np.int64)
    r._task_officer_rank = rng.integers(0, n, m)
    d = np.sort(rng.uniform(0, 7200, m))
    r._task_stage = {"dispatched_at": d, "acknowledged_at": d + 20, "en_route_at": d + 25, "arrived_at": d + 240,
                     "completed_at": d + 1200}
    r._task_eta = np.full(m, 240.0)
    r._task_route = [[] for _ in range(m)]
    r.incident_ids = np.arange(m, dtype=np.int64)
    r._inc_codes = tuple(str(k) for k in range(m))
    r._inc_categories = ("x",) * m
    r._inc_priority = np.full(m, 2, np.int8)
    r._inc_xy = rng.uniform(0, 100_000, (m, 2))
    r._inc_reported = d - 30
    r._inc_ended = np.full(m, np.nan)
    r._shown = []
    r.snapshot_at(3600)
    t0 = time.perf_counter()
    for k in range(10):
        r.snapshot_at(3600 + k * 7.0)
    frame_ms = (time.perf_counter() - t0) / 10 * 1000
    print(f"replay snapshot: {frame_ms:.1f} ms")
    assert frame_ms < 100
