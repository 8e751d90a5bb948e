"""`commandmap route ...` and `commandmap bench routing` on the bundled Helsinki extract."""

from __future__ import annotations

import json

import numpy as np
import pytest

from commandmap.cli import main
from routing import RoadGraph

from .conftest import helsinki_path


@pytest.fixture()
def officers_csv(tmp_path, helsinki: RoadGraph):
    rng = np.random.default_rng(0)
    ll = helsinki.node_lonlat[rng.integers(0, helsinki.n_nodes, 20)]
    lines = ["id,lon,lat,exclude"] + [f"{i + 1},{a},{b},{'stale_fix' if i == 4 else ''}" for i, (a, b) in enumerate(ll)]
    lines.append("99,,,")
    path = tmp_path / "officers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_nearest_json(capsys, officers_csv, helsinki: RoadGraph) -> None:
    scene = helsinki.node_lonlat[100]
    rc = main(["route", "nearest", "--roads", str(helsinki_path()), "--scene", f"{scene[0]},{scene[1]}",
               "--officers", str(officers_csv), "--k", "3", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out) == 3 and set(out[0]) == {"id", "eta_s", "distance_m", "path_lonlat"}
    assert [o["eta_s"] for o in out] == sorted(o["eta_s"] for o in out)
    assert 5 not in [o["id"] for o in out]  # excluded as stale
    assert out[0]["path_lonlat"][-1] == pytest.approx(list(scene), abs=1e-5)


def test_nearest_text_reports_reasons_and_off_network(capsys, officers_csv) -> None:
    rc = main(["route", "nearest", "--roads", str(helsinki_path()), "--scene", "121.5,29.8",
               "--officers", str(officers_csv)])
    captured = capsys.readouterr()
    assert rc == 1
    assert "scene_off_network" in captured.out and "1 stale_fix" in captured.out and "1 no_fix" in captured.out
    assert "scene off network" in captured.err


def test_coverage_json_and_geojson(capsys, tmp_path, officers_csv) -> None:
    out = tmp_path / "reach.geojson"
    rc = main(["route", "coverage", "--roads", str(helsinki_path()), "--officers", str(officers_csv), "--limit", "60",
               "--points", str(officers_csv), "--geojson", str(out), "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    # 21 rows: one without a fix and one excluded as stale are not used
    assert summary["officers_used"] == 19 and summary["officers_on_network"] == 19
    assert 0 < summary["share_nodes_within"] < 1
    # 21 points: the no-fix row is never covered; each officer's own spot is (ETA 0), the stale one maybe
    assert round(summary["share_points_within"] * 21) in (19, 20)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.parametrize("argv_tail, message", [
    (["--scene", "24.9,60.1", "--officers", "missing.csv"], "cannot read"),
    (["--scene", "24.9", "--officers", "x.csv"], "expected LON,LAT"),
])
def test_user_errors_exit_2(capsys, argv_tail, message) -> None:
    rc = main(["route", "nearest", "--roads", str(helsinki_path()), *argv_tail])
    assert rc == 2
    assert message in capsys.readouterr().err


def test_bad_csv_and_bad_road_file(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,lon\n1,2\n", encoding="utf-8")
    assert main(["route", "nearest", "--roads", str(helsinki_path()), "--scene", "24.9,60.1",
                 "--officers", str(bad)]) == 2
    assert "missing column(s) lat" in capsys.readouterr().err
    roads = tmp_path / "roads.txt"
    roads.write_text("x", encoding="utf-8")
    good = tmp_path / "ok.csv"
    good.write_text("id,lon,lat\n1,24.9,60.1\n", encoding="utf-8")
    assert main(["route", "nearest", "--roads", str(roads), "--scene", "24.9,60.1", "--officers", str(good)]) == 2
    assert "unknown road file type" in capsys.readouterr().err


def test_build_saves_a_loadable_graph(capsys, tmp_path) -> None:
    out = tmp_path / "h.cmgraph"
    assert main(["route", "build", "--roads", str(helsinki_path()), "--out", str(out)]) == 0
    assert "largest strongly connected" in capsys.readouterr().out
    assert RoadGraph.load(out).n_nodes > 500


def test_bench_routing_runs_small(capsys, tmp_path) -> None:
    out = tmp_path / "bench.json"
    rc = main(["bench", "routing", "--roads", str(helsinki_path()), "--queries", "6", "--officers", "300",
               "--baseline-queries", "2", "--json", str(out), "--in-process"])
    assert rc == 0
    assert "networkx" in capsys.readouterr().out
    r = json.loads(out.read_text(encoding="utf-8"))
    assert {"nodes", "edges", "cases", "coverage_ms", "snap_25k_ms", "load_s", "rss_mb"} <= set(r)
    assert [c["available"] for c in r["cases"]] == [300, 300, 50]
    assert all(c["agree"] == "2/2" for c in r["cases"])


def test_a_scene_west_of_greenwich_is_accepted(capsys, officers_csv) -> None:
    rc = main(["route", "nearest", "--roads", str(helsinki_path()), "--scene", "-114.6,32.7",
               "--officers", str(officers_csv)])
    captured = capsys.readouterr()
    assert rc == 1, captured.err   # parsed (not argparse's exit 2): Yuma is simply off Helsinki's roads
    assert "scene -114.600000,32.700000: scene_off_network" in captured.out


def test_badge_ids_invalid_coordinates_and_coverage_counts(capsys, tmp_path, helsinki: RoadGraph) -> None:
    ll = helsinki.node_lonlat[[10, 200, 300]]
    path = tmp_path / "badges.csv"
    path.write_text("id,lon,lat\n"
                    f"NB1203385,{ll[0][0]},{ll[0][1]}\n"
                    f"NB1203386,{ll[1][0]},{ll[1][1]}\n"
                    "NB1203387,24.9,95\n"          # latitude beyond the pole
                    "NB1203388,200,60.1\n"
                    "NB1203389,inf,60.1\n"
                    "NB1203390,,\n", encoding="utf-8")   # no fix: a different thing
    rc = main(["route", "nearest", "--roads", str(helsinki_path()), "--scene", f"{ll[2][0]},{ll[2][1]}",
               "--officers", str(path), "--k", "2", "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert sorted(o["id"] for o in json.loads(captured.out)) == ["NB1203385", "NB1203386"]
    for line, badge in ((4, "NB1203387"), (5, "NB1203388"), (6, "NB1203389")):
        assert f"line {line}: officer {badge} has invalid coordinates" in captured.err
    assert "NB1203390" not in captured.err
    rc = main(["route", "nearest", "--roads", str(helsinki_path()), "--scene", f"{ll[2][0]},{ll[2][1]}",
               "--officers", str(path), "--k", "5"])
    out = capsys.readouterr().out
    assert "3 invalid_fix" in out and "1 no_fix" in out
    rc = main(["route", "coverage", "--roads", str(helsinki_path()), "--officers", str(path), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert rc == 0 and summary["officers"] == 6 and summary["officers_used"] == 2


def test_duplicate_ids_are_named_with_their_lines(capsys, tmp_path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("id,lon,lat\n7,24.9,60.1\n8,24.9,60.1\n7,24.9,60.2\n", encoding="utf-8")
    assert main(["route", "nearest", "--roads", str(helsinki_path()), "--scene", "24.9,60.1",
                 "--officers", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 4: id '7' is already used on line 2" in err
