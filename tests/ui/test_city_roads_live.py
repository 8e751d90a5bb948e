"""An open workstation on an imported city: a re-import with a new road layer is drawn and routed on
without a restart (the follower thread loads it, the map takes it on the UI thread)."""

from __future__ import annotations

from pathlib import Path

from commandmap.app import open_main_window
from commandmap.services.city_import import import_city
from commandmap.store.migrate import open_store

from ..services.city_import.fixture_city import write_city, write_osm
from .conftest import app_args


def _drawn_roads(window) -> int:  # type: ignore[no-untyped-def]
    return len(window.canvas.stack.city.roads.offsets) - 1


def test_the_open_workstation_takes_a_newly_imported_road_network(qtbot, tmp_path: Path) -> None:
    city = write_city(tmp_path / "city")
    db = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = open_store(db)
    try:
        assert import_city(engine, city.toml).written
    finally:
        engine.dispose()
    window = open_main_window(app_args(db))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    try:
        before = _drawn_roads(window)
        view = window.canvas.view
        old = window.ctx.workbench.recommender.graph
        write_osm(city.folder / "roads.osm", step_m=250.0)
        assert import_city(window.ctx.engine, city.toml).road_network_new
        qtbot.waitUntil(lambda: _drawn_roads(window) > before, timeout=30000)
        graph = window.ctx.workbench.recommender.graph
        assert graph is not old and graph.n_nodes == 17 * 9
        assert window.ctx.city.roads is window.canvas.stack.city.roads
        assert window.canvas.view == view            # the dispatcher's view stays where it was
    finally:
        window.close()
