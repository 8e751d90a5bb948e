"""The enforcement catalogue: what the shipped CSVs say, and how bad rows are reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from commandmap.domain.enums import Priority
from commandmap.paths import data_dir
from commandmap.services.catalogue import CatalogueError, load_catalogue

SHIPPED = data_dir() / "catalogue"


def test_shipped_catalogue_has_the_issue_vocabulary() -> None:
    cat = load_catalogue()
    names = {d.name for d in cat.departments}
    for dep in ("综合行政执法", "市场监管", "卫生健康", "文广旅体", "生态环境", "应急管理", "交通运输", "住房城乡建设"):
        assert dep in names
    assert any(d.name.startswith("自然资源") for d in cat.departments)
    sites = {c.name for c in cat.site_categories}
    assert {"餐饮", "电竞酒店", "建筑工地", "商铺", "宠物店", "无人洗车", "美容美发", "娱乐场所", "加油站",
            "农贸市场"} <= sites
    incidents = {c.name for c in cat.incident_categories}
    assert {"占道经营", "违规户外广告", "油烟扰民", "噪音扰民", "违法建设", "渣土抛洒", "无证经营", "食品安全",
            "消防隐患", "非法排污"} <= incidents


def test_category_lookups_by_name_and_code() -> None:
    cat = load_catalogue()
    assert cat.departments_for_category("油烟扰民") == ["zhzf", "sthj"]
    assert cat.departments_for_category("cooking_fumes") == ["zhzf", "sthj"]
    assert cat.domain_of("电竞酒店") == "culture_tourism"
    assert cat.label_en("电竞酒店") == "Esports hotel"
    assert cat.label("zhzf") == "综合行政执法"
    assert cat.label("zhzf", "en") == "Comprehensive Administrative Law Enforcement"
    assert cat.incident_category("消防隐患").priority is Priority.P1
    with pytest.raises(KeyError, match="不存在的类别"):
        cat.domain_of("不存在的类别")
    with pytest.raises(KeyError, match="incident category"):
        cat.site_category("油烟扰民")


def test_every_site_category_has_check_items_of_its_departments() -> None:
    cat = load_catalogue()
    for site_cat in cat.site_categories:
        items = cat.check_items_for(site_cat.code)
        assert len(items) >= 3, site_cat.name
        # a joint inspection (综合查一次) sends the departments its check items belong to
        assert {i.department for i in items} <= set(site_cat.departments), site_cat.name
    texts = [i.text for i in cat.check_items_for("电竞酒店")]
    assert "未成年人入住登记核验" in texts and "集中空调通风系统清洗消毒" in texts


def test_every_reference_resolves() -> None:
    cat = load_catalogue()
    deps = {d.code for d in cat.departments}
    doms = {d.code for d in cat.domains}
    for c in (*cat.site_categories, *cat.incident_categories):
        assert c.domain in doms and set(c.departments) <= deps and c.departments
    for c in cat.incident_categories:
        if c.site_related:
            assert c.site_categories


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(SHIPPED, folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("incident_categories.csv", "cooking_fumes,油烟扰民,Cooking fumes nuisance,environment,zhzf;sthj",
     "cooking_fumes,油烟扰民,Cooking fumes nuisance,environment,zhzf;nobody",
     r"incident_categories.csv line 4: field 'departments' names unknown department 'nobody'"),
    ("site_categories.csv", "catering,餐饮,Restaurant,food_safety,scjg;zhzf;xfjy,0.22",
     "catering,餐饮,Restaurant,food_safety,scjg;zhzf;xfjy,lots",
     r"site_categories.csv line 2: field 'weight' is not a number: 'lots'"),
    ("site_categories.csv", "esports_hotel,电竞酒店", "catering,电竞酒店",
     r"site_categories.csv line 3: duplicate category code 'catering'"),
    ("incident_categories.csv", "street_vending,占道经营,Street vending / occupying the road,city_appearance,zhzf,P3",
     "street_vending,占道经营,Street vending / occupying the road,city_appearance,zhzf,P9",
     r"incident_categories.csv line 2: field 'priority' must be P1..P4, got 'P9'"),
    ("domains.csv", "code,name,name_en", "code,label,name_en", r"domains.csv: missing column\(s\) name"),
    ("check_items.csv", "catering,catering.licence", "nosuch,catering.licence",
     r"check_items.csv line 2: field 'category' names unknown site category 'nosuch'"),
    ("departments.csv", "zhzf,综合行政执法", ",综合行政执法", r"departments.csv line 2: field 'code' is empty"),
])
def test_bad_rows_are_named_by_file_line_and_field(tmp_path: Path, file: str, old: str, new: str,
                                                   message: str) -> None:
    folder = _copy(tmp_path)
    _edit(folder / file, old, new)
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(folder)


def test_missing_file_is_named(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "check_items.csv").unlink()
    with pytest.raises(CatalogueError, match="check_items.csv: catalogue file is missing"):
        load_catalogue(folder)


def test_a_copy_of_the_shipped_files_loads_the_same(tmp_path: Path) -> None:
    assert load_catalogue(_copy(tmp_path)) == load_catalogue()
