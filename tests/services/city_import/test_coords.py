"""Source coordinates to WGS84: GCJ-02, BD-09, EPSG codes, and a layer's own CRS."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from commandmap.domain.fix_validation import haversine_m
from commandmap.services.city_import.coords import check_crs, from_wgs84, to_wgs84
from commandmap.services.city_import.readers import read_features
from commandmap.services.city_import.spec import CitySpecError, SourceSpec, parse_city_spec

from .fixture_city import lonlat_box, write_city


@pytest.mark.parametrize("crs, shift_m", [("gcj02", (100, 1000)), ("bd09", (500, 2000)),
                                          ("EPSG:4549", None), ("EPSG:32651", None)])
def test_round_trip_within_a_few_centimetres(crs: str, shift_m: tuple[float, float] | None) -> None:
    rng = np.random.default_rng(3)
    truth = np.column_stack([rng.uniform(120.8, 122.3, 300), rng.uniform(28.8, 30.5, 300)])
    there = from_wgs84(crs, truth)
    back = to_wgs84(crs, there)
    assert float(haversine_m(back[:, 0], back[:, 1], truth[:, 0], truth[:, 1]).max()) < 0.05
    if shift_m is not None:   # the Chinese datums really move points by hundreds of metres
        moved = haversine_m(there[:, 0], there[:, 1], truth[:, 0], truth[:, 1])
        assert shift_m[0] < float(moved.min()) and float(moved.max()) < shift_m[1]


def test_crs_names() -> None:
    assert check_crs("GCJ-02") == "gcj02" and check_crs("WGS84") == "wgs84" and check_crs("EPSG:4326") == "wgs84"
    assert check_crs("EPSG:4549") == "EPSG:4549"
    with pytest.raises(ValueError, match="unknown CRS"):
        check_crs("mars")


def test_a_layer_in_a_projected_crs_is_read_in_its_own_crs(tmp_path: Path) -> None:
    poly = lonlat_box(0, 0, 1000, 1000)
    gpd.GeoDataFrame({"code": ["A"]}, geometry=[poly], crs="EPSG:4326").to_crs("EPSG:4549").to_file(
        tmp_path / "a.shp")
    feats = read_features(SourceSpec("districts", tmp_path / "a.shp"))[1]
    import shapely
    # a Shapefile turns rings clockwise: compare the normalised rings vertex by vertex
    got = np.array(shapely.normalize(feats[0].geom_ll).exterior.coords)
    want = np.array(shapely.normalize(poly).exterior.coords)
    assert float(haversine_m(got[:, 0], got[:, 1], want[:, 0], want[:, 1]).max()) < 0.01
    assert feats[0].where == "a.shp feature 0" and feats[0].values == {"code": "A"}


def test_city_toml_problems_name_the_key(tmp_path: Path) -> None:
    city = write_city(tmp_path / "city")
    text = city.toml.read_text(encoding="utf-8")
    cases = {
        text.replace('name = "测试市"\n', ""): "'name'",
        text.replace('crs = "gcj02"', 'crs = "mars"'): "[sites]: crs: unknown CRS 'mars'",
        text.replace("[grids]", "[gridz]"): "unknown key(s) gridz",
        text.replace('columns = { id = "编号"', 'columns = { ident = "编号"'): "unknown field(s) ident",
        text + "\n[categories]\npath = \"c.csv\"\n": "[categories]: path 'c.csv' does not exist",
        'code_prefix = "nb-1"\n' + text: "code_prefix: code prefix 'nb-1' must be",
        "name = \n": "not valid TOML",
    }
    for body, message in cases.items():
        city.toml.write_text(body, encoding="utf-8")
        with pytest.raises(CitySpecError) as info:
            parse_city_spec(city.toml)
        assert message in str(info.value)


def test_the_readme_example_city_toml_is_valid(tmp_path: Path) -> None:
    """The README's complete example uses every key with its documented meaning (scripts copy it)."""
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Load your own city"):]
    body = section[section.index("```toml") + len("```toml"):]
    body = body[:body.index("```")]
    import tomllib
    for table in tomllib.loads(body).values():
        if isinstance(table, dict):
            (tmp_path / table["path"]).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / table["path"]).touch()
    (tmp_path / "city.toml").write_text(body, encoding="utf-8")
    spec = parse_city_spec(tmp_path / "city.toml")
    assert spec.code_prefix == "NB" and set(spec.sources) == {
        "districts", "towns", "grids", "roads", "departments", "officers", "sites", "categories"}
    assert spec.sources["categories"].column("departments") == "主管部门"
