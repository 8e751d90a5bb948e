"""UI fixtures: a tiny demo store (mini scale) on SQLite, built once per session."""

from __future__ import annotations

import argparse
import shutil

import gc
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
    return f"sqlite:///{path}"


@pytest.fixture
def tiny_demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMANDMAP_DEMO_SCALE", "mini")


def app_args(db: str, **kw) -> argparse.Namespace:
    base = {"db": db, "theme": None, "wall": False, "lang": None, "command": None, "simulate": "off",
            "seat": "test-seat", "auto_dispatch": None, "screen": None}
    base.update(kw)
    return argparse.Namespace(**base)
