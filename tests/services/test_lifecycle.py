"""Lifecycle steps: each one transaction through the state machines, with stage stamps and journals."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from commandmap.services import lifecycle
from commandmap.services.arrival import ArrivalDetector
from commandmap.services.clock import to_epoch
from commandmap.services.dispatch import dispatch
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, add_incident, build_city

LON, LAT = CENTER


@pytest.fixture
def city(store_engine):
    build_city(store_engine, [OfficerSpec(1, LON - 0.01, LAT), OfficerSpec(2, LON - 0.01, LAT)])
    with store_engine.begin() as conn:
        add_incident(conn, 41)
    return store_engine


def states(engine, task_id: int) -> tuple[str, str, str]:
    with engine.connect() as conn:
        t = conn.execute(select(schema.task).where(schema.task.c.id == task_id)).one()
        o = conn.execute(select(schema.officer.c.status).where(schema.officer.c.id == t.officer_id)).scalar()
        i = conn.execute(select(schema.incident.c.status).where(schema.incident.c.id == t.incident_id)).scalar()
    return t.status, o, i


def stamps(engine, task_id: int) -> dict[str, float | None]:
    with engine.connect() as conn:
        t = conn.execute(select(schema.task).where(schema.task.c.id == task_id)).one()
    return {k: to_epoch(getattr(t, k)) for k in ("dispatched_at", "acknowledged_at", "en_route_at", "arrived_at",
                                                  "completed_at")}


def test_full_life_of_a_task(city) -> None:
    tid = dispatch(city, 41, 1, seat="seat 1", predicted_eta_s=200, now_s=NOW_S).task_id
    assert lifecycle.acknowledge(city, tid, actor="officer 1", now_s=NOW_S + 20).ok
    assert states(city, tid) == ("acknowledged", "dispatched", "dispatched")
    again = lifecycle.acknowledge(city, tid, actor="officer 1", now_s=NOW_S + 21)
    assert not again.ok and "cannot acknowledge: it is acknowledged" in again.message
    assert lifecycle.start_route(city, tid, actor="officer 1", now_s=NOW_S + 25).ok
    assert states(city, tid) == ("en_route", "en_route", "en_route")
    assert lifecycle.arrive(city, tid, actor="officer 1", now_s=NOW_S + 200).ok
    assert states(city, tid) == ("on_scene", "on_scene", "on_scene")
    assert not lifecycle.close(city, 41, actor="seat 1", now_s=NOW_S + 201).ok, "only a resolved incident closes"
    assert lifecycle.resolve(city, tid, actor="officer 1", now_s=NOW_S + 900).ok
    assert states(city, tid) == ("completed", "available", "resolved")
    assert lifecycle.close(city, 41, actor="seat 1", now_s=NOW_S + 1000).ok
    assert stamps(city, tid) == {"dispatched_at": NOW_S, "acknowledged_at": NOW_S + 20, "en_route_at": NOW_S + 25,
                                 "arrived_at": NOW_S + 200, "completed_at": NOW_S + 900}
    with city.connect() as conn:
        actions = conn.execute(select(schema.audit_event.c.action).order_by(schema.audit_event.c.id)).scalars().all()
        assert actions == ["task.dispatch", "task.acknowledge", "task.start_route", "task.arrive",
                               "task.complete", "incident.close"]
        assert verify_audit_chain(conn).ok


def test_arriving_without_acknowledging_counts_as_contact(city) -> None:
    tid = dispatch(city, 41, 1, seat="seat 1", predicted_eta_s=200, now_s=NOW_S).task_id
    assert lifecycle.arrive(city, tid, actor="officer 1", now_s=NOW_S + 50).ok
    assert stamps(city, tid)["acknowledged_at"] == NOW_S + 50


def test_cancel_releases_the_officer(city) -> None:
    tid = dispatch(city, 41, 1, seat="seat 1", predicted_eta_s=200, now_s=NOW_S).task_id
    assert lifecycle.cancel(city, 41, actor="seat 1", reason="duplicate report", now_s=NOW_S + 30).ok
    assert states(city, tid) == ("cancelled", "available", "cancelled")
    assert not lifecycle.cancel(city, 41, actor="seat 1", now_s=NOW_S + 31).ok


def test_reassign_is_atomic(city) -> None:
    tid = dispatch(city, 41, 1, seat="seat 1", predicted_eta_s=200, now_s=NOW_S).task_id
    res = lifecycle.reassign(city, tid, 2, actor="seat 1", predicted_eta_s=150, now_s=NOW_S + 40)
    assert res.ok and res.task_id != tid
    assert states(city, tid) == ("reassigned", "available", "dispatched")
    assert states(city, res.task_id) == ("dispatched", "dispatched", "dispatched")
    # reassigning to a busy officer changes nothing
    with city.begin() as conn:
        add_incident(conn, 43)
    busy_tid = dispatch(city, 43, 1, seat="seat 2", predicted_eta_s=100, now_s=NOW_S + 50).task_id
    refused = lifecycle.reassign(city, res.task_id, 1, actor="seat 1", predicted_eta_s=10, now_s=NOW_S + 60)
    assert not refused.ok and refused.conflict == "officer_taken" and "officer 1 was dispatched" in refused.message
    assert states(city, res.task_id) == ("dispatched", "dispatched", "dispatched")
    assert states(city, busy_tid)[0] == "dispatched"


def test_arrival_detected_from_positions(city) -> None:
    tid = dispatch(city, 41, 1, seat="seat 1", predicted_eta_s=200, now_s=NOW_S).task_id
    detector = ArrivalDetector(city, radius_m=50)
    ing = FixIngestor(city, clock=lambda: NOW_S + 100, on_moved=detector.check)
    far = LON - 0.005          # ~480 m away: still travelling
    ing.ingest(FixBatch(np.array([1, 2]), np.array([far, LON]), np.array([LAT, LAT]),
                        np.array([NOW_S + 60, NOW_S + 60])))
    assert states(city, tid)[0] == "dispatched", "officer 2 at the scene has no task there"
    ing.ingest(FixBatch(np.array([1]), np.array([LON + 0.0003]), np.array([LAT]), np.array([NOW_S + 95])))
    assert states(city, tid) == ("on_scene", "on_scene", "on_scene")
    assert stamps(city, tid)["arrived_at"] == NOW_S + 100 and detector.detected == 1
