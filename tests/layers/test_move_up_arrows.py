"""Move-up suggestions are drawn with the coverage layer: an arrow officer → target and the gain."""

from __future__ import annotations

import numpy as np
import pytest

from commandmap.domain.snapshot import MoveUpArrows
from layers.rasters import MOVE_UP_COLOUR

from .conftest import grab, near, rgb, wait_cache
from .factories import CX, CY, snapshot


def _arrows(n: int = 1) -> MoveUpArrows:
    return MoveUpArrows(np.arange(1, n + 1, dtype=np.int64), np.array([[CX - 300.0, CY]] * n),
                        np.array([[CX + 300.0, CY]] * n), np.full(n, 5.0))


def test_a_move_up_is_an_arrow_drawn_with_the_coverage_layer(qtbot, city_canvas) -> None:  # type: ignore[no-untyped-def]
    city_canvas.center_on(CX, CY, m_per_px=4.0)
    city_canvas.set_snapshot(snapshot(move_ups=_arrows()))
    wait_cache(qtbot, city_canvas)
    mid = city_canvas.world_to_screen(CX - 150, CY)
    assert not near(rgb(grab(city_canvas), mid.x(), mid.y()), MOVE_UP_COLOUR, tol=40), "hidden with its layer"
    city_canvas.layer("coverage").visible = True
    qtbot.waitUntil(lambda: near(rgb(grab(city_canvas), mid.x(), mid.y()), MOVE_UP_COLOUR, tol=30), timeout=5000)
    legend = [e.label for e in city_canvas.layer("coverage").legend(city_canvas.theme)]
    assert len(legend) == 3


def test_move_ups_must_be_aligned(city_canvas) -> None:  # type: ignore[no-untyped-def]
    a = _arrows(2)
    bad = MoveUpArrows(a.officer_ids, a.from_xy, a.to_xy, a.gain[:1])
    with pytest.raises(ValueError, match="one entry per move"):
        city_canvas.layer("coverage").update(snapshot(move_ups=bad))
