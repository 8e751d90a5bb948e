"""Writing the demo city into the store, and `commandmap demo`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import shapely
from sqlalchemy import Engine, func, select

from commandmap.cli import main as cli_main
from commandmap.services.demo import DemoCity
from commandmap.services.demo.load import StoreNotEmptyError, build_demo, load_demo_into_store
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.migrate import open_store

from .conftest import DEMO_NOW


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_store_holds_exactly_the_generated_city(mini_store: Engine, mini_city: DemoCity) -> None:
    c = mini_city.counts()
    assert _count(mini_store, schema.district) == c["districts"] == 10
    assert _count(mini_store, schema.town) == c["towns"]
    assert _count(mini_store, schema.grid) == c["grids"]
    assert _count(mini_store, schema.department) == c["departments"]
    assert _count(mini_store, schema.officer) == _count(mini_store, schema.officer_position) == c["officers"]
    assert _count(mini_store, schema.site) == c["sites"]
    assert _count(mini_store, schema.incident) == c["incidents"]
    with mini_store.connect() as conn:
        meta = dict(conn.execute(select(schema.city_meta.c.key, schema.city_meta.c.value)).all())
        net = conn.execute(select(schema.road_network.c.name, schema.road_network.c.crs,
                                  schema.road_network.c.sha256)).one()
        haishu = conn.execute(select(schema.district.c.geometry_wkb)
                              .where(schema.district.c.code == "330203")).scalar_one()
        statuses = dict(conn.execute(select(schema.officer.c.status, func.count())
                                     .group_by(schema.officer.c.status)).all())
        bulk = {r[0] for r in conn.execute(select(schema.change.c.entity).where(schema.change.c.op == "bulk"))}
        audit = verify_audit_chain(conn)
    assert meta["demo.scale"] == "mini" and meta["demo.seed"] == "42"
    assert meta["demo.checksum"] == mini_city.checksum()
    assert meta["city.crs"] == "EPSG:32651" and meta["city.road_sha256"] == net.sha256
    assert net.name == "demo" and net.crs == "EPSG:32651"
    assert shapely.from_wkb(haishu).equals_exact(mini_city.districts[0].geom_ll, 0.0)
    assert statuses["available"] + statuses["off_duty"] == c["officers"] and statuses["off_duty"] > 0
    # open seats learn about the new city from the change feed
    assert {"district", "town", "grid", "officer", "officer_position", "site", "incident", "road_network"} <= bulk
    assert audit.ok


def test_refuses_a_store_that_already_has_a_city(mini_store: Engine, mini_city: DemoCity) -> None:
    before = _count(mini_store, schema.site)
    with pytest.raises(StoreNotEmptyError, match="already holds a city; use --force"):
        load_demo_into_store(mini_store, mini_city)
    assert _count(mini_store, schema.site) == before


def test_force_replaces_the_city_and_its_operations(tmp_path: Path, mini_city: DemoCity) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    engine = open_store(url)
    load_demo_into_store(engine, mini_city)
    with engine.begin() as conn:   # some operation on top of the city
        conn.execute(schema.task.insert().values(incident_id=1, officer_id=1, dispatched_by="t",
                                                 dispatched_at=datetime.now(UTC), predicted_eta_s=60.0,
                                                 route_lonlat=[], status="dispatched"))
    counts = build_demo(engine, "mini", seed=3, force=True, now=DEMO_NOW)
    assert counts["sites"] == _count(engine, schema.site) == 1_000
    assert _count(engine, schema.task) == 0
    with engine.connect() as conn:
        assert conn.execute(select(schema.city_meta.c.value)
                            .where(schema.city_meta.c.key == "demo.seed")).scalar_one() == "3"
        assert verify_audit_chain(conn).ok
    engine.dispose()


def test_cli_builds_refuses_then_forces(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert cli_main(["demo", "--scale", "mini", "--db", url]) == 0
    out, err = capsys.readouterr()
    assert "districts" in out and "towns (镇街)" in out and "officers" in out and "elapsed" in out
    assert "road nodes" in out and "1,000" in out   # the sites
    assert "roads" in err and "100.0%" in err       # progress goes to stderr
    assert cli_main(["demo", "--scale", "mini", "--db", url]) == 2
    out, err = capsys.readouterr()
    assert "already holds a city; use --force to replace it" in err and "Traceback" not in err
    assert cli_main(["demo", "--scale", "mini", "--seed", "5", "--db", url, "--force", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert "seed 5" in out and err == ""


def test_cli_reports_bad_input_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["demo", "--scale", "mini", "--db", "mysql://nowhere/x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unsupported database URL" in err
    assert cli_main(["demo", "--scale", "mini", "--seed", "-1", "--db", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--seed must be >= 0" in err
    assert not (tmp_path / "x.db").exists()


@pytest.mark.postgres
def test_postgres_store_gets_the_same_city_and_usable_id_sequences(pg_engine: Engine, mini_city: DemoCity) -> None:
    load_demo_into_store(pg_engine, mini_city)
    assert _count(pg_engine, schema.site) == 1_000
    with pg_engine.connect() as conn:
        meta = conn.execute(select(schema.city_meta.c.value)
                            .where(schema.city_meta.c.key == "demo.checksum")).scalar_one()
    assert meta == mini_city.checksum()
    with pg_engine.begin() as conn:   # explicit ids must not leave the sequence behind
        new_id = conn.execute(schema.incident.insert().values(
            code="NB-20261125-9999", category="占道经营", domain="city_appearance", priority="P3",
            source="patrol", lon=121.55, lat=29.87, department_ids=[1], status="new",
            reported_at=DEMO_NOW).returning(schema.incident.c.id)).scalar_one()
    assert new_id == len(mini_city.incidents) + 1
