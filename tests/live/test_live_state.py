"""LiveState follows the change feed: only what changed is reloaded, snapshots are consistent."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import select, update

from commandmap.domain.snapshot import INCIDENT_STATUS_CODES, OFFICER_STATUS_CODES
from commandmap.live import SIM_CLOCK_KEY, LiveState
from commandmap.services.clock import from_epoch
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store import schema
from commandmap.store.changes import record_change
from commandmap.store.repos import set_meta
from routing.projection import to_xy
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, add_incident, build_city

LON, LAT = CENTER


@pytest.fixture
def city(store_engine):
    build_city(store_engine, [OfficerSpec(1, LON, LAT, fix_age_s=30), OfficerSpec(2, LON + 0.01, LAT, fix_age_s=500),
                              OfficerSpec(3, LON, LAT + 0.01, fix_age_s=None, department="scjg")])
    return store_engine


def test_full_load_projects_and_flags_stale(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S, stale_after_s=120)
    snap = live.snapshot()
    assert snap.officers.ids.tolist() == [1, 2, 3]
    expected = to_xy("EPSG:32651", np.array([[LON, LAT]]))[0]
    np.testing.assert_allclose(snap.officers.xy[0], expected)
    assert 200_000 < expected[0] < 900_000, "UTM 51N easting"
    assert snap.officers.stale.tolist() == [False, True, True]
    assert np.isnan(snap.officers.xy[2]).all() and np.isinf(snap.officers.fix_age_s[2])
    assert snap.officers.fix_age_s[0] == pytest.approx(30, abs=1e-3)
    assert snap.officers.badges == ("NB00001", "NB00002", "NB00003")
    assert snap.officers.department.tolist() == [1, 1, 2]


def test_refresh_reloads_only_touched_rows(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S)
    seq0 = live.sequence
    with city.begin() as conn:
        # a row changed WITHOUT a change record must not show: proves refresh reads by the feed
        conn.execute(update(schema.officer).where(schema.officer.c.id == 2).values(status="on_scene"))
        conn.execute(update(schema.officer).where(schema.officer.c.id == 1).values(status="dispatched"))
        record_change(conn, "officer", 1, "update")
        add_incident(conn, 7)
        add_incident(conn, 8, status="closed")
    stats = live.refresh()
    assert stats.changes == 3 and stats.sequence > seq0
    snap = live.snapshot()
    assert snap.officers.status.tolist()[:2] == [OFFICER_STATUS_CODES["dispatched"], OFFICER_STATUS_CODES["available"]]
    assert snap.incidents.ids.tolist() == [7], "closed incidents are not drawn"
    assert snap.incidents.codes == ("NB-20261125-0007",)
    assert snap.incidents.status.tolist() == [INCIDENT_STATUS_CODES["new"]]
    assert snap.incidents.age_s[0] == pytest.approx(100, abs=1e-3)
    assert live.refresh().changes == 0


def table_positions(engine) -> dict[int, tuple[float, float, float]]:
    from commandmap.services.clock import to_epoch
    with engine.connect() as conn:
        rows = conn.execute(select(schema.officer_position)).all()
    return {r.officer_id: (r.lon, r.lat, to_epoch(r.fix_time)) for r in rows}


def assert_live_equals_table(live: LiveState, engine) -> None:
    """The seat shows exactly the positions the store holds (and nothing for officers without one)."""
    table = table_positions(engine)
    o = live.officers
    for k, oid in enumerate(o.ids.tolist()):
        if oid in table:
            lon, lat, t = table[oid]
            assert (o.cols["lon"][k], o.cols["lat"][k]) == (lon, lat), f"officer {oid}"
            assert o.cols["fix_t"][k] == pytest.approx(t, abs=1e-4), f"officer {oid}"
        else:
            assert np.isnan(o.cols["lon"][k]), f"officer {oid} has no position in the store"


def test_positions_from_ingest_are_replayed_from_the_packed_batch(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S)
    ing = FixIngestor(city, clock=lambda: NOW_S)
    ing.ingest(FixBatch(np.array([3]), np.array([LON + 0.002]), np.array([LAT]), np.array([NOW_S - 1]),
                        heading_deg=np.array([90.0])))
    stats = live.refresh()
    assert stats.changes == 1 and stats.reloaded == (), "one change row, replayed: no table rescan"
    snap = live.snapshot()
    assert np.isfinite(snap.officers.xy[2]).all() and snap.officers.fix_age_s[2] == pytest.approx(1, abs=1e-3)
    assert snap.officers.heading_deg[2] == 90.0
    ing.ingest(FixBatch(np.array([1, 2]), np.array([LON + 0.001, LON + 0.011]), np.array([LAT, LAT]),
                        np.array([NOW_S - 2, NOW_S - 2])))
    assert live.refresh().reloaded == ()
    snap = live.snapshot()
    np.testing.assert_allclose(snap.officers.xy[:, 0],
                               to_xy("EPSG:32651", np.column_stack([[LON + 0.001, LON + 0.011, LON + 0.002],
                                                                    [LAT] * 3]))[:, 0])
    assert np.isnan(snap.officers.heading_deg[:2]).all(), "no heading reported: none shown"
    assert not snap.officers.stale.any()
    assert_live_equals_table(live, city)


def test_pruned_or_unreadable_batches_fall_back_to_a_rescan(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S)
    FixIngestor(city, clock=lambda: NOW_S, batch_keep_s=0.0).ingest(
        FixBatch(np.array([1]), np.array([LON + 0.003]), np.array([LAT]), np.array([NOW_S - 3])))
    stats = live.refresh()
    assert stats.reloaded == ("officer_position",), "the packed copy is gone: the table is read instead"
    assert_live_equals_table(live, city)
    FixIngestor(city, clock=lambda: NOW_S).ingest(
        FixBatch(np.array([2]), np.array([LON + 0.004]), np.array([LAT]), np.array([NOW_S - 2])))
    with city.begin() as conn:   # a torn payload (bad disk, a foreign writer): refused, never half-applied
        conn.execute(update(schema.position_batch).values(payload=b"CMPB\x01garbage"))
    assert live.refresh().reloaded == ("officer_position",)
    assert_live_equals_table(live, city)


def test_a_seat_far_behind_rescans_instead_of_replaying(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S, max_replay_fixes=12)
    ing = FixIngestor(city, clock=lambda: NOW_S)
    for k in range(4):
        ing.ingest(FixBatch(np.array([1, 2, 3]), np.full(3, LON + 0.0001 * k), np.full(3, LAT),
                            np.full(3, NOW_S - 10 + k)))
    assert live.refresh().reloaded == (), "12 pending fixes: replayed"
    for k in range(5):
        ing.ingest(FixBatch(np.array([1, 2, 3]), np.full(3, LON + 0.0002 * k), np.full(3, LAT),
                            np.full(3, NOW_S - 5 + k)))
    stats = live.refresh()
    assert stats.changes == 5 and stats.reloaded == ("officer_position",), "15 pending: one rescan is cheaper"
    assert_live_equals_table(live, city)


@pytest.mark.parametrize("seed", range(6))
def test_replay_ends_where_the_table_ends_with_two_writers(city, seed) -> None:
    """Two writers that do not see each other's fixes (older ones lose in the store), seats refreshing at
    random moments and one seat loading mid-way: every seat shows exactly the table."""
    rng = np.random.default_rng(seed)
    writers = [FixIngestor(city, clock=lambda: NOW_S), FixIngestor(city, clock=lambda: NOW_S)]
    seats = [LiveState(city, clock=lambda: NOW_S)]
    for step in range(12):
        n = int(rng.integers(1, 6))
        ids = rng.integers(1, 4, n)
        t = NOW_S - 100 + step * 5 + rng.integers(-8, 3, n).astype(float)   # some older than what is stored
        lon = LON + rng.uniform(-0.0005, 0.0005, n)   # small steps: never a jump
        writers[int(rng.integers(0, 2))].ingest(FixBatch(ids, lon, np.full(n, LAT), t,
                                                         heading_deg=rng.uniform(0, 360, n)))
        for seat in seats:
            if rng.random() < 0.5:
                seat.refresh()
                assert_live_equals_table(seat, city)
        if step == 5:
            seats.append(LiveState(city, clock=lambda: NOW_S))
    for seat in seats:
        seat.refresh()
        assert_live_equals_table(seat, city)


def test_new_officer_and_tasks_with_routes(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S)
    with city.begin() as conn:
        conn.execute(schema.officer.insert().values(id=9, badge="NB00009", name="新", department_id=1, home_town_id=11,
                                                    mode="foot", skills=[], status="available"))
        conn.execute(schema.officer_position.insert().values(officer_id=9, lon=LON, lat=LAT,
                                                             fix_time=from_epoch(NOW_S - 5),
                                                             received_at=from_epoch(NOW_S - 5)))
        record_change(conn, "officer", 9, "insert")
        add_incident(conn, 5, status="dispatched")
        conn.execute(schema.task.insert().values(id=4, incident_id=5, officer_id=1, dispatched_by="seat 1",
                                                 dispatched_at=from_epoch(NOW_S - 60), predicted_eta_s=200.0,
                                                 route_lonlat=[[LON, LAT], [LON + 0.001, LAT], [LON + 0.001, LAT + 0.001]],
                                                 status="dispatched"))
        record_change(conn, "task", 4, "insert")
    live.refresh()
    snap = live.snapshot()
    assert snap.officers.ids.tolist() == [1, 2, 3, 9]
    assert np.isfinite(snap.officers.xy[3]).all(), "the new officer's position arrived with it"
    assert snap.routes.task_ids.tolist() == [4]
    assert snap.routes.offsets.tolist() == [0, 3]
    assert snap.routes.eta_s[0] == pytest.approx(140, abs=1e-3)
    assert live.open_task_of(1) == 4
    with city.begin() as conn:
        conn.execute(update(schema.task).where(schema.task.c.id == 4).values(status="completed"))
        record_change(conn, "task", 4, "update")
    live.refresh()
    assert live.snapshot().routes.task_ids.tolist() == []
    assert live.open_task_of(1) is None


def test_simulator_clock_is_shared_through_the_store(city) -> None:
    live = LiveState(city)
    with city.begin() as conn:
        set_meta(conn, SIM_CLOCK_KEY, json.dumps({"wall0": 0.0, "sim0": NOW_S, "speed": 0.0}))
    live.refresh()
    assert live.now() == pytest.approx(NOW_S)
    assert live.snapshot().time_s == pytest.approx(NOW_S)


def test_a_snapshot_cannot_change_the_live_state(city) -> None:
    """Snapshots share the arrays published by the last refresh (no copy per call, no lock): they are
    read-only, so a consumer that writes fails loudly instead of changing what everyone else sees."""
    live = LiveState(city, clock=lambda: NOW_S)
    snap = live.snapshot()
    for arr in (snap.officers.status, snap.officers.xy, snap.incidents.status, snap.incidents.xy, snap.routes.coords):
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0
    assert live.snapshot().officers.status[0] == OFFICER_STATUS_CODES["available"]
    snap.officers.fix_age_s[:] = 0          # what depends on the moment asked is the caller's own
    assert live.snapshot().officers.fix_age_s[0] != 0


def test_a_snapshot_never_waits_for_the_follower(city) -> None:
    """While the follower holds the state's lock (reading the store), a snapshot is still answered."""
    import threading
    live = LiveState(city, clock=lambda: NOW_S)
    got: list[object] = []
    with live._lock:                        # the follower, mid-refresh
        t = threading.Thread(target=lambda: got.append(live.snapshot()))
        t.start()
        t.join(5)
        assert not t.is_alive() and got


def test_incident_sla_follows_acknowledgements(city) -> None:
    from commandmap.domain.sla import LEVEL_CODES, SlaLevel
    from commandmap.services import lifecycle
    from commandmap.services.dispatch import dispatch

    with city.begin() as conn:
        add_incident(conn, 7)
        add_incident(conn, 8)
    live = LiveState(city, clock=lambda: NOW_S)
    tid = dispatch(city, 7, 1, seat="seat 1", predicted_eta_s=100, now_s=NOW_S).task_id
    live.refresh()
    ids, levels = live.incident_sla(NOW_S + 70)
    assert ids.tolist() == [7, 8]
    assert levels.tolist() == [LEVEL_CODES[SlaLevel.BREACHED], LEVEL_CODES[SlaLevel.NOT_STARTED]]
    assert lifecycle.acknowledge(city, tid, actor="officer 1", now_s=NOW_S + 30).ok   # records only a task change
    live.refresh()
    assert live.incident_sla(NOW_S + 70)[1].tolist()[0] == LEVEL_CODES[SlaLevel.OK]
    assert live.incident_sla(NOW_S + 290)[1].tolist()[0] == LEVEL_CODES[SlaLevel.AT_RISK]


def test_off_duty_officers_are_not_flagged_stale(city) -> None:
    """An off-duty officer is not expected to report; the wall must not count it as a lost fix."""
    with city.begin() as conn:
        conn.execute(update(schema.officer).where(schema.officer.c.id == 2).values(status="off_duty", on_duty=False))
        record_change(conn, "officer", 2, "update")
    live = LiveState(city, clock=lambda: NOW_S, stale_after_s=120)
    snap = live.snapshot()
    assert snap.officers.status[1] == OFFICER_STATUS_CODES["off_duty"]
    assert snap.officers.fix_age_s[1] == pytest.approx(500, abs=1e-3)   # its age is still known
    assert snap.officers.stale.tolist() == [False, False, True]


def test_roster_arrays_are_published_by_each_refresh_and_never_wait_for_the_lock(city) -> None:
    import threading

    live = LiveState(city, clock=lambda: NOW_S)
    before = live.roster_arrays()
    assert before.ids.tolist() == [1, 2, 3] and not before.status.flags.writeable
    with city.begin() as conn:
        conn.execute(update(schema.officer).where(schema.officer.c.id == 1).values(status="dispatched"))
        record_change(conn, "officer", 1, "update")
    assert live.roster_arrays() is before            # nothing read yet: the published copy stands
    live.refresh()
    after = live.roster_arrays()
    assert after.status.tolist()[0] == OFFICER_STATUS_CODES["dispatched"]
    assert before.status.tolist()[0] == OFFICER_STATUS_CODES["available"]   # a reader's copy never changes
    # the follower holds the lock for a whole refresh (database reads included): a reader does not wait
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with live._lock:
            held.set()
            release.wait(10)
    t = threading.Thread(target=hold)
    t.start()
    try:
        assert held.wait(5)
        got: list[object] = []
        reader = threading.Thread(target=lambda: got.append(live.roster_arrays()))
        reader.start()
        reader.join(2)
        assert got == [after]
    finally:
        release.set()
        t.join()
