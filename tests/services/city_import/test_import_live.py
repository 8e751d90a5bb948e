"""What a city import changes for the seats already running on that store: the city's own site
categories, its incident-code prefix, retired officers (gone from the live picture and the
recommendations, their phones revoked) and a new road network (taken on the next refresh)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, select

from commandmap.services.city_import import import_city
from commandmap.services.incident_codes import default_prefix, parse_code
from commandmap.store import schema

from .fixture_city import default_officers, default_sites, ll, write_city, write_osm, write_registry, write_roster

CATEGORIES = [["code", "name", "name_en", "domain", "departments", "weight", "placement", "risk_weights"],
              ["noodle_shop", "面馆", "Noodle shop", "food_safety", "scjg;zhzf", "2", "urban", "0.5;0.3;0.1;0.1"],
              ["depot", "仓库", "", "fire_safety", "xfjy", "", "", ""],
              ["market_stall", "摊位", "Stall", "market", "zhzf", "", "", ""]]


def _write_categories(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _with_categories(city, rows: list[list[str]] = CATEGORIES) -> None:  # type: ignore[no-untyped-def]
    _write_categories(city.folder / "categories.csv", rows)
    with city.toml.open("a", encoding="utf-8") as fh:
        fh.write('\n[categories]\npath = "categories.csv"\n')


def _ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r.badge: int(r.id) for r in conn.execute(select(schema.officer.c.id, schema.officer.c.badge))}


def _report_fixes(engine: Engine, where: dict[str, tuple[float, float]]) -> None:
    from commandmap.services.ingest import FixBatch, FixIngestor
    ids = _ids(engine)
    now = time.time()
    pts = np.array([ll(*where[b]) for b in where])
    FixIngestor(engine).ingest(FixBatch(np.array([ids[b] for b in where]), pts[:, 0], pts[:, 1],
                                        np.full(len(where), now - 5)), now_s=now)


# -- [categories] ----------------------------------------------------------------------------------

def test_the_citys_own_site_categories_replace_the_built_in_ones(tmp_path: Path, store_engine: Engine) -> None:
    from commandmap.services.city import load_city_static
    from commandmap.services.city_categories import city_catalogue
    from commandmap.services.intake import Intake

    sites = [["S1", "老街面馆", "noodle_shop", "西街 1 号", 2, 300, 300],
             ["S2", "西仓", "仓库", "西街 9 号", 1, 1500, 1200],          # by name
             ["S3", "东摊", "market_stall", "", 1, 2600, 700]]
    city = write_city(tmp_path / "city", sites=sites)
    _with_categories(city)
    report = import_city(store_engine, city.toml)
    assert report.ok and report.written, report.lines()
    with store_engine.connect() as conn:
        stored = {r.external_id: (r.category, r.domain) for r in conn.execute(select(schema.site))}
    assert stored == {"S1": ("面馆", "food_safety"), "S2": ("仓库", "fire_safety"), "S3": ("摊位", "market")}
    catalogue = city_catalogue(store_engine)
    assert [c.code for c in catalogue.site_categories] == ["noodle_shop", "depot", "market_stall"]
    depot = catalogue.site_category("depot")
    assert depot.name_en == "仓库" and depot.departments == ("xfjy",) and depot.placement == "any"
    assert catalogue.site_category("面馆").risk_weights == (0.5, 0.3, 0.1, 0.1)
    # no check item or incident category links to a built-in site category the city does not have
    assert catalogue.check_items == ()
    assert all(not i.site_categories for i in catalogue.incident_categories)
    # the map's legend and intake use them too
    assert load_city_static(store_engine).sites.categories[:3] == ("面馆", "仓库", "摊位")
    lon, lat = ll(1500, 500)
    from commandmap.services.intake import NewIncident
    created = Intake(store_engine).create(NewIncident(category="占道经营", source="hotline_12345", lon=lon, lat=lat),
                                          actor="test", now_s=time.time())
    assert created.incident_id > 0
    # re-imported without [categories]: the built-in catalogue again
    city.toml.write_text(city.toml.read_text(encoding="utf-8").replace('[categories]\npath = "categories.csv"\n',
                                                                       ""), encoding="utf-8")
    write_registry(city.folder / "registry.csv", default_sites(), city)
    assert import_city(store_engine, city.toml).written
    assert city_catalogue(store_engine).site_category("catering").name == "餐饮"


def test_bad_category_rows_are_rejected_with_file_line_and_column(tmp_path: Path, sqlite_engine: Engine) -> None:
    from commandmap.store.repos import is_empty
    rows = CATEGORIES + [["ghost", "幽灵", "", "food_safety", "nosuch", "", "", ""],   # line 5: unknown department
                         ["noodle_shop", "另一个", "", "market", "zhzf", "", "", ""],    # line 6: duplicate code
                         ["odd", "怪", "", "nosuch", "zhzf", "", "", ""],              # line 7: unknown domain
                         ["street", "占道经营", "", "market", "zhzf", "", "", ""],       # line 8: an incident category
                         ["riskless", "无险", "", "market", "zhzf", "", "", "1;2;3"],  # line 9: 3 risk weights
                         ["", "无码", "", "market", "zhzf", "", "", ""]]              # line 10: missing code
    city = write_city(tmp_path / "city", sites=[["S1", "幽灵店", "ghost", "", 1, 300, 300],
                                                ["S2", "面馆", "noodle_shop", "", 1, 600, 300]])
    _with_categories(city, rows)
    report = import_city(sqlite_engine, city.toml)
    assert not report.written
    got = {(r.where, r.column.split(" ")[0]): r.reason for r in report.rejections}
    assert "unknown department 'nosuch'" in got["categories.csv:5", "departments"]
    assert "duplicate category code" in got["categories.csv:2", "code"]
    assert "duplicate category code" in got["categories.csv:6", "code"]
    assert "unknown domain" in got["categories.csv:7", "domain"]
    assert "already an incident category" in got["categories.csv:8", "code"]
    assert "4 numbers" in got["categories.csv:9", "risk_weights"]
    assert got["categories.csv:10", "code"] == "missing"
    # a site of a rejected category is rejected too, naming the categories file
    assert "unknown site category 'ghost' (see categories.csv)" in got["registry.csv:2", "category"]
    with sqlite_engine.connect() as conn:
        assert is_empty(conn)


# -- incident codes --------------------------------------------------------------------------------

def test_incident_codes_carry_the_citys_prefix(tmp_path: Path, store_engine: Engine,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from commandmap.cli import main as cli_main
    assert default_prefix("宁波市") == "NB" and default_prefix("Test City") == "TC"
    assert default_prefix("Lishui") == "LI" and default_prefix("测试市") == "CM"
    city = write_city(tmp_path / "city")
    url = store_engine.url.render_as_string(hide_password=False)
    assert import_city(store_engine, city.toml).written
    lon, lat = ll(2500, 500)
    assert cli_main(["incident", "new", "--db", url, "--category", "占道经营", "--at", f"{lon},{lat}"]) == 0
    code = capsys.readouterr().out.strip()
    assert code.startswith("CM-") and parse_code(code)[1] == 1       # 测试市: no Latin letters
    city.toml.write_text('code_prefix = "CS"\n' + city.toml.read_text(encoding="utf-8"), encoding="utf-8")
    assert import_city(store_engine, city.toml).written
    assert cli_main(["incident", "new", "--db", url, "--category", "占道经营", "--at", f"{lon},{lat}"]) == 0
    code = capsys.readouterr().out.strip()
    assert code.startswith("CS-") and parse_code(code)[1] == 1
    assert cli_main(["recommend", "--db", url, "--incident", code, "--json"]) == 0


def test_the_demo_city_keeps_its_nb_codes(mini_store: Engine) -> None:
    from commandmap.services.incident_codes import code_prefix
    with mini_store.connect() as conn:
        assert code_prefix(conn) == "NB"
        assert all(c.startswith("NB-") for c in conn.execute(select(schema.incident.c.code)).scalars())


# -- retired officers ------------------------------------------------------------------------------

def test_retired_officers_leave_the_live_picture_and_are_never_recommended(tmp_path: Path,
                                                                           store_engine: Engine) -> None:
    from commandmap.domain.access import Actor, Role
    from commandmap.live import LiveState
    from commandmap.services.devices import DeviceDirectory, add_device, list_devices
    from commandmap.services.recommend import Recommender

    city = write_city(tmp_path / "city")
    assert import_city(store_engine, city.toml).written
    admin = Actor("admin", Role.ADMINISTRATOR)
    token = add_device(store_engine, "phone-3", "A003", actor=admin)
    add_device(store_engine, "phone-1", "A001", actor=admin)
    _report_fixes(store_engine, {"A003": (2000, 500), "A001": (1000, 500), "A002": (0, 1000)})
    live = LiveState(store_engine)
    ids = _ids(store_engine)
    assert ids["A003"] in live.snapshot().officers.ids
    lon, lat = ll(2500, 500)
    rec = Recommender(store_engine, None, roster_source=live.roster_arrays)
    assert rec.recommend_at(lon, lat, k=5).candidates[0].badge == "A003"

    write_roster(city.folder / "roster.xlsx", [r for r in default_officers() if r[0] != "A003"])
    report = import_city(store_engine, city.toml)
    assert report.changes["officers"].retired == 1 and report.changes["devices"].retired == 1
    live.refresh()
    snap = live.snapshot()
    assert ids["A003"] not in snap.officers.ids and "A003" not in snap.officers.badges
    assert ids["A001"] in snap.officers.ids
    assert ids["A003"] not in live.roster_arrays().ids
    for recommender in (rec, Recommender(store_engine, None)):          # live arrays and the store path
        badges = [c.badge for c in recommender.recommend_at(lon, lat, k=5, widen=True).candidates]
        assert "A003" not in badges and badges[0] == "A001"
    assert ids["A003"] not in LiveState(store_engine).snapshot().officers.ids   # a seat started afterwards
    # the retired officer's phone was revoked in the import's transaction; the others' stay
    with store_engine.connect() as conn:
        devices = {d.officer_id: d for d in list_devices(conn)}
    assert devices[ids["A003"]].revoked_at is not None and devices[ids["A001"]].revoked_at is None
    assert DeviceDirectory(store_engine).check("phone-3", token) is None
    with store_engine.connect() as conn:
        audit = [r.action for r in conn.execute(select(schema.audit_event.c.action))]
    assert "device.revoke" in audit


# -- a new road network while seats run -------------------------------------------------------------

def test_a_running_seat_switches_to_a_new_road_network(tmp_path: Path, store_url: str) -> None:
    from commandmap.app import prepare
    from commandmap.ui.live_feed import Follower
    from tests.waiting import wait_until

    from commandmap.store.migrate import open_store
    city = write_city(tmp_path / "city")
    engine = open_store(store_url)
    try:
        assert import_city(engine, city.toml).written
        _report_fixes(engine, {"A003": (2000, 500), "A001": (1000, 500)})
    finally:
        engine.dispose()
    ctx = prepare(store_url, "mini", 42, lambda stage, f: None)
    follower = Follower(ctx.live, poll_s=0.05, on_refresh=ctx.roads.on_refresh)
    follower.start()
    try:
        old = ctx.workbench.recommender.graph
        assert old.n_nodes == 9 * 5 and ctx.roads.take_city() is None
        # a scene in the middle of a 500 m block: on the old roads it snaps to a street 250 m away
        lon, lat = ll(2250, 250)
        before = ctx.workbench.recommender.recommend_at(lon, lat, k=1, widen=True).candidates[0]

        write_osm(city.folder / "roads.osm", step_m=250.0)                 # the city adds streets
        report = import_city(ctx.engine, city.toml)
        assert report.road_network_new
        wait_until(lambda: ctx.workbench.recommender.graph is not old, timeout_s=30)
        assert ctx.workbench.recommender.graph.n_nodes == 17 * 9
        assert ctx.roads.version == ctx.live.road_network and ctx.roads.version[0] == report.road_network
        after = ctx.workbench.recommender.recommend_at(lon, lat, k=1, widen=True).candidates[0]
        assert after.badge == before.badge == "A003" and after.eta_s < before.eta_s
        # the map takes the new roads once, on its own (UI) thread
        drawn = ctx.roads.take_city()
        assert drawn is not None and len(drawn.roads.offsets) - 1 > len(ctx.city.roads.offsets) - 1
        assert ctx.roads.take_city() is None
    finally:
        follower.stop()
        ctx.engine.dispose()


def test_a_damaged_road_network_version_keeps_the_seats_roads(tmp_path: Path, sqlite_engine: Engine) -> None:
    from datetime import UTC, datetime

    from commandmap.live import LiveState
    from commandmap.services.city import load_city_static, load_road_graph
    from commandmap.services.recommend import Recommender
    from commandmap.services.road_switch import RoadSwitch
    from commandmap.store.repos import ROAD_NETWORK_KEY, ROAD_SHA_KEY, set_meta

    city = write_city(tmp_path / "city")
    assert import_city(sqlite_engine, city.toml).written
    graph = load_road_graph(sqlite_engine)
    live = LiveState(sqlite_engine)
    rec = Recommender(sqlite_engine, graph)
    switch = RoadSwitch(sqlite_engine, graph, load_city_static(sqlite_engine, graph), rec,
                        current=lambda: live.road_network)
    assert not switch.on_refresh()                      # nothing new
    with sqlite_engine.begin() as conn:
        conn.execute(schema.road_network.insert().values(name="broken", source="", crs=graph.crs, sha256="0" * 64,
                                                          created_at=datetime.now(UTC), payload=b"not a graph"))
        set_meta(conn, ROAD_NETWORK_KEY, "broken")
        set_meta(conn, ROAD_SHA_KEY, "0" * 64)
    live.refresh()
    assert live.road_network == ("broken", "0" * 64)
    assert not switch.on_refresh() and not switch.on_refresh()      # logged once, not retried per refresh
    assert rec.graph is graph and switch.take_city() is None
