"""UI fixtures: a tiny demo store (mini scale) on SQLite, built once per session."""

from __future__ import annotations

import argparse
import shutil

import pytest


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
