"""The joint inspection plans dialog in the workstation: the toolbar action opens it, it lists the
saved plans, dispatches the selected one off the UI thread, shows a lost race inline as data, and the
map draws a plan's route while it runs."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from sqlalchemy import select

from commandmap.services.city import load_road_graph
from commandmap.services.joint_inspection import plan_joint_inspection, save_plan
from commandmap.store import schema
from commandmap.store.migrate import open_store

from .conftest import app_args
from .test_workstation import _open

SITES = [1, 892, 104]


def _save_two_plans_sharing_a_team(url: str) -> tuple[int, int, object]:
    engine = open_store(url)
    try:
        from datetime import UTC, datetime
        plan = plan_joint_inspection(engine, SITES, load_road_graph(engine))
        now = datetime.now(UTC)
        first = save_plan(engine, plan, actor="planner", now=now, name="Plan A")
        second = save_plan(engine, plan, actor="planner", now=now, name="Plan B")   # the same team
    finally:
        engine.dispose()
    return first, second, plan


def _row_of(dialog, plan_id: int) -> int:  # type: ignore[no-untyped-def]
    for r in range(dialog.table.rowCount()):
        if int(dialog.table.item(r, 0).data(Qt.ItemDataRole.UserRole)) == plan_id:
            return r
    raise AssertionError(f"plan {plan_id} not listed")


def test_a_dispatcher_dispatches_a_saved_plan_and_a_lost_race_shows_inline(qtbot, mini_store) -> None:  # type: ignore[no-untyped-def]
    a, b, plan = _save_two_plans_sharing_a_team(mini_store)
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        act = window.act_plans
        assert act in window.toolbar.actions() and act in window.menu_incident.actions()
        assert "Joint inspection plans" in act.toolTip() and "Ctrl+J" in act.toolTip()
        act.trigger()
        d = window.plans
        assert d is not None
        qtbot.waitUntil(lambda: d.isVisible() and d.table.rowCount() == 2, timeout=10000)
        r = _row_of(d, a)
        cells = [d.table.item(r, c).text() for c in range(d.table.columnCount())]
        team = ", ".join(f"#{m.officer_id}" for m in plan.team)
        assert cells == ["Plan A", "Planned", f"0/{len(SITES)} done", f"{len(plan.team)}: {team}",
                         str(plan.visits_avoided)]
        assert not d.dispatch_button.isEnabled(), "nothing selected yet"

        d.select_plan(a)
        assert d.dispatch_button.isEnabled() and d.dispatch_button.toolTip()
        qtbot.mouseClick(d.dispatch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Plan dispatched" in d.outcome.text(), timeout=10000)
        qtbot.waitUntil(lambda: d.table.item(_row_of(d, a), 1).text() == "Under way", timeout=10000)
        assert not d.dispatch_button.isEnabled(), "a plan under way is not sent twice"
        with window.ctx.engine.connect() as conn:
            sent = conn.execute(select(schema.task.c.officer_id).where(schema.task.c.plan_id == a,
                                                                       schema.task.c.kind == "inspection")).scalars().all()
        assert sorted(sent) == sorted(m.officer_id for m in plan.team)

        # the map draws the running plan's route through its sites, in visiting order
        stops_xy = window.ctx.workbench.to_xy(np.array([(s.lon, s.lat) for s in plan.stops]))

        def route_drawn() -> bool:
            snap = window.canvas.stack.snapshot
            if snap is None:
                return False
            r = snap.routes
            for k in np.flatnonzero(r.preview).tolist():
                line = r.coords[r.offsets[k]:r.offsets[k + 1]]
                if len(line) == len(stops_xy) and np.allclose(line, stops_xy):
                    return True
            return False

        qtbot.waitUntil(route_drawn, timeout=10000)

        # plan B needs the same officers: the lost race is shown inline, naming them, and nothing moves
        d.select_plan(b)
        assert d.dispatch_button.isEnabled()
        qtbot.mouseClick(d.dispatch_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Not sent" in d.outcome.text(), timeout=10000)
        text = d.outcome.text()
        assert "nobody was moved" in text and text.count("•") == len(plan.team)
        assert all(f"officer" in line.lower() for line in text.splitlines()[1:])
        assert d.outcome.isVisible() and d.outcome.property("ok") is False
        qtbot.waitUntil(lambda: d.table.item(_row_of(d, b), 1).text() == "Planned", timeout=10000)
        with window.ctx.engine.connect() as conn:
            assert conn.execute(select(schema.task.c.id).where(schema.task.c.plan_id == b)).first() is None
        assert "not sent" in window.status_outcome.text().lower()

        # the team works the tour to the end (as their phones would): the plan shows done, its route goes
        from commandmap.services import lifecycle
        engine = window.ctx.engine
        for _site in plan.stops:
            with engine.connect() as conn:
                open_tasks = conn.execute(select(schema.task.c.id).where(
                    schema.task.c.plan_id == a, schema.task.c.status == "dispatched")).scalars().all()
            assert len(open_tasks) == len(plan.team)
            for tid in open_tasks:
                assert lifecycle.arrive(engine, tid, actor="officer").ok
                assert lifecycle.resolve(engine, tid, actor="officer").ok
        d.reload()
        qtbot.waitUntil(lambda: d.table.item(_row_of(d, a), 1).text() == "Done", timeout=10000)
        assert d.table.item(_row_of(d, a), 2).text() == f"{len(SITES)}/{len(SITES)} done"
        d.hide()
        qtbot.waitUntil(lambda: not route_drawn(), timeout=10000)
    finally:
        window.close()
