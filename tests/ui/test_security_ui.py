"""The workstation's security: the audit chain's state in the status bar (for the roles that may see it),
and exports and the shared simulator switch refused for roles that may not (a clear line, audited)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text

from commandmap.app import open_main_window
from commandmap.domain.access import Actor, Role
from commandmap.services.simulation.control import read_auto_dispatch, write_auto_dispatch
from commandmap.services.simulation.process import SimulatorProcess
from commandmap.services.users import add_user
from commandmap.store.migrate import open_store
from commandmap.store.schema import audit_event
from tests.store.helpers import drop_append_only_guards

from .conftest import app_args

ADMIN = Actor("root", Role.ADMINISTRATOR)
SECRET = "a long enough secret"


@pytest.fixture
def keyed_store(mini_store_template: str, tmp_path: Path) -> str:
    """A copy of the mini demo store WITH its audit key and anchor (they live beside the file)."""
    path = tmp_path / "keyed.sqlite3"
    shutil.copy(mini_store_template, path)
    shutil.copytree(mini_store_template + ".audit", str(path) + ".audit")
    return f"sqlite:///{path}"


def _open(qtbot, args):  # type: ignore[no-untyped-def]
    window = open_main_window(args)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    return window


def _as(monkeypatch, url: str, role: str) -> object:  # type: ignore[no-untyped-def]
    engine = open_store(url)
    try:
        add_user(engine, f"u-{role}", role, SECRET, actor=ADMIN)
    finally:
        engine.dispose()
    monkeypatch.setenv("COMMANDMAP_PASSWORD", SECRET)
    return app_args(url, user=f"u-{role}", lang="en")


def _audit(url: str, action: str) -> list:  # type: ignore[type-arg]
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(audit_event).where(audit_event.c.action == action)
                                .order_by(audit_event.c.id)).all()
    finally:
        engine.dispose()


def test_the_commander_sees_the_chain_hold_then_break_in_red(qtbot, keyed_store) -> None:
    window = _open(qtbot, app_args(keyed_store, lang="en"))
    try:
        status = window.audit_status
        assert status is not None and status.label.isVisible()
        qtbot.waitUntil(lambda: status.result is not None, timeout=20000)
        assert status.result.ok and status.label.text().startswith("Audit log OK")
        assert "red" not in status.label.styleSheet() and "#d01818" not in status.label.styleSheet()
        engine = window.ctx.engine
        with engine.begin() as conn:                 # someone with DDL rights edits row 1 behind our back
            drop_append_only_guards(conn)
            conn.execute(text("UPDATE audit_event SET actor = 'nobody' WHERE id = 1"))
        verify = window.findChild(type(status.action), "action_verify_audit")
        assert verify is status.action and verify in window.menu_file.actions()
        verify.trigger()                             # File › Verify audit log
        qtbot.waitUntil(lambda: not status.running and status.broken, timeout=20000)
        assert status.label.text() == "Audit log BROKEN at row 1"
        assert "#d01818" in status.label.styleSheet() and "keyed hash" in status.label.toolTip()
        verify.trigger()                             # checking again: the red line stays while it runs
        assert status.label.text() == "Audit log BROKEN at row 1"
        qtbot.waitUntil(lambda: not status.running, timeout=20000)
        assert status.label.text() == "Audit log BROKEN at row 1"
    finally:
        window.close()


def test_roles_without_the_right_see_no_indicator_and_the_service_refuses(qtbot, mini_store, monkeypatch) -> None:
    from commandmap.services.audit_status import check_audit_chain
    from commandmap.services.authz import Forbidden

    window = _open(qtbot, _as(monkeypatch, mini_store, "analyst"))
    try:
        assert window.audit_status is None and window.findChild(object, "action_verify_audit") is None
        with pytest.raises(Forbidden, match="may not verify audit"):
            check_audit_chain(window.ctx.engine, window.ctx.workbench.actor)
        denied = _audit(mini_store, "denied")[-1]
        assert denied.actor == "u-analyst@test-seat" and denied.detail["permission"] == "verify_audit"
    finally:
        window.close()


def test_a_viewer_cannot_export_the_map_or_the_data(qtbot, mini_store, monkeypatch, tmp_path) -> None:
    window = _open(qtbot, _as(monkeypatch, mini_store, "viewer"))
    try:
        assert window.export_to(tmp_path / "view.png") is None
        assert not (tmp_path / "view.png").exists()
        assert window.status_outcome.text().startswith("Export refused: the role viewer of u-viewer")
        assert window.analysis.export_data_to(tmp_path / "day.csv") == []
        assert not list(tmp_path.glob("day*"))
        denied = _audit(mini_store, "denied")
        assert [(d.detail["permission"], d.detail["kind"]) for d in denied[-2:]] == \
            [("export", "map-png"), ("export", "data-csv")]
        assert not _audit(mini_store, "export")
    finally:
        window.close()


def test_an_allowed_export_is_audited(qtbot, mini_store, tmp_path) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))        # the demo store: its commander may export
    try:
        out = window.export_to(tmp_path / "view.pdf")
        assert out is not None and out.stat().st_size > 1000
        rows = _audit(mini_store, "export")
        assert rows[-1].actor == "commander@test-seat"
        assert rows[-1].detail["kind"] == "map-pdf" and rows[-1].detail["outcome"] == "ok"
        assert rows[-1].detail["target"].endswith("view.pdf")
    finally:
        window.close()


def _with_switch(window, url: str) -> SimulatorProcess:  # type: ignore[no-untyped-def]
    """A simulator that is never started: the switch only travels through the store."""
    runner = SimulatorProcess(window.ctx.engine, url, 1.0, auto_dispatch=True)
    write_auto_dispatch(window.ctx.engine, True)
    window.ctx.simulation = runner
    window.act_auto_dispatch.setEnabled(True)
    window.act_auto_dispatch.setChecked(True)
    return runner


def test_a_dispatcher_cannot_flip_the_shared_simulator_switch(qtbot, mini_store, monkeypatch) -> None:
    window = _open(qtbot, _as(monkeypatch, mini_store, "dispatcher"))
    try:
        _with_switch(window, mini_store)
        window.act_auto_dispatch.trigger()           # the user unticks "Simulated dispatcher on"
        assert window.act_auto_dispatch.isChecked()  # refused: the tick comes back
        assert read_auto_dispatch(window.ctx.engine) is True
        assert window.status_outcome.text().startswith("Not changed: the role dispatcher of u-dispatcher")
        denied = _audit(mini_store, "denied")[-1]
        assert denied.detail["permission"] == "settings" and denied.detail["key"] == "sim.auto_dispatch"
    finally:
        window.close()


def test_the_commander_flips_the_switch_and_it_is_audited(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        _with_switch(window, mini_store)
        window.act_auto_dispatch.trigger()
        assert not window.act_auto_dispatch.isChecked() and read_auto_dispatch(window.ctx.engine) is False
        row = _audit(mini_store, "setting")[-1]
        assert row.actor == "commander@test-seat" and row.detail == {"key": "sim.auto_dispatch", "value": "0"}
    finally:
        window.close()


def test_the_charts_offer_no_unchecked_export(qtbot, mini_store) -> None:
    window = _open(qtbot, app_args(mini_store, lang="en"))
    try:
        scene = window.analysis.charts.view.scene()
        assert scene.contextMenu == []      # pyqtgraph's own "Export..." is gone from the right-click menu
    finally:
        window.close()
