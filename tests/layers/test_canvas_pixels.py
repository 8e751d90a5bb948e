"""Pixels of a rendered canvas at known map positions (DESIGN §8: sample, don't eyeball)."""

from __future__ import annotations

import math

from layers.officers import FAR_M_PER_PX
from layers.themes import WALL, WORKSTATION, qcolor

from .conftest import grab, near, rgb, wait_cache
from .factories import CX, CY, lonlat_to_xy, snapshot


def test_officer_at_lonlat_shows_status_colour_at_projected_pixel(qtbot, city_canvas) -> None:
    lon, lat = 121.5512, 29.8712
    x, y = lonlat_to_xy(lon, lat)
    # one officer per status code, 120 m apart; heading unknown so the centre is plain fill
    rows = [(x + 120.0 * code, y, code, False, math.nan) for code in range(5)]
    city_canvas.center_on(x + 240.0, y, m_per_px=2.0)
    city_canvas.set_snapshot(snapshot(rows))
    wait_cache(qtbot, city_canvas)
    img = grab(city_canvas)
    for code in range(5):
        p = city_canvas.world_to_screen(x + 120.0 * code, y)
        assert near(rgb(img, p.x(), p.y()), WORKSTATION.officer_status[code]), \
            f"status {code} at {p.x():.0f},{p.y():.0f}: got {rgb(img, p.x(), p.y())}"


def test_far_zoom_officers_are_dots_of_their_status_colour(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=FAR_M_PER_PX * 1.5)
    city_canvas.set_snapshot(snapshot([(CX + 300, CY - 300, 2, False, 45.0)]))
    wait_cache(qtbot, city_canvas)
    p = city_canvas.world_to_screen(CX + 300, CY - 300)
    # far dots are slightly translucent (alpha 205) over the district's land tint
    dot, land = qcolor(WORKSTATION.officer_status[2]), qcolor(WORKSTATION.district_fills[0])
    a = 205 / 255
    expected = tuple(round(a * d + (1 - a) * g) for d, g in
                     zip((dot.red(), dot.green(), dot.blue()), (land.red(), land.green(), land.blue())))
    got = rgb(grab(city_canvas), p.x(), p.y())
    assert all(abs(x - y) <= 12 for x, y in zip(got, expected)), (got, expected)


def test_hiding_a_dynamic_layer_removes_its_pixels(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=2.0)
    city_canvas.set_snapshot(snapshot([(CX + 100, CY - 200, 1, False, math.nan)]))
    wait_cache(qtbot, city_canvas)
    p = city_canvas.world_to_screen(CX + 100, CY - 200)
    assert near(rgb(grab(city_canvas), p.x(), p.y()), WORKSTATION.officer_status[1])
    city_canvas.layer("officers").visible = False
    after = rgb(grab(city_canvas), p.x(), p.y())
    assert not near(after, WORKSTATION.officer_status[1], tol=40), after


def test_hiding_a_static_layer_rebuilds_the_cache_without_it(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX - 300, CY + 300, m_per_px=2.0)
    wait_cache(qtbot, city_canvas)
    p = city_canvas.world_to_screen(CX - 300, CY + 600)      # on the primary road
    road = qcolor(WORKSTATION.road_fill[2])
    assert near(rgb(grab(city_canvas), p.x(), p.y()), road)
    with qtbot.waitSignal(city_canvas.sig_cache_rebuilt, timeout=10_000):
        city_canvas.layer("roads").visible = False
    wait_cache(qtbot, city_canvas)
    assert not near(rgb(grab(city_canvas), p.x(), p.y()), road, tol=30)


def test_stale_officer_has_the_stale_style_and_fix_age(qtbot, city_canvas) -> None:
    fresh = (CX + 50, CY - 100, 1, False, math.nan)
    stale = (CX + 250, CY - 100, 1, True, math.nan)
    city_canvas.center_on(CX + 150, CY - 100, m_per_px=2.0)
    city_canvas.set_snapshot(snapshot([fresh, stale]))
    wait_cache(qtbot, city_canvas)
    img = grab(city_canvas)
    pf = city_canvas.world_to_screen(*fresh[:2])
    ps = city_canvas.world_to_screen(*stale[:2])
    assert near(rgb(img, pf.x(), pf.y()), WORKSTATION.officer_status[1])
    assert near(rgb(img, ps.x(), ps.y()), WORKSTATION.officer_stale_fill)
    # the fix age ("15分") sits in a box under the stale marker, not under the fresh one
    box_y = ps.y() + WORKSTATION.officer_px / 2 + 6
    below_stale = [rgb(img, ps.x() + dx, box_y) for dx in range(-12, 13, 3)]
    below_fresh = [rgb(img, pf.x() + dx, box_y) for dx in range(-12, 13, 3)]
    assert sum(near(c, WORKSTATION.officer_stale_fill, tol=20) for c in below_stale) >= 3
    assert not any(near(c, WORKSTATION.officer_stale_fill, tol=20) for c in below_fresh)


def test_wall_theme_draws_the_same_officer_in_wall_colours(qtbot, city_canvas) -> None:
    city_canvas.set_theme(WALL)
    city_canvas.center_on(CX, CY, m_per_px=2.0)
    city_canvas.set_snapshot(snapshot([(CX + 100, CY - 100, 3, False, math.nan)]))
    wait_cache(qtbot, city_canvas)
    img = grab(city_canvas)
    p = city_canvas.world_to_screen(CX + 100, CY - 100)
    assert near(rgb(img, p.x(), p.y()), WALL.officer_status[3])
    # the land is dark in the wall theme
    corner = rgb(img, 20, 20)
    assert sum(corner) < 3 * 80, corner


def test_incident_is_drawn_above_an_officer_at_the_same_place(qtbot, city_canvas) -> None:
    city_canvas.center_on(CX, CY, m_per_px=2.0)
    snap = snapshot([(CX + 10, CY - 10, 1, False, math.nan)], [(CX + 10, CY - 10, 1, 0, 30.0)])
    city_canvas.set_snapshot(snap)
    wait_cache(qtbot, city_canvas)
    p = city_canvas.world_to_screen(CX + 10, CY - 10)
    # the P1 diamond's fill shows just above its centre digit
    c = rgb(grab(city_canvas), p.x(), p.y() - WORKSTATION.incident_px * 0.35)
    assert near(c, WORKSTATION.incident_priority[0], tol=30), c


def test_decorations_scale_bar_matches_the_scale(qtbot, city_canvas) -> None:
    from layers.decorations import format_length, nice_length_m
    city_canvas.show_decorations = True
    city_canvas.center_on(CX, CY, m_per_px=3.0)
    wait_cache(qtbot, city_canvas)
    img = grab(city_canvas)
    # the bar's dark left half starts at x = 12 + pad and spans half the nice length
    length_m = nice_length_m(max(60.0, min(480 * 0.22, WORKSTATION.font_ui_px * 12)) * 3.0)
    assert format_length(length_m) == "200 m"
    pad = WORKSTATION.font_ui_px * 0.45
    bar_y = 360 - 12 - pad - WORKSTATION.font_ui_px * 0.38 / 2
    left = 12 + pad
    assert near(rgb(img, left + 5, bar_y), WORKSTATION.deco_fg, tol=40)
    assert not near(rgb(img, left + length_m / 3.0 - 5, bar_y), WORKSTATION.deco_fg, tol=40)
