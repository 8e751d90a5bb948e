"""The live state projects with the CRS the city records in the store, never with Ningbo's by default."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from pyproj import Transformer

from commandmap.domain.snapshot import OFFICER_STATUS_CODES
from commandmap.live import LiveState, NoCityCrs
from commandmap.services.city import load_city_static
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store import schema
from commandmap.store.repos import CITY_CRS_KEY, set_meta
from layers.canvas import MapCanvas
from layers.themes import WORKSTATION
from tests.layers.conftest import grab, near, rgb, wait_cache
from tests.live.citykit import NOW_S, OfficerSpec, build_city, lattice_graph, store_road_network

PHOENIX = (-112.07, 33.45)             # UTM zone 12N (EPSG:32612), 123° west of Ningbo's zone


def _utm(crs: str, lon: float, lat: float) -> tuple[float, float]:
    """Independent of the code under test: pyproj straight."""
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    return float(x), float(y)


def test_officer_in_a_zone_12n_city_is_drawn_at_the_pixel_of_its_lonlat(qtbot, sqlite_engine) -> None:
    lon, lat = PHOENIX[0] + 0.004, PHOENIX[1] - 0.003
    build_city(sqlite_engine, [OfficerSpec(1, lon, lat)], center=PHOENIX)
    store_road_network(sqlite_engine, lattice_graph(side=12, center=PHOENIX))
    city = load_city_static(sqlite_engine)
    live = LiveState(sqlite_engine, clock=lambda: NOW_S)     # no crs: the city's, from the store
    assert city.crs == live.crs == "EPSG:32612"

    canvas = MapCanvas(theme=WORKSTATION)
    canvas.show_decorations = False
    qtbot.addWidget(canvas)
    canvas.resize(480, 360)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_city(city)
    x, y = _utm("EPSG:32612", lon, lat)
    canvas.center_on(x + 60.0, y - 40.0, m_per_px=2.0)
    canvas.set_snapshot(live.snapshot())
    wait_cache(qtbot, canvas)
    p = canvas.world_to_screen(x, y)
    assert 20 < p.x() < 460 and 20 < p.y() < 340, "the expected pixel is on screen"
    colour = WORKSTATION.officer_status[OFFICER_STATUS_CODES["available"]]
    got = rgb(grab(canvas), p.x(), p.y())
    assert near(got, colour), f"no available-officer marker at {p.x():.0f},{p.y():.0f}: got {got}"


def test_an_explicit_crs_overrides_the_store(sqlite_engine) -> None:
    lon, lat = PHOENIX
    build_city(sqlite_engine, [OfficerSpec(1, lon, lat)], center=PHOENIX)
    live = LiveState(sqlite_engine, crs="EPSG:32613", clock=lambda: NOW_S)
    np.testing.assert_allclose(live.snapshot().officers.xy[0], _utm("EPSG:32613", lon, lat))
    with sqlite_engine.begin() as conn:
        set_meta(conn, CITY_CRS_KEY, "EPSG:32611")
    live.refresh()
    assert live.crs == "EPSG:32613", "an explicit CRS is kept whatever the store says"


def test_a_city_rebuilt_in_another_crs_is_reprojected_on_refresh(store_engine) -> None:
    lon, lat = PHOENIX
    build_city(store_engine, [OfficerSpec(1, lon, lat)], center=PHOENIX)
    live = LiveState(store_engine, clock=lambda: NOW_S)
    np.testing.assert_allclose(live.snapshot().officers.xy[0], _utm("EPSG:32612", lon, lat))
    with store_engine.begin() as conn:
        set_meta(conn, CITY_CRS_KEY, "EPSG:26912")   # NAD83 / UTM 12N: the city re-imported in another datum
    live.refresh()
    assert live.crs == "EPSG:26912"
    np.testing.assert_allclose(live.snapshot().officers.xy[0], _utm("EPSG:26912", lon, lat))


def test_a_store_without_a_city_crs_is_refused_with_a_clear_message(sqlite_engine) -> None:
    build_city(sqlite_engine, [OfficerSpec(1, *PHOENIX)], center=PHOENIX)
    with sqlite_engine.begin() as conn:
        conn.execute(schema.city_meta.delete())
    with pytest.raises(NoCityCrs, match="records no city CRS.*crs="):
        LiveState(sqlite_engine)


def test_the_road_network_crs_serves_a_store_from_before_city_crs(sqlite_engine) -> None:
    build_city(sqlite_engine, [OfficerSpec(1, *PHOENIX)], center=PHOENIX)
    store_road_network(sqlite_engine, lattice_graph(side=8, center=PHOENIX))
    with sqlite_engine.begin() as conn:
        conn.execute(schema.city_meta.delete().where(schema.city_meta.c.key == CITY_CRS_KEY))
    assert LiveState(sqlite_engine).crs == "EPSG:32612"


def test_an_old_format_batch_change_rescans_the_table(store_engine) -> None:
    """('officer_position', <count>, 'batch') rows of stores written before batches were named."""
    lon, lat = PHOENIX
    build_city(store_engine, [OfficerSpec(1, lon, lat), OfficerSpec(2, lon, lat)], center=PHOENIX)
    live = LiveState(store_engine, clock=lambda: NOW_S)
    FixIngestor(store_engine, clock=lambda: NOW_S).ingest(
        FixBatch(np.array([1]), np.array([lon + 0.001]), np.array([lat]), np.array([NOW_S - 1])))
    assert live.refresh().reloaded == (), "a named batch is replayed"
    with store_engine.begin() as conn:
        conn.execute(schema.officer_position.update().where(schema.officer_position.c.officer_id == 2)
                     .values(lon=lon + 0.002))
        conn.execute(schema.change.insert().values(at=datetime.now(UTC), entity="officer_position", entity_id=1,
                                                   op="batch"))
    stats = live.refresh()
    assert stats.reloaded == ("officer_position",)
    assert live.officers.cols["lon"][1] == lon + 0.002
