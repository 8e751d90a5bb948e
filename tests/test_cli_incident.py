"""`commandmap incident new/list` on a copy of the mini demo store, through `commandmap.cli.main`."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlalchemy import func, select

from commandmap.cli import main
from commandmap.store import schema
from commandmap.store.migrate import open_store
from tests.services.conftest import demo_home, mini_city, mini_store  # noqa: F401 - session fixtures

SCENE = "121.55,29.87"   # central Ningbo, inside the demo city


@pytest.fixture()
def url(mini_store, tmp_path) -> str:  # noqa: F811
    dst = tmp_path / "mini.sqlite3"
    src, out = sqlite3.connect(mini_store.url.database), sqlite3.connect(dst)
    src.backup(out)
    src.close()
    out.close()
    return f"sqlite:///{dst}"


def _count(url: str) -> int:
    engine = open_store(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(schema.incident)).scalar_one()
    engine.dispose()
    return int(n)


def test_new_prints_the_code_and_list_shows_it(url, capsys) -> None:
    assert main(["incident", "new", "--db", url, "--category", "占道经营", "--priority", "P1", "--at", SCENE,
                 "--source", "patrol", "--note", "南门口摊贩"]) == 0
    code = capsys.readouterr().out.strip()
    assert code.startswith("NB-") and len(code.splitlines()) == 1
    assert main(["incident", "list", "--db", url, "--open", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    mine = [i for i in items if i["code"] == code]
    assert len(mine) == 1 and mine[0]["priority"] == "P1" and mine[0]["status"] == "new"
    assert mine[0]["category"] == "占道经营" and mine[0]["source"] == "patrol"
    engine = open_store(url)
    with engine.connect() as conn:
        row = conn.execute(select(schema.incident).where(schema.incident.c.code == code)).one()
        audit = conn.execute(select(func.count()).select_from(schema.audit_event)
                             .where(schema.audit_event.c.action == "incident.create",
                                    schema.audit_event.c.entity_id == row.id)).scalar_one()
    engine.dispose()
    assert row.district_id is not None and row.description == "南门口摊贩" and audit == 1
    assert main(["incident", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert code in out and out.strip().splitlines()[-1].endswith("incident(s)")


@pytest.mark.parametrize(("args", "needle"), [
    (["--category", "不存在", "--at", SCENE], "category"),
    (["--category", "占道经营", "--priority", "P9", "--at", SCENE], "priority"),
    (["--category", "占道经营", "--at", "100.0,29.87"], "outside the city"),
    (["--category", "占道经营", "--at", "nan,29.87"], "--at"),
    (["--category", "占道经营", "--at", "121.55"], "--at"),
    (["--category", "占道经营", "--source", "telepathy", "--at", SCENE], "source"),
])
def test_bad_input_is_one_line_and_stores_nothing(url, capsys, args, needle) -> None:
    before = _count(url)
    assert main(["incident", "new", "--db", url, *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]
    assert _count(url) == before
