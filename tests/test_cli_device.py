"""`commandmap device add|list|revoke` and `commandmap ingest`'s argument checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from commandmap.cli import main
from commandmap.services.devices import token_hash
from commandmap.store import schema
from commandmap.store.migrate import open_store
from tests.live.citykit import CENTER, OfficerSpec, build_city


@pytest.fixture
def url(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 's.sqlite3'}"
    engine = open_store(url)
    build_city(engine, [OfficerSpec(1, *CENTER)])
    engine.dispose()
    return url


def test_add_prints_the_token_once_and_stores_only_its_hash(url, capsys) -> None:
    assert main(["device", "add", "phone-1", "--officer", "1", "--db", url]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    engine = open_store(url)
    with engine.connect() as conn:
        row = conn.execute(select(schema.device)).one()
        audit = conn.execute(select(schema.audit_event.c.action)).scalars().all()
    engine.dispose()
    assert len(token) >= 40 and row.token_sha256 == token_hash(token) and token not in str(tuple(row))
    assert (row.device_id, row.officer_id) == ("phone-1", 1) and audit == ["device.add"]
    assert main(["device", "list", "--db", url]) == 0
    listed = capsys.readouterr().out
    assert "phone-1" in listed and "active" in listed and token not in listed
    assert main(["device", "revoke", "phone-1", "--db", url]) == 0
    assert main(["device", "list", "--db", url]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["device", "add", "phone-1", "--officer", "1", "--db", url]) == 0   # a new token for the id


@pytest.mark.parametrize("argv, message", [
    (["device", "add", "p", "--officer", "nobody"], "officer: no officer has badge or id 'nobody'"),
    (["device", "add", "a b", "--officer", "1"], "device id: 'a b' must be"),
    (["device", "revoke", "ghost"], "device id: no device 'ghost'"),
    (["ingest", "--port", "70000"], "--port: 70000 is not a port number"),
    (["ingest", "--zone", "Mars/Olympus"], "--zone:"),
    (["ingest", "--mqtt", "http://x"], "--mqtt:"),
])
def test_mistakes_are_one_line_and_exit_2(url, capsys, argv, message) -> None:
    assert main(argv + ["--db", url]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"commandmap: error: {message}") and len(err.splitlines()) == 1
