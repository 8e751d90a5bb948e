"""LiveState follows the change feed: only what changed is reloaded, snapshots are consistent."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy import update

from commandmap.domain.snapshot import INCIDENT_STATUS_CODES, OFFICER_STATUS_CODES
from commandmap.live import SIM_CLOCK_KEY, LiveState, project
from commandmap.services.clock import from_epoch
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store import schema
from commandmap.store.changes import record_change
from commandmap.store.repos import set_meta
from tests.fixtures_store import *  # noqa: F401,F403
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
    expected = project("EPSG:32651", np.array([LON]), np.array([LAT]))[0]
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


def test_positions_from_ingest_move_officers_small_and_bulk(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S)
    ing = FixIngestor(city, clock=lambda: NOW_S)
    ing.ingest(FixBatch(np.array([3]), np.array([LON + 0.002]), np.array([LAT]), np.array([NOW_S - 1])))
    live.refresh()
    snap = live.snapshot()
    assert np.isfinite(snap.officers.xy[2]).all() and snap.officers.fix_age_s[2] == pytest.approx(1, abs=1e-3)
    ing.bulk_threshold = 0   # every batch is 'bulk' now: the whole table is rescanned
    ing.ingest(FixBatch(np.array([1, 2]), np.array([LON + 0.001, LON + 0.011]), np.array([LAT, LAT]),
                        np.array([NOW_S - 2, NOW_S - 2])))
    stats = live.refresh()
    assert "officer_position" in stats.reloaded
    snap = live.snapshot()
    np.testing.assert_allclose(snap.officers.xy[:, 0],
                               project("EPSG:32651", np.array([LON + 0.001, LON + 0.011, LON + 0.002]),
                                       np.array([LAT] * 3))[:, 0])
    assert not snap.officers.stale.any()


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


def test_snapshot_arrays_are_copies(city) -> None:
    live = LiveState(city, clock=lambda: NOW_S)
    snap = live.snapshot()
    snap.officers.status[:] = 4
    assert live.snapshot().officers.status[0] == OFFICER_STATUS_CODES["available"]


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
