"""`commandmap user …` and `commandmap audit verify|head` through `commandmap.cli.main`."""

from __future__ import annotations

import io
import sqlite3

import pytest

from commandmap.cli import main
from commandmap.store.migrate import open_store
from tests.live.citykit import CENTER, OfficerSpec, build_city


@pytest.fixture
def url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    engine = open_store(url)
    build_city(engine, [OfficerSpec(1, *CENTER)])
    engine.dispose()
    return url


def test_user_add_list_lock_and_the_audit_chain(url, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    assert main(["user", "add", "zhang", "--role", "dispatcher", "--password-stdin", "--db", url]) == 0
    assert main(["user", "lock", "zhang", "--db", url]) == 0
    assert main(["user", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "zhang" in out and "dispatcher" in out and "locked" in out and "secret" not in out
    assert main(["audit", "verify", "--db", url]) == 0
    assert "audit chain holds: 2 rows verified" in capsys.readouterr().out
    assert main(["audit", "head", "--db", url]) == 0
    row_id, digest = capsys.readouterr().out.split()
    assert row_id == "2" and len(digest) == 64


def test_verify_exits_1_naming_the_first_bad_row(url, capsys, monkeypatch) -> None:
    for name in ("a1", "a2", "a3"):
        monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
        assert main(["user", "add", name, "--role", "viewer", "--password-stdin", "--db", url]) == 0
    db = sqlite3.connect(url.removeprefix("sqlite:///"))
    db.execute("DROP TRIGGER audit_event_no_update")
    db.execute("UPDATE audit_event SET actor = 'nobody' WHERE id = 2")
    db.commit()
    db.close()
    capsys.readouterr()
    assert main(["audit", "verify", "--db", url]) == 1
    assert capsys.readouterr().out.startswith("audit chain BROKEN at row 2:")


def test_bad_role_is_exit_2(url, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "x", "--role", "viewer", "--password-stdin", "--db", url]) == 2
    assert capsys.readouterr().err.strip() == "commandmap: error: password: at least 10 characters"
