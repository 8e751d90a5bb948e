"""SLA service: stage timestamps come from the tasks; reassignment never resets the clock."""

from __future__ import annotations

import pytest

from commandmap.domain.sla import SlaLevel
from commandmap.services import lifecycle
from commandmap.services.dispatch import dispatch
from commandmap.services.sla import incident_sla
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, add_incident, build_city

LON, LAT = CENTER


@pytest.fixture
def city(sqlite_engine):
    build_city(sqlite_engine, [OfficerSpec(1, LON, LAT), OfficerSpec(2, LON, LAT)])
    with sqlite_engine.begin() as conn:
        for iid in (1, 2, 3):
            add_incident(conn, iid)
    return sqlite_engine


def test_levels_and_durations_from_the_store(city) -> None:
    t1 = dispatch(city, 1, 1, seat="s", predicted_eta_s=100, now_s=NOW_S).task_id     # reported NOW_S - 100
    lifecycle.acknowledge(city, t1, actor="o", now_s=NOW_S + 30)
    t2 = dispatch(city, 2, 2, seat="s", predicted_eta_s=100, now_s=NOW_S).task_id
    by_id = {s.incident_id: s for s in incident_sla(city, now_s=NOW_S + 70)}
    assert by_id[1].state.contact.level is SlaLevel.OK and by_id[1].durations.to_contact_s == pytest.approx(30)
    assert by_id[1].durations.to_dispatch_s == pytest.approx(100)
    assert by_id[2].state.contact.level is SlaLevel.BREACHED, "70 s without acknowledgement"
    assert by_id[3].state.level is SlaLevel.NOT_STARTED
    # officer 2 is withdrawn and officer... 1 is busy: reassign incident 2 to a released officer later
    lifecycle.arrive(city, t1, actor="o", now_s=NOW_S + 200)
    lifecycle.resolve(city, t1, actor="o", now_s=NOW_S + 250)
    r = lifecycle.reassign(city, t2, 1, actor="s", predicted_eta_s=60, now_s=NOW_S + 260)
    assert r.ok
    lifecycle.arrive(city, r.task_id, actor="o", now_s=NOW_S + 320)
    later = {s.incident_id: s for s in incident_sla(city, [1, 2], now_s=NOW_S + 400)}
    assert later[1].state.arrival.level is SlaLevel.OK and later[1].stages.resolved_s == pytest.approx(NOW_S + 250)
    assert later[2].state.arrival.level is SlaLevel.BREACHED, "320 s after the FIRST dispatch"
    assert later[2].durations.to_arrival_s == pytest.approx(320)
    assert set(later) == {1, 2}
