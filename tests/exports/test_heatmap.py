"""Incident density over a time window: the right place, the right mass, the stated bandwidth, fast."""

from __future__ import annotations

import time

import numpy as np
import pytest

from commandmap.services.exports.window import TimeWindow
from commandmap.services.heatmap import DEFAULT_BANDWIDTH_M, IncidentHistory, density_grid
from routing.projection import to_xy

from .conftest import T0


def test_one_incident_is_a_gaussian_of_the_stated_bandwidth() -> None:
    cell = 100.0
    g = density_grid(np.array([[5050.0, 5050.0]]), (0.0, 0.0, 10_000.0, 10_000.0), cell_m=cell, bandwidth_m=500.0)
    v = np.nan_to_num(g.values)
    r, c = np.unravel_index(np.argmax(v), v.shape)
    assert (r, c) == (50, 50)                                   # row 0 is the south edge
    assert v[50, 55] / v[50, 50] == pytest.approx(np.exp(-0.5), rel=0.02)     # 5 cells = one bandwidth east
    assert v.sum() * cell * cell / 1e6 == pytest.approx(1.0, rel=0.01)        # per km²: integrates to one incident


def test_window_of_the_known_hour_has_its_three_incidents_at_their_place(history) -> None:
    crs = "EPSG:32651"
    hist = IncidentHistory(history.engine, crs)
    d = hist.window(TimeWindow(T0, T0 + 3600))
    assert d.incidents == 3 and d.bandwidth_m == DEFAULT_BANDWIDTH_M
    x, y = to_xy(crs, np.array([history.lonlat]))[0]
    g = d.grid
    v = np.nan_to_num(g.values)
    r, c = np.unravel_index(np.argmax(v), v.shape)
    assert abs(g.x0 + (c + 0.5) * g.cell_m - x) <= g.cell_m and abs(g.y0 + (r + 0.5) * g.cell_m - y) <= g.cell_m
    assert v.sum() * g.cell_m ** 2 / 1e6 == pytest.approx(3.0, rel=0.03)
    assert hist.window(TimeWindow(T0 + 1300, T0 + 3600)).incidents == 0


def test_dragging_a_window_over_a_full_city_day_is_interactive() -> None:
    """200,000 incidents over a 110 × 140 km city: one window (searchsorted, histogram, Gaussian) in
    well under a frame budget of 100 ms."""
    rng = np.random.default_rng(1)
    hist = IncidentHistory.__new__(IncidentHistory)
    hist.time_s = np.sort(rng.uniform(0, 86_400, 200_000))
    hist.xy = rng.uniform((0, 0), (110_000, 140_000), (200_000, 2))
    hist.bounds = (0.0, 0.0, 110_000.0, 140_000.0)
    hist.window(TimeWindow(0, 3600))
    t0 = time.perf_counter()
    for k in range(10):
        hist.window(TimeWindow(k * 3600.0, k * 3600.0 + 4 * 3600))
    per_window_ms = (time.perf_counter() - t0) / 10 * 1000
    print(f"heatmap window: {per_window_ms:.1f} ms")
    assert per_window_ms < 150
