"""Data exports read back in geopandas with the same rows, columns and CRS."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from commandmap.services.exports.files import write_layers
from commandmap.services.exports.tables import (LAYERS, WGS84, ExportCancelled, projected_crs, read_layers)
from commandmap.services.exports.window import TimeWindow, WindowError, iso_beijing

from .conftest import T0

HOUR = TimeWindow(T0, T0 + 3600)


def test_tasks_carry_every_stage_time_and_the_durations_of_domain_sla(history) -> None:
    t = read_layers(history.engine, ["tasks"], HOUR)["tasks"].set_index("incident_code")
    h1 = t.loc["NB-TEST-H1"]
    assert h1.dispatched_at == iso_beijing(T0 + 30) == "2026-11-26T09:00:30+08:00"
    assert h1.acknowledged_at == iso_beijing(T0 + 50) and h1.arrived_at == iso_beijing(T0 + 200)
    assert (h1.to_contact_s, h1.to_arrival_s, h1.on_scene_s) == (20.0, 170.0, 700.0)
    h2 = t.loc["NB-TEST-H2"]
    assert (h2.to_contact_s, h2.to_arrival_s) == (90.0, 440.0) and pd.isna(h2.completed_at)


def test_window_selects_incidents_tracks_skip_flagged_fixes_and_single_fixes(history) -> None:
    f = read_layers(history.engine, ["incidents", "tracks"], HOUR)
    assert sorted(f["incidents"].code) == ["NB-TEST-H1", "NB-TEST-H2", "NB-TEST-H3"]
    h3 = f["incidents"].set_index("code").loc["NB-TEST-H3"]
    assert pd.isna(h3.dispatched_at) and pd.isna(h3.to_dispatch_s)   # never dispatched
    tracks = f["tracks"]
    assert list(tracks.officer_id) == [history.officer_a]          # B has one fix: no line
    assert tracks.iloc[0].fixes == 3 and len(tracks.geometry.iloc[0].coords) == 3   # the flagged fix is left out
    everything = read_layers(history.engine, ["incidents"])["incidents"]
    assert len(everything) == history.demo_incidents + 3


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "csv"])
def test_files_read_back_with_the_same_rows_columns_and_crs(history, tmp_path, fmt) -> None:
    frames = read_layers(history.engine, list(LAYERS), HOUR)
    written = write_layers(frames, tmp_path / f"day.{fmt}", fmt)
    assert len(written) == (1 if fmt == "gpkg" else len(LAYERS))
    for name, frame in frames.items():
        path = tmp_path / (f"day.{fmt}" if fmt == "gpkg" else f"day-{name}.{fmt}")
        back = gpd.read_file(path, layer=name) if fmt == "gpkg" else gpd.read_file(path)
        if fmt == "csv":
            back = back.drop(columns=["WKT"], errors="ignore").set_crs(WGS84)   # CSV carries no CRS
        assert len(back) == len(frame), name
        assert list(back.columns) == list(frame.columns), name
        assert back.crs == frame.crs == WGS84
        if len(frame):
            assert back.geometry.iloc[0].equals_exact(frame.geometry.iloc[0], 1e-9), name
    assert not list(tmp_path.glob(".*partial*"))


def test_projected_crs_on_request_and_gpkg_keeps_it(history, tmp_path) -> None:
    crs = projected_crs(history.engine)
    frames = read_layers(history.engine, ["districts"], crs=crs)
    write_layers(frames, tmp_path / "d.gpkg", "gpkg")
    back = gpd.read_file(tmp_path / "d.gpkg", layer="districts")
    assert back.crs.to_epsg() == int(crs.split(":")[1])
    assert back.total_bounds[0] > 1000     # metres, not degrees


def test_cancel_leaves_no_file_and_progress_reaches_one(history, tmp_path) -> None:
    seen: list[float] = []
    frames = read_layers(history.engine, ["districts", "towns"], progress=lambda n, f: seen.append(f))
    assert seen == [0.5, 1.0]
    calls = iter([False, True])
    with pytest.raises(ExportCancelled):
        write_layers(frames, tmp_path / "x.gpkg", "gpkg", cancelled=lambda: next(calls))
    assert list(tmp_path.iterdir()) == []


def test_bad_windows_say_what_is_wrong() -> None:
    with pytest.raises(WindowError, match="--from"):
        TimeWindow.parse("yesterday", None)
    with pytest.raises(WindowError, match="not after"):
        TimeWindow.parse("2026-11-26T10:00", "2026-11-26T09:00")
    assert TimeWindow.parse("2026-11-26T09:00", None).start_s == T0
