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
    """25,000 officers with a fix every 10 s (a full-city day is ~200 M fixes: read in 5-minute
    chunks, the frame looks up T's chunk and the fixes carried over it), 5,000 incidents and tasks."""
    from commandmap.bench.replay_scene import synthetic_history
    rng = np.random.default_rng(3)
    r = synthetic_history(rng.uniform(0, 100_000, (25_000, 2)), 24 * 3600.0)
    r.snapshot_at(r.start_s + 3600)
    t0 = time.perf_counter()
    for k in range(10):
        r.snapshot_at(r.start_s + 3600 + k * 7.0)
    frame_ms = (time.perf_counter() - t0) / 10 * 1000
    print(f"replay snapshot: {frame_ms:.1f} ms")
    assert frame_ms < 100
    assert max(rows for _, _, rows in r.fix_reads) <= 25_000 * 31      # one 5-minute chunk at a time
