"""Minimal rows for store tests: one district, town, department, officers, an incident."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection

from commandmap.store import schema

NOW = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)


def seed_city(conn: Connection, officers: int = 2, incidents: int = 2) -> None:
    conn.execute(schema.district.insert(), [{"id": 1, "code": "330203", "name": "海曙区", "geometry_wkb": b"\x00"}])
    conn.execute(schema.town.insert(), [{"id": 1, "district_id": 1, "code": "330203001", "name": "南门街道",
                                         "geometry_wkb": b"\x00"}])
    conn.execute(schema.department.insert(), [{"id": 1, "code": "zhzf", "name": "综合行政执法"}])
    conn.execute(schema.officer.insert(), [
        {"id": i, "badge": f"NB{i:05d}", "name": f"执法员{i}", "department_id": 1, "home_town_id": 1,
         "mode": "car", "skills": [], "status": "available"} for i in range(1, officers + 1)])
    conn.execute(schema.incident.insert(), [
        {"id": i, "code": f"NB-20261125-{i:04d}", "category": "餐饮", "domain": "food", "priority": "P2",
         "source": "patrol", "lon": 121.55, "lat": 29.87, "department_ids": [1], "status": "new",
         "reported_at": NOW} for i in range(1, incidents + 1)])


def task_row(task_id: int, officer_id: int, incident_id: int, status: str) -> dict:
    return {"id": task_id, "incident_id": incident_id, "officer_id": officer_id, "dispatched_by": "调度员",
            "dispatched_at": NOW, "predicted_eta_s": 240.0, "route_lonlat": [], "status": status}


def drop_append_only_guards(conn) -> None:  # type: ignore[no-untyped-def]
    """What an intruder with DDL rights does first: remove the triggers that keep audit_event append-only."""
    from sqlalchemy import text

    if conn.dialect.name == "postgresql":
        conn.execute(text("DROP TRIGGER audit_event_no_change ON audit_event"))
        conn.execute(text("DROP TRIGGER audit_event_no_truncate ON audit_event"))
    else:
        conn.execute(text("DROP TRIGGER audit_event_no_update"))
        conn.execute(text("DROP TRIGGER audit_event_no_delete"))
