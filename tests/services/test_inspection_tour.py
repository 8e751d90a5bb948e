"""A dispatched joint plan is driven site by site through the lifecycle path (both backends): each
completion sends the officer on in the same transaction (never available in between, never two open
tasks), the last member to finish a site writes its inspection record and marks the item done, and
after the last site the plan is done, the officers free and the KPIs grown by what the plan promised."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from commandmap.domain.transitions import PHONE_STEP_FROM
from commandmap.services import lifecycle
from commandmap.services.assignments import dispatch_plan
from commandmap.services.clock import from_epoch, to_epoch
from commandmap.services.practice_kpis import read_practice_kpis
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.changes import record_change
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, build_city

LON, LAT = CENTER
#: (site id, lon, lat, departments whose items are checked there)
SITES = [(21, LON + 0.004, LAT + 0.003, [1, 2]), (22, LON - 0.006, LAT + 0.002, [1]),
         (23, LON + 0.002, LAT - 0.005, [1, 2, 3])]
PLAN = 5
VISITS_AVOIDED = sum(len(d) - 1 for *_x, d in SITES)          # what the plan says it spares: 1 + 0 + 2
JOINT = sum(len(d) >= 2 for *_x, d in SITES)


@pytest.fixture
def city(store_engine):  # type: ignore[no-untyped-def]
    build_city(store_engine, [OfficerSpec(i, LON + 0.001 * i, LAT) for i in (1, 2, 3)])
    with store_engine.begin() as conn:
        for sid, lon, lat, _d in SITES:
            conn.execute(schema.site.insert().values(id=sid, name=f"店{sid}", category="餐饮", domain="food",
                                                     address=f"路{sid}号", risk_level=2, grid_id=111, lon=lon, lat=lat))
        conn.execute(schema.inspection_plan.insert().values(
            id=PLAN, name="综合查一次", kind="joint", created_at=from_epoch(NOW_S), created_by="planner",
            status="planned", detail={"team": [{"officer_id": 1}, {"officer_id": 2}],
                                      "legs_eta_s": [None, 240.0, 300.0], "visits_avoided": VISITS_AVOIDED}))
        for k, (sid, _lon, _lat, deps) in enumerate(SITES):
            conn.execute(schema.inspection_item.insert().values(
                plan_id=PLAN, site_id=sid, officer_id=1, department_ids=deps, check_items=[f"c{sid}"],
                sequence=k, status="planned"))
        record_change(conn, "inspection_plan", PLAN, "insert")
    return store_engine


def _open_tasks(engine) -> dict[int, tuple[int, float, float]]:  # type: ignore[no-untyped-def]
    """officer -> (task id, target lon, lat) of their open task."""
    with engine.connect() as conn:
        rows = conn.execute(select(schema.task.c.officer_id, schema.task.c.id, schema.task.c.target_lon,
                                   schema.task.c.target_lat).where(schema.task.c.status.in_(
                                       ["dispatched", "acknowledged", "en_route", "on_scene"]))).all()
    assert len({r.officer_id for r in rows}) == len(rows), "one open task per officer"
    return {int(r.officer_id): (int(r.id), float(r.target_lon), float(r.target_lat)) for r in rows}


def _officer(engine, oid: int) -> str:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.officer.c.status).where(schema.officer.c.id == oid)).scalar_one()


def _records(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.inspection_record).order_by(schema.inspection_record.c.id)).all()


def _kpis(engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return read_practice_kpis(conn, from_epoch(NOW_S - 86_400), from_epoch(NOW_S + 86_400))


def _finish(engine, oid: int, at: float, *, phone: bool = False) -> lifecycle.ActionResult:  # type: ignore[no-untyped-def]
    tid = _open_tasks(engine)[oid][0]
    assert lifecycle.acknowledge(engine, tid, actor=f"officer {oid}", now_s=at).ok
    assert lifecycle.arrive(engine, tid, actor=f"officer {oid}", now_s=at + 60).ok
    if phone:   # exactly what the phone page calls for 处置完毕
        return lifecycle.resolve(engine, tid, actor=f"officer {oid}", now_s=at + 600, officer_id=oid,
                                 detail={"source": "phone"}, only_from=PHONE_STEP_FROM["complete"])
    return lifecycle.resolve(engine, tid, actor="seat 1", now_s=at + 600)


def test_the_team_drives_the_tour_site_by_site_and_the_plan_ends_done(city) -> None:  # type: ignore[no-untyped-def]
    before = _kpis(city)
    assert dispatch_plan(city, PLAN, None, seat="seat 1", now_s=NOW_S).ok
    t = NOW_S
    for k, (sid, lon, lat, deps) in enumerate(SITES):
        tasks = _open_tasks(city)
        assert set(tasks) == {1, 2} and all(v[1:] == pytest.approx((lon, lat)) for v in tasks.values()), k
        first = _finish(city, 1, t, phone=True)
        assert first.ok, first.message
        assert len(_records(city)) == k, "the site is not done while a member is still checking"
        after_first = _open_tasks(city)
        if k + 1 < len(SITES):   # officer 1 is already on the way to the next site, never available between
            assert after_first[1][1:] == pytest.approx(SITES[k + 1][1:3]) and _officer(city, 1) == "dispatched"
            assert f"on to stop {k + 2}/3" in first.message
        else:
            assert 1 not in after_first and _officer(city, 1) == "available"
        second = _finish(city, 2, t + 5)
        assert second.ok and f"site {sid} inspected" in second.message, second.message
        rec = _records(city)[-1]
        assert (rec.site_id, rec.kind, rec.plan_id, rec.department_ids, rec.officer_ids, rec.visits_replaced) == (
            sid, "joint", PLAN, deps, [1, 2], len(deps))
        t += 1200
    assert _open_tasks(city) == {} and _officer(city, 1) == _officer(city, 2) == "available"
    with city.connect() as conn:
        plan = conn.execute(select(schema.inspection_plan.c.status).where(
            schema.inspection_plan.c.id == PLAN)).scalar()
        items = conn.execute(select(schema.inspection_item.c.status).where(
            schema.inspection_item.c.plan_id == PLAN)).scalars().all()
        last = conn.execute(select(schema.site.c.last_inspected).where(schema.site.c.id == 23)).scalar()
        kinds = conn.execute(select(schema.task.c.kind, func.count()).group_by(schema.task.c.kind)).all()
        done = conn.execute(select(schema.audit_event.c.action).where(
            schema.audit_event.c.action == "inspection.done")).scalars().all()
        changed = {e for (e,) in conn.execute(select(schema.change.c.entity).distinct())}
        assert verify_audit_chain(conn).ok
    assert plan == "done" and items == ["done"] * 3 and last is not None and done == ["inspection.done"]
    assert dict(kinds) == {"inspection": 6}
    assert {"inspection_record", "inspection_item", "inspection_plan", "task", "officer"} <= changed
    after = _kpis(city)
    assert after.inspections - before.inspections == len(SITES)
    assert after.visits_avoided - before.visits_avoided == VISITS_AVOIDED
    assert after.joint_inspections - before.joint_inspections == JOINT


def test_the_next_leg_carries_the_planned_eta_and_the_step_is_audited(city) -> None:  # type: ignore[no-untyped-def]
    assert dispatch_plan(city, PLAN, None, seat="seat 1", now_s=NOW_S).ok
    res = _finish(city, 1, NOW_S)
    with city.connect() as conn:
        nxt = conn.execute(select(schema.task).where(schema.task.c.officer_id == 1,
                                                     schema.task.c.status == "dispatched")).one()
        audit = conn.execute(select(schema.audit_event.c.detail).where(
            schema.audit_event.c.action == "task.complete")).scalars().all()
    assert nxt.kind == "inspection" and nxt.plan_id == PLAN and nxt.predicted_eta_s == pytest.approx(240.0)
    assert to_epoch(nxt.dispatched_at) == pytest.approx(NOW_S + 600, abs=1e-3)   # sent on when site 1 was done
    assert nxt.route_lonlat[0] == pytest.approx(list(SITES[0][1:3])) and nxt.route_lonlat[-1] == pytest.approx(
        list(SITES[1][1:3]))
    assert audit[-1]["inspection"] == {"plan_id": PLAN, "stop": 1, "stops": 3, "site_id": 21, "next_task": nxt.id,
                                       "record_id": None, "plan_done": False}
    assert res.ok


def test_completing_an_inspection_twice_or_off_the_scene_changes_nothing(city) -> None:  # type: ignore[no-untyped-def]
    assert dispatch_plan(city, PLAN, None, seat="seat 1", now_s=NOW_S).ok
    tid = _open_tasks(city)[1][0]
    early = lifecycle.resolve(city, tid, actor="officer 1", now_s=NOW_S + 10, officer_id=1,
                              only_from=PHONE_STEP_FROM["complete"])
    assert not early.ok and _open_tasks(city)[1][0] == tid and _records(city) == []
    assert _finish(city, 1, NOW_S).ok
    again = lifecycle.resolve(city, tid, actor="seat 2", now_s=NOW_S + 700)
    assert not again.ok
    with city.connect() as conn:
        n = conn.execute(select(func.count()).select_from(schema.task).where(schema.task.c.officer_id == 1)).scalar()
    assert n == 2, "a repeated completion sends nobody anywhere"


def test_two_members_finishing_the_last_site_at_once_write_one_record(city) -> None:  # type: ignore[no-untyped-def]
    assert dispatch_plan(city, PLAN, None, seat="seat 1", now_s=NOW_S).ok
    t = NOW_S
    for _k in range(len(SITES) - 1):
        assert _finish(city, 1, t).ok and _finish(city, 2, t).ok
        t += 1200
    tids = {}
    for oid in (1, 2):
        tid = _open_tasks(city)[oid][0]
        assert lifecycle.arrive(city, tid, actor="officer", now_s=t).ok
        tids[oid] = tid
    barrier = threading.Barrier(2)
    results = {}

    def go(oid: int) -> None:
        barrier.wait()
        results[oid] = lifecycle.resolve(city, tids[oid], actor=f"officer {oid}", now_s=t + 600)

    threads = [threading.Thread(target=go, args=(o,)) for o in (1, 2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(r.ok for r in results.values()), results
    recs = _records(city)
    assert [r.site_id for r in recs] == [21, 22, 23], "exactly one record per site"
    with city.connect() as conn:
        assert conn.execute(select(schema.inspection_plan.c.status).where(
            schema.inspection_plan.c.id == PLAN)).scalar() == "done"
    assert _kpis(city).visits_avoided >= VISITS_AVOIDED
    assert recs[-1].inspected_at - recs[0].inspected_at >= timedelta(seconds=2400)


def test_a_damaged_plan_releases_the_officer_instead_of_holding_them(city) -> None:  # type: ignore[no-untyped-def]
    assert dispatch_plan(city, PLAN, None, seat="seat 1", now_s=NOW_S).ok
    tid = _open_tasks(city)[1][0]
    assert lifecycle.arrive(city, tid, actor="officer 1", now_s=NOW_S + 60).ok
    with city.begin() as conn:   # the plan's sites were removed meanwhile
        conn.execute(schema.inspection_item.delete().where(schema.inspection_item.c.plan_id == PLAN))
    res = lifecycle.resolve(city, tid, actor="seat 1", now_s=NOW_S + 600)
    assert res.ok and "nothing follows" in res.message, res.message
    assert 1 not in _open_tasks(city) and _officer(city, 1) == "available" and _records(city) == []
