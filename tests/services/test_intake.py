"""Intake: validated reports become incidents with jurisdiction, competent departments and daily codes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commandmap.domain.enums import IncidentSource, Priority
from commandmap.services.incident_codes import city_day, format_code, next_code, parse_code
from commandmap.services.intake import Intake, IntakeError, NewIncident
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.changes import changes_since
from tests.live.citykit import CENTER, NOW_S, build_city

LON, LAT = CENTER


@pytest.fixture
def city(store_engine):
    build_city(store_engine)
    return store_engine


def test_codes_format_parse_and_day_boundary() -> None:
    assert format_code(city_day(NOW_S), 42) == "NB-20261125-0042"
    assert parse_code("NB-20261125-10042")[1] == 10042
    with pytest.raises(ValueError, match="not an incident code"):
        parse_code("XX-1")
    # 23:59:59 UTC is already the next day in Ningbo
    assert str(city_day(NOW_S - 6 * 3600 - 1 + 24 * 3600)) == "2026-11-26"


def test_create_resolves_everything_in_one_transaction(city) -> None:
    intake = Intake(city)
    res = intake.create(NewIncident("油烟扰民", IncidentSource.HOTLINE_12345, LON + 0.015, LAT + 0.01,
                                    description="楼下饭店油烟"), actor="seat 1", now_s=NOW_S)
    assert res.code == "NB-20261125-0001"
    assert (res.jurisdiction.district_id, res.jurisdiction.town_id, res.jurisdiction.grid_id) == (2, 22, 222)
    assert res.department_codes == ("zhzf", "sthj") and res.department_ids == (1, 3)
    assert res.priority is Priority.P3 and res.domain == "environment"
    with city.connect() as conn:
        row = conn.execute(select(schema.incident)).one()
        assert (row.status, row.category, row.source, row.grid_id) == ("new", "油烟扰民", "hotline_12345", 222)
        assert row.department_ids == [1, 3]
        assert [(c.entity, c.entity_id) for c in changes_since(conn, 0)] == [("incident", res.incident_id)]
        audit = conn.execute(select(schema.audit_event)).one()
        assert audit.action == "incident.create" and audit.detail["code"] == res.code
        assert verify_audit_chain(conn).ok
    second = intake.create(NewIncident("street_vending", "patrol", LON - 0.01, LAT, priority="P1"),
                           actor="seat 2", now_s=NOW_S + 5)
    assert second.code == "NB-20261125-0002" and second.priority is Priority.P1
    # next day starts again at 0001
    third = intake.create(NewIncident("占道经营", "patrol", LON, LAT + 0.01), actor="x", now_s=NOW_S + 86_400)
    assert third.code == "NB-20261126-0001"


@pytest.mark.parametrize("bad, field", [
    (NewIncident("没有这个类别", "patrol", LON, LAT), "category"),
    (NewIncident("占道经营", "fax", LON, LAT), "source"),
    (NewIncident("占道经营", "patrol", LON, LAT, priority="P9"), "priority"),
    (NewIncident("占道经营", "patrol"), "location"),
    (NewIncident("占道经营", "patrol", 500.0, LAT), "location"),
    (NewIncident("占道经营", "patrol", LON + 1, LAT), "outside the city"),
    (NewIncident("占道经营", "patrol", site_id=999), "site_id"),
])
def test_bad_reports_are_refused_and_nothing_is_stored(city, bad, field) -> None:
    with pytest.raises(IntakeError, match=field):
        Intake(city).create(bad, actor="seat 1", now_s=NOW_S)
    with city.connect() as conn:
        assert conn.execute(select(schema.incident.c.id)).first() is None
        assert changes_since(conn, 0) == []


def test_codes_are_unique_under_concurrent_seats(city) -> None:
    """Several threads (own connections) create incidents at once: no duplicate code, no gap."""
    import threading
    intake = Intake(city)
    errors: list[BaseException] = []

    def seat(k: int) -> None:
        try:
            for _ in range(5):
                intake.create(NewIncident("占道经营", "patrol", LON, LAT + 0.01), actor=f"seat {k}", now_s=NOW_S)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
    threads = [threading.Thread(target=seat, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with city.connect() as conn:
        codes = sorted(conn.execute(select(schema.incident.c.code)).scalars())
    assert codes == [format_code(city_day(NOW_S), n) for n in range(1, 21)]
    with city.begin() as conn:
        assert next_code(conn, NOW_S) == "NB-20261125-0021"
