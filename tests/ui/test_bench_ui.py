"""`commandmap bench ui` on the mini city: every figure the issue names is measured and written.

A selection is timed to the first flushed frame of the window that shows its candidates and their
routes (`MainWindow.frame_listeners`): if frames stopped reporting, nothing would be selected."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from commandmap.bench import ui as bench_ui


def test_bench_ui_measures_select_and_dispatch_on_the_mini_city(qapp, mini_store: str, tmp_path: Path,
                                                                 capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "ui.json"
    args = argparse.Namespace(db=mini_store, scale="mini", samples=3, pg="off", json=str(out), think_ms=50.0)
    assert bench_ui.run(args) == 0
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["selected"] == 3 and got["dispatched"] == 3 and got["think_ms"] == 50.0
    for key in ("select_p95_ms", "dispatch_p95_ms", "baseline_select_p95_ms", "service_p95_ms"):
        assert got[key] is not None and got[key] > 0, key
    assert got["second_seat_p95_ms"] is None           # --pg off
    assert got["select_p50_ms"] <= got["select_p95_ms"]
    table = capsys.readouterr().out
    assert "select → candidates and route preview painted" in table and "≤ 100" in table


def test_bench_ui_refuses_a_bad_think_time(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from commandmap.errors import UserError
    for bad in (-1.0, float("nan"), 1e9):
        args = argparse.Namespace(db=None, scale="mini", samples=1, pg="off", json=None, think_ms=bad)
        with pytest.raises(UserError, match="--think-ms"):
            bench_ui.run(args)
