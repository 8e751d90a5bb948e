"""A tiny city with roads, three officers with phones and one incident at a registered site: the scene of
the phone-page tests and of scripts/phone-screenshots.py."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine

from commandmap.domain.access import Actor, Role
from commandmap.services.clock import from_epoch
from commandmap.services.devices import add_device
from commandmap.services.dispatch import dispatch
from commandmap.services.recommend import Recommender
from commandmap.store import schema
from commandmap.store.changes import record_change
from tests.live.citykit import build_city, lattice_graph, officers_on_nodes, store_road_network

SEAT = Actor("dispatcher1", Role.DISPATCHER, "seat-1")


@dataclass
class Scene:
    engine: Engine
    tokens: dict[int, str]           # officer id -> device token (device dev-<id>)
    graph: object
    now_s: float


def build_scene(engine: Engine, n_officers: int = 3) -> Scene:
    now = time.time()
    graph = lattice_graph(side=20)
    build_city(engine, officers_on_nodes(graph, n_officers, seed=3, fix_age_s=5.0), now_s=now)
    store_road_network(engine, graph)
    admin = Actor("admin", Role.ADMINISTRATOR, "test")
    tokens = {i: add_device(engine, f"dev-{i}", str(i), actor=admin) for i in range(1, n_officers + 1)}
    return Scene(engine, tokens, graph, now)


def add_site_incident(scene: Scene, iid: int, node: int, *, category: str = "占道经营", priority: str = "P2",
                      address: str = "中山西路138号（鼓楼步行街东口）") -> None:
    lon, lat = (float(v) for v in scene.graph.node_lonlat[node])  # type: ignore[attr-defined]
    with scene.engine.begin() as conn:
        conn.execute(schema.site.insert().values(id=iid, name=f"商户{iid}", category="shop", domain="city_appearance",
                                                 address=address, risk_level=2, grid_id=111, lon=lon, lat=lat))
        conn.execute(schema.incident.insert().values(
            id=iid, code=f"NB-20261125-{iid:04d}", category=category, domain="city_appearance", priority=priority,
            source="hotline_12345", description="店外占道堆放货物", lon=lon, lat=lat, site_id=iid, district_id=1,
            town_id=11, grid_id=111, department_ids=[1], status="new", reported_at=from_epoch(scene.now_s - 40)))
        record_change(conn, "incident", iid, "insert")


def dispatch_to(scene: Scene, iid: int, officer_id: int) -> int:
    """Dispatch `officer_id` to incident `iid` along the road route the recommender found; the task id."""
    rec = Recommender(scene.engine, scene.graph).recommend(iid, k=10, widen=True)
    cand = next(c for c in rec.candidates if c.officer_id == officer_id)
    result = dispatch(scene.engine, iid, officer_id, seat=SEAT, predicted_eta_s=cand.eta_s,
                      route_lonlat=cand.route_lonlat, officer_version=cand.version)
    assert result.ok and result.task_id is not None, result.message
    return result.task_id
