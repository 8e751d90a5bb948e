"""Importing a city from the files a command centre has: counts, nesting, grids,
GCJ-02 conversion, bad rows, an interrupted import, re-imports, and a recommendation
on the imported city."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from commandmap.cli import main as cli_main
from commandmap.domain.fix_validation import haversine_m
from commandmap.services.city_import import CityReplaceError, import_city
from commandmap.store import schema
from commandmap.store.repos import city_crs, get_meta, is_empty

from .fixture_city import CRS, default_officers, default_sites, ll, write_city, write_registry, write_roster

ROOT = Path(__file__).resolve().parents[3]


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _codes(engine: Engine, table, parent=None, parent_col=None) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        if parent is None:
            return {r.code: None for r in conn.execute(select(table.c.code))}
        j = table.join(parent, parent.c.id == table.c[parent_col])
        return {r[0]: r[1] for r in conn.execute(select(table.c.code, parent.c.code).select_from(j))}


def test_import_fixture_city(tmp_path: Path, store_engine: Engine) -> None:
    city = write_city(tmp_path / "city")
    stages: list[tuple[str, float]] = []
    report = import_city(store_engine, city.toml, progress=lambda s, f: stages.append((s, f)))
    assert report.ok and report.written, report.lines()
    assert {t: _count(store_engine, getattr(schema, t)) for t in ("district", "town", "grid", "officer", "site")} \
        == {"district": 2, "town": 2, "grid": 4, "officer": 5, "site": 4}
    # nesting as the files say
    assert _codes(store_engine, schema.town, schema.district, "district_id") == {"T1": "D1", "T2": "D2"}
    assert _codes(store_engine, schema.grid, schema.town, "town_id") == {
        "G1a": "T1", "G1b": "T1", "G2a": "T2", "G2b": "T2"}
    with store_engine.connect() as conn:
        sites = conn.execute(select(schema.site.c.external_id, schema.site.c.lon, schema.site.c.lat,
                                    schema.site.c.category, schema.grid.c.code)
                             .join(schema.grid, schema.grid.c.id == schema.site.c.grid_id)).all()
        officers = {r.badge: r for r in conn.execute(select(schema.officer))}
        assert city_crs(conn) == CRS == "EPSG:32651"
        network = get_meta(conn, "city.road_network")
        assert network and network == report.road_network
    # GCJ-02 registry: within 1 m of the WGS84 truth, and in the grid the truth lies in
    for ext, lon, lat, category, grid in sites:
        tlon, tlat = city.site_truth[ext]
        assert float(haversine_m(lon, lat, tlon, tlat)) < 1.0
        assert grid == city.site_grid[ext]
    assert {r[3] for r in sites} == {"餐饮", "商铺", "建筑工地"}   # stored by catalogue name
    a1, a5 = officers["A001"], officers["A005"]
    assert a1.skills == ["drone", "first_aid"] and a1.device_id == "dev-1" and a1.status == "available"
    assert a5.on_duty is False and a5.status == "off_duty" and a5.device_id is None
    # progress reaches 1.0 in order
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_demo_city_is_not_replaced_without_asking(tmp_path: Path, mini_store_copy: Engine) -> None:
    city = write_city(tmp_path / "city")
    with pytest.raises(CityReplaceError):
        import_city(mini_store_copy, city.toml)
    assert _count(mini_store_copy, schema.district) == 10
    report = import_city(mini_store_copy, city.toml, replace=True)
    assert report.written and _count(mini_store_copy, schema.district) == 2


@pytest.fixture
def mini_store_copy(tmp_path: Path, mini_city) -> Engine:  # type: ignore[no-untyped-def]
    from commandmap.services.demo.load import load_demo_into_store
    from commandmap.store.migrate import open_store
    engine = open_store(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    load_demo_into_store(engine, mini_city)
    yield engine
    engine.dispose()


# -- bad rows ---------------------------------------------------------------------------------

def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path: Path, store_engine: Engine,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    officers = default_officers() + [
        ["A006", "", "zhzf", "T1", "car", "", "", "是"],           # line 7: missing name
        ["A007", "孙七", "nosuch", "T1", "car", "", "", "是"],     # line 8: unknown department
        ["A008", "周八", "zhzf", "T9", "car", "", "", "是"],       # line 9: unknown town
        ["A001", "吴九", "zhzf", "T1", "car", "", "", "是"],       # line 10: duplicate badge (with line 2)
        ["A010", "郑十", "zhzf", "T1", "plane", "", "", "是"],     # line 11: unknown mode
    ]
    sites = default_sites() + [
        ["S5", "无类别", "", "", 1, 500, 500],                     # line 6: missing category
        ["S6", "怪店", "nosuch", "", 1, 500, 500],                 # line 7: unknown category
        ["S7", "城外", "shop", "", 1, 9000, 500],                  # line 8: outside the city
        ["S1", "重复", "shop", "", 1, 600, 600],                   # line 9: duplicate external id (line 2)
    ]
    city = write_city(tmp_path / "city", officers=officers, sites=sites)
    # a grid of T1 drawn inside T2 (not nested) and a bow-tie grid (invalid)
    import geopandas as gpd
    from shapely.geometry import Polygon

    from .fixture_city import GRIDS, _areas
    grids = _areas(GRIDS, True)
    extra = gpd.GeoDataFrame({"名称": ["错位网格", "蝴蝶网格"], "编码": ["G1x", "G1y"], "上级": ["T1", "T1"]},
                             geometry=[Polygon([ll(2500, 100), ll(2900, 100), ll(2900, 400), ll(2500, 400)]),
                                       Polygon([ll(100, 100), ll(400, 400), ll(400, 100), ll(100, 400)])],
                             crs="EPSG:4326")
    gpd.GeoDataFrame(np.concatenate([grids.values, extra.values]), columns=grids.columns, geometry="geometry",
                     crs="EPSG:4326").to_file(city.folder / "areas.gpkg", layer="grids", driver="GPKG")

    report = import_city(store_engine, city.toml)
    assert not report.written
    got = {(r.where, r.column.split(" ")[0]): r.reason for r in report.rejections}
    expected = {
        ("roster.xlsx:7", "name"): "missing",
        ("roster.xlsx:8", "department"): "unknown department",
        ("roster.xlsx:9", "home_town"): "unknown town",
        ("roster.xlsx:2", "badge"): "duplicate badge",
        ("roster.xlsx:10", "badge"): "duplicate badge",
        ("roster.xlsx:11", "mode"): "unknown mode",
        ("registry.csv:6", "category"): "missing",
        ("registry.csv:7", "category"): "unknown site category",
        ("registry.csv:8", "lon"): "outside the city",
        ("registry.csv:2", "id"): "duplicate external id",
        ("registry.csv:9", "id"): "duplicate external id",
        ("areas.gpkg feature 5", "geometry"): "not inside its parent",
        ("areas.gpkg feature 6", "geometry"): "invalid polygon",
    }
    for key, reason in expected.items():
        assert key in got, f"{key} not reported; got {sorted(got)}"
        assert reason in got[key]
    assert len(report.rejections) == len(expected)
    assert "警号" in next(r.column for r in report.rejections if r.where == "roster.xlsx:2")   # the file's column
    # nothing written: still an empty store
    with store_engine.connect() as conn:
        assert is_empty(conn)
    assert _count(store_engine, schema.officer) == _count(store_engine, schema.site) == 0
    # the command line: the same report, exit code 2, and --dry-run writes nothing either
    url = store_engine.url.render_as_string(hide_password=False)
    assert cli_main(["city", "import", "--db", url, "--quiet", str(city.toml)]) == 2
    out = capsys.readouterr().out
    assert "registry.csv:8: lon" in out and "outside the city" in out and "nothing was written" in out
    assert cli_main(["city", "import", "--db", url, "--dry-run", "--quiet", str(city.toml)]) == 2
    with store_engine.connect() as conn:
        assert is_empty(conn)


def test_bad_city_toml_is_one_line_and_exit_2(tmp_path: Path, sqlite_engine: Engine,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    city = write_city(tmp_path / "city")
    text = city.toml.read_text(encoding="utf-8")
    city.toml.write_text(text.replace('path = "roster.xlsx"', 'path = "missing.xlsx"'), encoding="utf-8")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert cli_main(["city", "import", "--db", url, str(city.toml)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "[officers]" in err[0] and "missing.xlsx" in err[0]
    city.toml.write_text(text.replace("[sites]", "[sites]\nsheeet = 1"), encoding="utf-8")
    assert cli_main(["city", "import", "--db", url, str(city.toml)]) == 2
    assert "unknown key(s) sheeet" in capsys.readouterr().err


# -- an interrupted import ----------------------------------------------------------------------

_KILLER = """
import os, signal, sys
from commandmap.services.city_import import import_city
from commandmap.store.migrate import open_store
def progress(stage, fraction):
    if stage == "writing sites":          # officers already written inside the transaction
        os.kill(os.getpid(), signal.SIGKILL)
import_city(open_store(sys.argv[1]), sys.argv[2], progress=progress)
"""


def test_an_import_killed_midway_leaves_the_previous_city(tmp_path: Path, store_url: str) -> None:
    from commandmap.store.migrate import open_store
    city = write_city(tmp_path / "city")
    engine = open_store(store_url)
    try:
        assert import_city(engine, city.toml).written
        write_roster(city.folder / "roster.xlsx", default_officers() + [["B%03d" % i, f"新人{i}", "zhzf", "T1",
                                                                         "car", "", "", "是"] for i in range(20)])
        proc = subprocess.run([sys.executable, "-c", _KILLER, store_url, str(city.toml)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120)
        assert proc.returncode == -9, proc.stderr.decode()
        assert _count(engine, schema.officer) == 5 and _count(engine, schema.site) == 4
        # and the store still takes the import afterwards
        report = import_city(engine, city.toml)
        assert report.written and report.changes["officers"].added == 20
    finally:
        engine.dispose()


# -- re-import ------------------------------------------------------------------------------------

def test_reimport_adds_updates_and_retires_exactly_what_changed(tmp_path: Path, store_engine: Engine) -> None:
    from commandmap.services.ingest import FixBatch, FixIngestor as Ingest
    city = write_city(tmp_path / "city")
    assert import_city(store_engine, city.toml).written
    with store_engine.connect() as conn:
        ids = {r.badge: r.id for r in conn.execute(select(schema.officer.c.id, schema.officer.c.badge))}
    now = time.time()
    lon, lat = ll(2500, 500)
    Ingest(store_engine).ingest(FixBatch(np.array([ids["A004"]]), np.array([lon]), np.array([lat]),
                                         np.array([now - 5])), now_s=now)
    # and a task: A004 is on the way to an incident when the new roster drops them
    from commandmap.services.dispatch import dispatch
    from commandmap.services.intake import Intake, NewIncident
    incident = Intake(store_engine).create(NewIncident(category="占道经营", source="hotline_12345", lon=lon, lat=lat),
                                           actor="test", now_s=now).incident_id
    task = dispatch(store_engine, incident, ids["A004"], seat="test", predicted_eta_s=60.0, now_s=now)
    assert task.ok and task.task_id is not None
    officers = [r for r in default_officers() if r[0] != "A004"]
    officers[1] = ["A002", "李二改", *officers[1][2:]]                      # renamed
    officers.append(["A006", "新来的", "zhzf", "T2", "ebike", "", "dev-4", "是"])  # takes A004's phone
    sites = [r for r in default_sites() if r[0] != "S4"]
    sites[1] = ["S2", "好又多超市", "shop", "西街 9 号", 1, 1600, 1300]     # moved
    sites.append(["S5", "新开餐馆", "catering", "", 2, 3500, 500])
    write_roster(city.folder / "roster.xlsx", officers)
    write_registry(city.folder / "registry.csv", sites)

    report = import_city(store_engine, city.toml)
    assert report.written, report.lines()
    o, s = report.changes["officers"], report.changes["sites"]
    assert (o.added, o.updated, o.retired, o.unchanged) == (1, 1, 1, 3)
    assert (s.added, s.updated, s.retired, s.unchanged) == (1, 1, 1, 2)
    assert report.changes["grids"].unchanged == 4 and not report.road_network_new
    with store_engine.connect() as conn:
        rows = {r.badge: r for r in conn.execute(select(schema.officer))}
        retired = rows["A004"]
        assert retired.retired_at is not None and retired.on_duty is False and retired.device_id is None
        assert rows["A006"].device_id == "dev-4" and rows["A002"].name == "李二改" and rows["A002"].version == 2
        # the retired officer's history stays
        assert conn.execute(select(func.count()).select_from(schema.position_fix)
                            .where(schema.position_fix.c.officer_id == retired.id)).scalar_one() == 1
        assert conn.execute(select(schema.task.c.officer_id).where(schema.task.c.id == task.task_id)
                            ).scalar_one() == retired.id
        assert retired.status == "dispatched"        # a task in hand is not rewritten by the import
        assert conn.execute(select(func.count()).select_from(schema.audit_event)
                            .where(schema.audit_event.c.action == "task.dispatch")).scalar_one() == 1
        site_rows = {r.external_id: r for r in conn.execute(select(schema.site))}
        assert site_rows["S4"].retired_at is not None and site_rows["S5"].retired_at is None
    # the map no longer draws the retired site; the board's search no longer finds it
    from commandmap.services.city import load_city_static
    assert sorted(load_city_static(store_engine).sites.names) == sorted(r[1] for r in sites)
    from commandmap.services.board import Board
    assert [h.label for h in Board(store_engine).search("星光")] == []
    assert len(Board(store_engine).search("新开")) == 1
    # the same files again: nothing changes
    again = import_city(store_engine, city.toml)
    assert all(c.added == c.updated == c.retired == 0 for c in again.changes.values())
    # a retired badge that comes back is reinstated
    write_roster(city.folder / "roster.xlsx", officers + [default_officers()[3][:6] + ["dev-9", "是"]])
    back = import_city(store_engine, city.toml)
    assert (back.changes["officers"].updated, back.changes["officers"].added) == (1, 0)


def test_a_new_road_layer_is_a_new_road_network_version(tmp_path: Path, store_engine: Engine) -> None:
    from .fixture_city import write_osm
    city = write_city(tmp_path / "city")
    first = import_city(store_engine, city.toml).road_network
    write_osm(city.folder / "roads.osm", step_m=250.0)
    report = import_city(store_engine, city.toml)
    assert report.road_network_new and report.road_network != first
    from commandmap.services.city import load_road_graph
    assert load_road_graph(store_engine).n_nodes == 17 * 9
    assert _count(store_engine, schema.road_network) == 2


# -- end to end: an incident on the imported city, and who is nearest -----------------------------

def test_recommend_on_the_imported_city_ranks_by_eta(tmp_path: Path, store_engine: Engine,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from commandmap.services.ingest import FixBatch, FixIngestor as Ingest
    city = write_city(tmp_path / "city")
    assert import_city(store_engine, city.toml).written
    with store_engine.connect() as conn:
        ids = {r.badge: r.id for r in conn.execute(select(schema.officer.c.id, schema.officer.c.badge))}
    # phones report: A003 500 m from the scene, A001 1.5 km, A002 3 km (all on streets); A004 another
    # department, A005 off duty
    where = {"A003": (2000, 500), "A001": (1000, 500), "A002": (0, 1000), "A004": (2500, 500), "A005": (2500, 1000)}
    now = time.time()
    pts = np.array([ll(*where[b]) for b in where])
    Ingest(store_engine).ingest(FixBatch(np.array([ids[b] for b in where]), pts[:, 0], pts[:, 1],
                                          np.full(len(where), now - 5)), now_s=now)
    url = store_engine.url.render_as_string(hide_password=False)
    lon, lat = ll(2500, 500)
    assert cli_main(["incident", "new", "--db", url, "--category", "占道经营", "--at", f"{lon},{lat}"]) == 0
    code = capsys.readouterr().out.strip()
    assert cli_main(["recommend", "--db", url, "--incident", code, "--k", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and not out["estimated"]
    assert [c["badge"] for c in out["candidates"]] == ["A003", "A001", "A002"]
    etas = [c["eta_s"] for c in out["candidates"]]
    assert etas == sorted(etas) and etas[0] > 0
    assert out["left_out"] == {"other_department": 1, "off_duty": 1}
    assert cli_main(["recommend", "--db", url, "--incident", "NOPE"]) == 2


# -- a demo operation on your own roads -----------------------------------------------------------

def test_demo_on_a_road_file(tmp_path: Path, sqlite_engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    from .fixture_city import write_osm
    from commandmap.services.city import load_city_static
    write_osm(tmp_path / "roads.osm", step_m=250.0)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert cli_main(["demo", "--db", url, "--roads", str(tmp_path / "roads.osm"), "--seed", "3", "--quiet"]) == 0
    assert "demo operation on" in capsys.readouterr().out
    static = load_city_static(sqlite_engine)
    assert (len(static.districts.ids), len(static.towns.ids), len(static.grids.ids)) == (4, 16, 144)
    assert _count(sqlite_engine, schema.officer) == 100 == _count(sqlite_engine, schema.officer_position)
    assert _count(sqlite_engine, schema.site) == 200
    with sqlite_engine.connect() as conn:
        assert city_crs(conn) == CRS and get_meta(conn, "city.source") == "demo-roads"
        first = sorted(conn.execute(select(schema.officer_position.c.lon)).scalars())
    # the same seed gives the same operation; a second run needs --force
    assert cli_main(["demo", "--db", url, "--roads", str(tmp_path / "roads.osm"), "--seed", "3"]) == 2
    assert "--force" in capsys.readouterr().err
    assert cli_main(["demo", "--db", url, "--roads", str(tmp_path / "roads.osm"), "--seed", "3", "--force",
                     "--quiet"]) == 0
    capsys.readouterr()
    with sqlite_engine.connect() as conn:
        assert sorted(conn.execute(select(schema.officer_position.c.lon)).scalars()) == first
    # and someone can be sent: officers stand on its streets with fresh fixes
    lon, lat = ll(1000, 1000)
    assert cli_main(["incident", "new", "--db", url, "--category", "占道经营", "--at", f"{lon},{lat}"]) == 0
    code = capsys.readouterr().out.strip()
    assert cli_main(["recommend", "--db", url, "--incident", code, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and len(out["candidates"]) == 5
