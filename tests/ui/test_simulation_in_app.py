"""The GUI demo runs the simulator off the UI thread: officers move on the map."""

from __future__ import annotations

import numpy as np
import pytest

from commandmap.app import LaunchError, open_main_window, simulation_speed

from .conftest import app_args


def test_simulator_default_is_on_for_sqlite_and_off_for_postgres() -> None:
    assert simulation_speed(None, "sqlite:////tmp/x.sqlite3") == 1.0
    assert simulation_speed(None, "postgresql://127.0.0.1/test") is None
    assert simulation_speed("off", "sqlite:////tmp/x.sqlite3") is None
    assert simulation_speed("10x", "postgresql://127.0.0.1/test") == 10.0


@pytest.mark.parametrize("bad", ["fast", "-2x", "max"])
def test_bad_simulation_speed_is_a_clear_error(bad: str) -> None:
    with pytest.raises(LaunchError, match="--simulate"):
        simulation_speed(bad, None)


def test_officers_move_while_the_window_is_open(qtbot, mini_store) -> None:
    window = open_main_window(app_args(mini_store, simulate="30x"))
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    try:
        runner = window.ctx.simulation
        assert runner is not None and runner.running
        qtbot.waitUntil(lambda: window.canvas.stack.snapshot is not None, timeout=5000)
        first = window.canvas.layer("officers").officers
        start_xy = first.xy.copy()

        def moved() -> bool:
            now = window.canvas.layer("officers").officers
            same_order = np.array_equal(now.ids, first.ids)
            return same_order and int((np.abs(now.xy - start_xy).max(axis=1) > 5.0).sum()) >= 50

        qtbot.waitUntil(moved, timeout=20000)
        assert runner.error is None
        officers = window.canvas.layer("officers").officers
        assert not officers.stale[officers.status == 1].all()   # the available ones report fresh fixes
    finally:
        window.close()
    assert not window.ctx.simulation.running   # closing the window stops the worker thread
