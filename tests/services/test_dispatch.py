"""Dispatch is one transaction; a lost race is a normal result naming the winner."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from commandmap.services.dispatch import dispatch
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.changes import changes_since, latest_seq
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, add_incident, build_city

LON, LAT = CENTER
ROUTE = [[LON, LAT], [LON + 0.001, LAT]]


@pytest.fixture
def city(store_engine):
    build_city(store_engine, [OfficerSpec(i, LON, LAT) for i in (1, 2, 3)])
    with store_engine.begin() as conn:
        for iid in (41, 42):
            add_incident(conn, iid)
    return store_engine


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (schema.task, schema.audit_event, schema.change)}


def test_dispatch_moves_officer_incident_and_writes_task_audit_changes(city) -> None:
    with city.connect() as conn:
        seq0 = latest_seq(conn)
    res = dispatch(city, 41, 1, seat="seat 3", predicted_eta_s=180.0, route_lonlat=ROUTE, officer_version=1,
                   now_s=NOW_S)
    assert res.ok and res.task_id is not None
    assert res.message == "officer 1 dispatched to NB-20261125-0041 by seat 3 at 14:00:00"
    with city.connect() as conn:
        off = conn.execute(select(schema.officer).where(schema.officer.c.id == 1)).one()
        inc = conn.execute(select(schema.incident).where(schema.incident.c.id == 41)).one()
        tsk = conn.execute(select(schema.task)).one()
        assert (off.status, off.version) == ("dispatched", 2)
        assert (inc.status, inc.version) == ("dispatched", 2)
        assert (tsk.status, tsk.officer_id, tsk.predicted_eta_s, tsk.route_lonlat) == ("dispatched", 1, 180.0, ROUTE)
        assert sorted((c.entity, c.entity_id, c.op) for c in changes_since(conn, seq0)) == [
            ("incident", 41, "update"), ("officer", 1, "update"), ("task", res.task_id, "insert")]
        assert verify_audit_chain(conn).ok


def test_second_seat_loses_with_the_winners_name_and_a_fresh_recommendation(city) -> None:
    assert dispatch(city, 41, 1, seat="seat 3", predicted_eta_s=100, officer_version=1, now_s=NOW_S + 131).ok
    before = counts(city)
    asked: list[int] = []
    lost = dispatch(city, 42, 1, seat="seat 5", predicted_eta_s=90, officer_version=1, now_s=NOW_S + 140,
                    recommend=lambda iid: asked.append(iid) or "fresh")
    assert not lost.ok and lost.conflict == "officer_taken"
    assert lost.message == "officer 1 was dispatched to NB-20261125-0041 by seat 3 at 14:02:11"
    assert lost.recommendation == "fresh" and asked == [42]
    assert counts(city) == before, "a lost race writes nothing"


def test_incident_already_taken_and_stale_versions(city) -> None:
    assert dispatch(city, 41, 1, seat="seat 1", predicted_eta_s=100, now_s=NOW_S).ok
    taken = dispatch(city, 41, 2, seat="seat 2", predicted_eta_s=100, now_s=NOW_S)
    assert taken.conflict == "incident_taken" and "already dispatched to officer 1 by seat 1" in taken.message
    with city.begin() as conn:   # officer 2's record changed after the dispatcher looked (e.g. skills edit)
        conn.execute(update(schema.officer).where(schema.officer.c.id == 2).values(version=5))
    changed = dispatch(city, 42, 2, seat="seat 2", predicted_eta_s=100, officer_version=1, now_s=NOW_S)
    assert changed.conflict == "officer_changed" and "version 1 is now 5" in changed.message
    with city.begin() as conn:
        conn.execute(update(schema.officer).where(schema.officer.c.id == 3).values(on_duty=False))
    off = dispatch(city, 42, 3, seat="seat 2", predicted_eta_s=100, now_s=NOW_S)
    assert off.conflict == "officer_unavailable" and off.message == "officer 3 is off duty"
    missing = dispatch(city, 999, 2, seat="seat 2", predicted_eta_s=100, now_s=NOW_S)
    assert missing.conflict == "not_found"
    with city.connect() as conn:
        assert conn.execute(select(schema.officer.c.status).where(schema.officer.c.id == 2)).scalar() == "available"


def test_unique_index_is_the_last_line_of_defence(city) -> None:
    """Even if the officer row were wrongly 'available' with an open task, a second task cannot exist."""
    assert dispatch(city, 41, 1, seat="seat 1", predicted_eta_s=100, now_s=NOW_S).ok
    with city.begin() as conn:   # simulate a buggy writer that reset the status behind the machine's back
        conn.execute(update(schema.officer).where(schema.officer.c.id == 1).values(status="available"))
    res = dispatch(city, 42, 1, seat="seat 2", predicted_eta_s=100, now_s=NOW_S)
    assert not res.ok and res.conflict == "officer_taken"
    with city.connect() as conn:
        assert conn.execute(select(schema.incident.c.status).where(schema.incident.c.id == 42)).scalar() == "new"
        assert conn.execute(select(func.count()).select_from(schema.task)).scalar_one() == 1
