"""The four practices on the mini demo city: whistles, joint inspection, double-random, coverage, KPIs."""

from __future__ import annotations

import csv
import io
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from commandmap.domain.double_random import DrawError, violations
from commandmap.services.board import Board, filter_queue
from commandmap.services.city import load_road_graph
from commandmap.services.clock import to_epoch
from commandmap.services.coverage import CoverageModel, read_fleet
from commandmap.services.double_random import DrawFilter, load_inputs, run_draw
from commandmap.services.joint_inspection import JointPlanError, plan_joint_inspection, save_plan
from commandmap.services.practice_kpis import read_practice_kpis
from commandmap.services.whistle import WhistleError, accept, escalate_due, get_whistle, raise_whistle
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.migrate import open_store

from .conftest import DEMO_NOW

NOW_S = float(to_epoch(DEMO_NOW) or 0.0)


@pytest.fixture()
def city(mini_store, tmp_path):  # type: ignore[no-untyped-def]
    dst = tmp_path / "mini.sqlite3"
    src, out = sqlite3.connect(mini_store.url.database), sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    from commandmap.store.audit_key import audit_dir
    if audit_dir(mini_store.url.database).is_dir():    # the audit key travels with a copied store
        shutil.copytree(audit_dir(mini_store.url.database), audit_dir(str(dst)), dirs_exist_ok=True)
    engine = open_store(f"sqlite:///{dst}")
    yield engine
    engine.dispose()


def test_whistle_escalates_at_the_deadline_and_not_before(city) -> None:  # type: ignore[no-untyped-def]
    w = raise_whistle(city, 5, "占道经营", actor="grid leader", now_s=NOW_S, accept_within_s=600.0)
    other = raise_whistle(city, 6, "占道经营", actor="grid leader", now_s=NOW_S, accept_within_s=600.0)
    accept(city, other.incident_id, actor="town team", now_s=NOW_S + 30)
    assert escalate_due(city, now_s=NOW_S + 599.999) == []
    assert get_whistle(city, w.incident_id).level.value == "town"  # type: ignore[union-attr]
    assert escalate_due(city, now_s=NOW_S + 600.0) == [w.incident_id]
    assert escalate_due(city, now_s=NOW_S + 900.0) == []          # once only; the accepted one never
    row = get_whistle(city, w.incident_id)
    assert row is not None and row.level.value == "district" and "within 10 min" in (row.reason or "")
    with city.connect() as conn:
        actions = [a for (a,) in conn.execute(select(schema.audit_event.c.action))]
        assert actions.count("whistle.escalate") == 1 and actions.count("whistle.accept") == 1
        assert verify_audit_chain(conn).ok
        k = read_practice_kpis(conn, DEMO_NOW - timedelta(hours=1), DEMO_NOW + timedelta(hours=1))
    assert k.escalations == 1
    queue = Board(city).open_incidents()
    mine = [r for r in queue if r.incident_id == w.incident_id]
    assert mine and mine[0].source == "grid_whistle" and mine[0].district and mine[0].town and mine[0].grid
    assert mine[0].whistle_level == "district" and "not accepted" in (mine[0].escalation_reason or "")
    acc = [r for r in queue if r.incident_id == other.incident_id][0]
    assert acc.whistle_level == "town" and acc.whistle_due_s is None and acc.escalation_reason is None
    assert filter_queue(queue, town_id=mine[0].town_id) and all(
        r.town_id == mine[0].town_id for r in filter_queue(queue, town_id=mine[0].town_id))
    with pytest.raises(WhistleError, match="already accepted"):
        accept(city, other.incident_id, actor="town team", now_s=NOW_S + 60)
    with pytest.raises(WhistleError, match="no grid"):
        raise_whistle(city, 999_999, "占道经营", actor="x", now_s=NOW_S)


def test_joint_plan_team_covers_every_item_and_route_visits_each_site_once(city) -> None:  # type: ignore[no-untyped-def]
    ids = [1, 2, 3, 4, 5]
    plan = plan_joint_inspection(city, ids, load_road_graph(city))
    items = {(it.department, it.qualification) for s in plan.stops for it in s.items}
    with city.connect() as conn:
        skills = {r.id: (r.skills, r.code) for r in conn.execute(
            select(schema.officer.c.id, schema.officer.c.skills, schema.department.c.code)
            .join(schema.department, schema.department.c.id == schema.officer.c.department_id))}
    have = {(skills[m.officer_id][1], q) for m in plan.team for q in skills[m.officer_id][0]}
    have |= {(skills[m.officer_id][1], "") for m in plan.team}
    assert items <= have
    assert sorted(s.site_id for s in plan.stops) == ids and not plan.left_out
    assert plan.stops[0].leg_eta_s is None and all(s.leg_eta_s is not None for s in plan.stops[1:])
    assert plan.visits_avoided == sum(len(s.departments) for s in plan.stops) - len(ids) > 0
    assert plan.team_exact
    plan_id = save_plan(city, plan, actor="t", now=DEMO_NOW)
    with city.connect() as conn:
        n = conn.execute(select(func.count()).select_from(schema.inspection_item)
                         .where(schema.inspection_item.c.plan_id == plan_id)).scalar_one()
    assert n == len(ids)
    with pytest.raises(JointPlanError, match="no site with id 999999"):
        plan_joint_inspection(city, [1, 999_999], load_road_graph(city))


def test_draw_from_the_store_is_reproducible_and_excludes_last_cycle(city) -> None:  # type: ignore[no-untyped-def]
    as_of = DEMO_NOW.replace(hour=0) + timedelta(days=1)
    flt = DrawFilter(category="餐饮")
    a = run_draw(city, flt, 8, 2, 123, as_of, actor="t")
    b = run_draw(city, flt, 8, 2, 123, as_of, actor="t", record=False)
    assert a.csv_text() == b.csv_text()
    inputs, _s, _o = load_inputs(city, flt, as_of)
    assert inputs.previous, "the demo's past year gives the rule something to exclude"
    assert violations(a.draw, inputs) == []
    rows = list(csv.DictReader(io.StringIO(a.csv_text())))
    assert {r["category"] for r in rows} == {"餐饮"} and len({r["site_id"] for r in rows}) == 8
    # a past inspection of a drawn pair added afterwards changes the registry version
    t = a.draw.teams[0]
    with city.begin() as conn:
        conn.execute(schema.inspection_record.insert().values(
            site_id=t.site_id, inspected_at=as_of - timedelta(days=3), kind="routine",
            department_ids=[t.officers[0].department_id], officer_ids=[t.officers[0].officer_id]))
    c = run_draw(city, flt, 8, 2, 123, as_of, actor="t", record=False)
    assert c.draw.registry_version != a.draw.registry_version
    assert all(not (tt.site_id == t.site_id and t.officers[0] in tt.officers) for tt in c.draw.teams)
    with pytest.raises(DrawError, match="district"):
        run_draw(city, DrawFilter(district="nowhere"), 1, 2, 1, as_of, actor="t")


def test_coverage_report_shares_and_moves(city) -> None:  # type: ignore[no-untyped-def]
    graph = load_road_graph(city)
    model = CoverageModel.from_engine(city, graph)
    fleet = read_fleet(city)
    rep = model.refresh(fleet, 300.0, moves=5, raster_cell_m=500.0)
    assert 0 < rep.sites_share < 1 and 0 < rep.grids_share <= 1 and 0 < rep.population_share <= 1
    assert rep.sites_share == pytest.approx(np.mean(rep.site_eta_s <= 300.0))
    assert rep.raster is not None and rep.raster.values.ndim == 2
    assert rep.moves and all(m.gain_sites > 0 for m in rep.moves)
    # apply the moves: the shares rise by exactly the claimed gain
    lonlat = fleet.lonlat.copy()
    for m in rep.moves:
        lonlat[np.flatnonzero(fleet.ids == m.officer_id)[0]] = m.to_lonlat
    moved = type(fleet)(fleet.ids, lonlat, fleet.available)
    after = model.refresh(moved, 300.0, moves=0)
    assert after.sites_covered == rep.sites_covered + sum(m.gain_sites for m in rep.moves)
