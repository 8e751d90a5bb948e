"""A mini-city store with a known hour of history, for exports, charts, heatmap and replay.

History (window [T0, T0 + 1 h), all times known to the second):
  incident H1 (P1) reported T0,      task: dispatched +30, acknowledged +50, arrived +200, completed +900
  incident H2 (P2) reported T0+600,  task: dispatched +660, acknowledged +750, arrived +1100
  incident H3 (P3) reported T0+1200, not dispatched
  officer A: good fixes at T0, T0+60, T0+120 (a track); a flagged fix at T0+90 (ignored)
  officer B: one good fix at T0+30 (no track)
  recommendation shown for H1 at T0+25 by seat-1: A (ETA 100 s) then B (ETA 150 s); A was sent (H1's task)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, insert, select

from commandmap.services.clock import from_epoch
from commandmap.store import schema
from tests.services.conftest import demo_home, mini_city  # noqa: F401  (session fixtures reused)

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC).timestamp()   # 09:00 Beijing


@dataclass(frozen=True)
class History:
    engine: Engine
    url: str
    incidents: dict[str, int]      # H1..H3 -> id
    officer_a: int
    officer_b: int
    lonlat: tuple[float, float]    # where the incidents are (a site of the city)
    demo_incidents: int            # incidents the demo city brought


def seed_history(engine: Engine) -> dict:
    with engine.begin() as conn:
        site = conn.execute(select(schema.site.c.lon, schema.site.c.lat, schema.site.c.grid_id)
                            .order_by(schema.site.c.id).limit(1)).one()
        a, b = conn.execute(select(schema.officer.c.id).order_by(schema.officer.c.id).limit(2)).scalars().all()
        district_id = conn.execute(select(schema.district.c.id).order_by(schema.district.c.id).limit(1)).scalar_one()
        ids = {}
        for k, (name, prio, status, dt) in enumerate((("H1", "P1", "resolved", 0), ("H2", "P2", "on_scene", 600),
                                                      ("H3", "P3", "new", 1200))):
            ids[name] = conn.execute(insert(schema.incident).values(
                code=f"NB-TEST-{name}", category="占道经营", domain="市容", priority=prio, source="hotline_12345",
                lon=site.lon, lat=site.lat, district_id=district_id, status=status, department_ids=[],
                reported_at=from_epoch(T0 + dt)).returning(schema.incident.c.id)).scalar_one()
        tasks = [(ids["H1"], a, 30, 50, 200, 900, "completed"), (ids["H2"], b, 660, 750, 1100, None, "on_scene")]
        task_ids = []
        for inc, officer, d, ack, arr, done, status in tasks:
            task_ids.append(conn.execute(insert(schema.task).values(
                incident_id=inc, officer_id=officer, dispatched_by="seat-1", dispatched_at=from_epoch(T0 + d),
                predicted_eta_s=120.0, route_lonlat=[], status=status, acknowledged_at=from_epoch(T0 + ack),
                en_route_at=from_epoch(T0 + ack + 5), arrived_at=from_epoch(T0 + arr),
                completed_at=None if done is None else from_epoch(T0 + done)).returning(schema.task.c.id)).scalar_one())
        cand = [{"officer_id": o, "badge": f"B{o}", "name": f"officer {o}", "department": "综合行政执法", "mode": "car",
                 "eta_s": eta, "distance_m": eta * 8, "fix_age_s": 5.0, "within_target": True, "reason": "nearest"}
                for o, eta in ((a, 100.0), (b, 150.0))]
        conn.execute(insert(schema.recommendation_shown).values(
            at=from_epoch(T0 + 25), seat="seat-1", incident_id=ids["H1"], status="ok", widened=False, target_s=300.0,
            candidates=cand, left_out={"stale": 3}, chosen_officer_id=a, task_id=task_ids[0],
            dispatched_at=from_epoch(T0 + 30)))
        fixes = [(a, 0, 0.0, "good"), (a, 60, 0.002, "good"), (a, 90, 0.5, "outside_city"), (a, 120, 0.004, "good"),
                 (b, 30, 0.001, "good")]
        for officer, dt, dlon, verdict in fixes:
            conn.execute(insert(schema.position_fix).values(
                officer_id=officer, lon=site.lon + dlon, lat=site.lat, fix_time=from_epoch(T0 + dt),
                received_at=from_epoch(T0 + dt), verdict=verdict, source="simulator"))
    return {"incidents": ids, "officer_a": a, "officer_b": b, "lonlat": (float(site.lon), float(site.lat))}


@pytest.fixture(scope="module")
def history(mini_city, tmp_path_factory: pytest.TempPathFactory, demo_home: str) -> Iterator[History]:  # noqa: F811
    """The mini city plus the known hour (tests must not write to it)."""
    from commandmap.services.demo.load import load_demo_into_store
    from commandmap.store.migrate import open_store

    url = f"sqlite:///{tmp_path_factory.mktemp('history') / 'city.sqlite3'}"
    engine = open_store(url)
    load_demo_into_store(engine, mini_city)
    with engine.connect() as conn:
        demo_incidents = len(conn.execute(select(schema.incident.c.id)).all())
    seeded = seed_history(engine)
    yield History(engine, url, seeded["incidents"], seeded["officer_a"], seeded["officer_b"], seeded["lonlat"],
                  demo_incidents)
    engine.dispose()
