"""Point-in-polygon jurisdiction on the tiny city: grid, town, district; borders and gaps."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from sqlalchemy import delete

from commandmap.services.jurisdiction import Jurisdiction, JurisdictionIndex
from commandmap.store import schema
from tests.live.citykit import CENTER, HALF_DEG, build_city

LON, LAT = CENTER


@pytest.fixture
def city(sqlite_engine):
    build_city(sqlite_engine)
    return sqlite_engine


def test_points_resolve_to_grid_town_district(city) -> None:
    idx = JurisdictionIndex.from_engine(city)
    # south-west quarter, western half of district 1 -> district 1, town 11, grid 111
    assert idx.resolve(LON - 0.015, LAT - 0.01) == Jurisdiction(1, 11, 111)
    # north-east -> district 2, town 22, grid 222
    assert idx.resolve(LON + 0.015, LAT + 0.01) == Jurisdiction(2, 22, 222)
    outside = idx.resolve(LON + 1, LAT)
    assert outside == Jurisdiction(None, None, None) and not outside.inside_city


def test_border_point_goes_to_lowest_id(city) -> None:
    idx = JurisdictionIndex.from_engine(city)
    assert idx.resolve(LON, LAT - 0.01).district_id == 1     # on the meridian shared by districts 1 and 2


def test_gap_in_grids_falls_back_to_town(city) -> None:
    with city.begin() as conn:
        conn.execute(delete(schema.grid).where(schema.grid.c.id == 111))
    idx = JurisdictionIndex.from_engine(city)
    assert idx.resolve(LON - 0.015, LAT - 0.01) == Jurisdiction(1, 11, None)


def test_many_points_at_once_agree_with_one_by_one(city) -> None:
    idx = JurisdictionIndex.from_engine(city)
    rng = np.random.default_rng(3)
    lon = LON + rng.uniform(-HALF_DEG * 1.2, HALF_DEG * 1.2, 200)
    lat = LAT + rng.uniform(-HALF_DEG * 1.2, HALF_DEG * 1.2, 200)
    many = idx.resolve_many(lon, lat)
    assert many == [idx.resolve(a, b) for a, b in zip(lon, lat)]
    inside = [shapely.box(LON - HALF_DEG, LAT - HALF_DEG, LON + HALF_DEG, LAT + HALF_DEG).covers(shapely.Point(a, b))
              for a, b in zip(lon, lat)]
    assert [j.inside_city for j in many] == inside
