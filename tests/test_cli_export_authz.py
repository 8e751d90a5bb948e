"""Exports and shared settings go through authz with the current actor: refused roles get one clear line
(exit 2 on the command line), the refusal and every export are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from commandmap.cli import main
from commandmap.domain.access import Actor, Role
from commandmap.services.authz import Forbidden
from commandmap.services.exports.guard import permit_export, record_export
from commandmap.services.simulation.control import read_auto_dispatch, set_auto_dispatch, write_auto_dispatch
from commandmap.services.users import add_user, open_store_actor
from commandmap.store.audit import verify_audit_chain
from commandmap.store.migrate import open_store
from commandmap.store.schema import audit_event
from tests.live.citykit import CENTER, OfficerSpec, build_city

ADMIN = Actor("root", Role.ADMINISTRATOR)
SECRET = "a long enough secret"


@pytest.fixture
def url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    engine = open_store(url)
    build_city(engine, [OfficerSpec(1, *CENTER)])
    engine.dispose()
    return url


def _rows(engine: Engine, action: str) -> list:  # type: ignore[type-arg]
    with engine.connect() as conn:
        return conn.execute(select(audit_event).where(audit_event.c.action == action)
                            .order_by(audit_event.c.id)).all()


@pytest.mark.parametrize(("role", "allowed"), [("commander", True), ("analyst", True), ("audit_administrator", True),
                                               ("dispatcher", False), ("viewer", False), ("administrator", False)])
def test_export_permission_by_role(store_engine: Engine, role: str, allowed: bool) -> None:
    actor = Actor("li", Role(role), "seat-1")
    if allowed:
        assert permit_export(store_engine, actor, "data-csv", "/tmp/x.csv") == actor
        record_export(store_engine, actor, "data-csv", "/tmp/x.csv", ["/tmp/x.csv"])
        row = _rows(store_engine, "export")[-1]
        assert row.actor == "li@seat-1" and row.detail == {"kind": "data-csv", "target": "/tmp/x.csv", "files": 1,
                                                           "outcome": "ok"}
    else:
        with pytest.raises(Forbidden, match=f"li \\({role}\\) may not export"):
            permit_export(store_engine, actor, "data-csv", "/tmp/x.csv")
        row = _rows(store_engine, "denied")[-1]
        assert row.actor == "li@seat-1" and row.detail["permission"] == "export" and row.detail["kind"] == "data-csv"
        assert not _rows(store_engine, "export")
    with store_engine.connect() as conn:
        assert verify_audit_chain(conn).ok


def test_the_shared_simulator_switch_needs_the_settings_permission(store_engine: Engine) -> None:
    write_auto_dispatch(store_engine, True)
    with pytest.raises(Forbidden, match="may not settings"):
        set_auto_dispatch(store_engine, False, actor=Actor("wang", Role.DISPATCHER, "s"))
    assert read_auto_dispatch(store_engine) is True
    assert _rows(store_engine, "denied")[-1].detail == {"permission": "settings", "role": "dispatcher",
                                                        "outcome": "denied", "key": "sim.auto_dispatch", "value": "0"}
    for role in ("commander", "administrator"):
        set_auto_dispatch(store_engine, False, actor=Actor("chief", Role(role), "s"))
    assert read_auto_dispatch(store_engine) is False
    assert [r.actor for r in _rows(store_engine, "setting")] == ["chief@s", "chief@s"]


def test_a_store_without_passwords_acts_as_its_commander_until_one_is_set(sqlite_engine: Engine) -> None:
    actor = open_store_actor(sqlite_engine, "seat-3")
    assert actor is not None and actor.role is Role.COMMANDER and actor.seat == "seat-3"
    add_user(sqlite_engine, "zhang", "viewer", SECRET, actor=ADMIN)
    assert open_store_actor(sqlite_engine, "seat-3") is None


def test_headless_export_checks_the_logged_in_user(url, tmp_path, capsys, monkeypatch) -> None:
    out = tmp_path / "day.csv"
    # no passwords yet: the command acts as the store's commander account, and the export is audited
    assert main(["export", "--format", "csv", "--layers", "incidents", "--out", str(out), "--quiet", "--db", url]) == 0
    engine = open_store(url)
    try:
        assert _rows(engine, "export")[-1].detail["outcome"] == "ok"
        add_user(engine, "guest", "viewer", SECRET, actor=ADMIN)
        add_user(engine, "li", "analyst", SECRET, actor=ADMIN)
    finally:
        engine.dispose()
    capsys.readouterr()
    # now the store has logins: without --user, one clear line
    assert main(["export", "--format", "csv", "--out", str(out), "--quiet", "--db", url]) == 2
    assert "--user: this store has logins" in capsys.readouterr().err
    monkeypatch.setenv("COMMANDMAP_PASSWORD", SECRET)
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "v.csv"), "--quiet", "--user", "guest",
                 "--db", url]) == 2
    err = capsys.readouterr().err
    assert "guest (viewer) may not export" in err and "Traceback" not in err
    assert not list(tmp_path.glob("v*"))
    assert main(["export", "--format", "csv", "--layers", "incidents", "--out", str(tmp_path / "a.csv"), "--quiet",
                 "--user", "li", "--db", url]) == 0
    monkeypatch.setenv("COMMANDMAP_PASSWORD", "wrong password!")
    assert main(["export", "--format", "csv", "--out", str(out), "--quiet", "--user", "li", "--db", url]) == 2
    assert "wrong user name or password" in capsys.readouterr().err
    engine = open_store(url)
    try:
        denied = _rows(engine, "denied")[-1]
        assert denied.actor.startswith("guest@cli@") and denied.detail["permission"] == "export"
        done = _rows(engine, "export")[-1]
        assert done.actor.startswith("li@cli@") and done.detail["outcome"] == "ok" and done.detail["kind"] == "csv"
        assert _rows(engine, "login.failed")[-1].detail["username"] == "li"
    finally:
        engine.dispose()
