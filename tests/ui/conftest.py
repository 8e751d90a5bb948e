"""UI fixtures: a tiny demo store (mini scale) on SQLite, built once per session."""

from __future__ import annotations

import argparse
import gc
import shutil
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _no_window_outlives_its_test(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Every window a test opened is closed (stopping its timers, feeds and worker pools) before
    the next test: leftovers kept repainting and reading in the background, slowing later tests
    until their waits timed out."""
    yield
    for widget in qapp.topLevelWidgets():
        if widget.isVisible():
            widget.close()
    gc.collect()


@pytest.fixture(scope="session")
def mini_store_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    from commandmap.services.demo.load import build_demo
    path = tmp_path_factory.mktemp("mini_store") / "mini.sqlite3"
    build_demo(f"sqlite:///{path}", "mini", 42)
    return str(path)


@pytest.fixture
def mini_store(mini_store_template: str, tmp_path) -> str:
    """A private copy of the mini demo store (tests may write to it)."""
    path = tmp_path / "store.sqlite3"
    shutil.copy(mini_store_template, path)
    _bring_fixes_to_now(str(path))
    return f"sqlite:///{path}"


def _bring_fixes_to_now(path: str) -> None:
    """The template's fixes were fresh when it was built; a test a few minutes later would find every
    officer stale (older than DEFAULT_STALE_AFTER_S) and no candidate to recommend. Shift them to the
    copy's present, keeping their relative ages."""
    import sqlite3
    import time

    import numpy as np

    from commandmap.services.clock import parse_timestamps, sqlite_timestamps

    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT officer_id, fix_time, received_at FROM officer_position").fetchall()
        if not rows:
            return
        fix, got = parse_timestamps([r[1] for r in rows]), parse_timestamps([r[2] for r in rows])
        shift = time.time() - float(np.nanmax(got))
        if shift <= 0:
            return
        conn.executemany("UPDATE officer_position SET fix_time = ?, received_at = ? WHERE officer_id = ?",
                         zip(sqlite_timestamps(fix + shift), sqlite_timestamps(got + shift), [r[0] for r in rows]))
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def tiny_demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMANDMAP_DEMO_SCALE", "mini")


def app_args(db: str, **kw) -> argparse.Namespace:
    base = {"db": db, "theme": None, "wall": False, "lang": None, "command": None, "simulate": "off",
            "seat": "test-seat", "auto_dispatch": None, "screen": None}
    base.update(kw)
    return argparse.Namespace(**base)
