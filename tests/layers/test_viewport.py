"""The world↔screen mapping every layer, test and export relies on."""

import math

import numpy as np
import pytest

from layers.viewport import MAX_M_PER_PX, MIN_M_PER_PX, Viewport


def test_round_trip_and_axes() -> None:
    v = Viewport(360_000.0, 3_305_000.0, 2.5, 800, 600)
    sx, sy = v.to_screen(360_000.0, 3_305_000.0)
    assert (float(sx), float(sy)) == (400.0, 300.0)
    # north is up, east is right
    assert v.screen_point(360_010.0, 3_305_000.0)[0] == pytest.approx(404.0)
    assert v.screen_point(360_000.0, 3_305_010.0)[1] == pytest.approx(296.0)
    x, y = v.to_world(*v.to_screen(np.array([1.0, 2.0e5]), np.array([3.0e6, 4.0])))
    assert np.allclose(x, [1.0, 2.0e5]) and np.allclose(y, [3.0e6, 4.0])


def test_zoom_keeps_anchor_fixed() -> None:
    v = Viewport(0.0, 0.0, 10.0, 1000, 700)
    anchor = (123.0, 456.0)
    before = v.world_point(*anchor)
    z = v.zoomed(2 ** 0.37, anchor)   # fractional zoom
    assert z.m_per_px == pytest.approx(10.0 / 2 ** 0.37)
    assert z.world_point(*anchor) == pytest.approx(before, abs=1e-9)


def test_fit_contains_extent_and_rejects_nonsense() -> None:
    extent = (100.0, 200.0, 5100.0, 1200.0)
    v = Viewport.fit(extent, 500, 500)
    x0, y0, x1, y1 = v.extent
    assert x0 <= 100.0 and x1 >= 5100.0 and y0 <= 200.0 and y1 >= 1200.0
    assert v.m_per_px == pytest.approx(10.0)
    with pytest.raises(ValueError, match="empty extent"):
        Viewport.fit((0, 0, 0, 10), 100, 100)
    with pytest.raises(ValueError, match="positive"):
        Viewport.fit(extent, 0, 100)


def test_scale_is_clamped() -> None:
    v = Viewport(0.0, 0.0, 1.0, 100, 100)
    assert v.zoomed(1e9).m_per_px == MIN_M_PER_PX
    assert v.zoomed(1e-9).m_per_px == MAX_M_PER_PX
    assert math.isfinite(v.zoom)


def test_contains_view_requires_same_scale() -> None:
    outer = Viewport(0.0, 0.0, 1.0, 200, 200)
    assert outer.contains_view(Viewport(10.0, 10.0, 1.0, 100, 100))
    assert not outer.contains_view(Viewport(90.0, 0.0, 1.0, 100, 100))
    assert not outer.contains_view(Viewport(0.0, 0.0, 1.1, 100, 100))
