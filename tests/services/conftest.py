"""Fixtures for the services tests: the mini demo city, generated once per session.

The demo's session fixtures run before the suite's per-test COMMANDMAP_HOME is
set, so they point COMMANDMAP_HOME at a private folder themselves: nothing they
do may touch the real per-user data folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from commandmap.services.demo import DemoCity, generate_city

# one fixed "now" so every generated timestamp in the tests is known
DEMO_NOW = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
FULL_DEMO_ENV = "COMMANDMAP_TEST_FULL_DEMO"


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = str(tmp_path_factory.mktemp("demo_home"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMMANDMAP_HOME", home)
        yield home


@pytest.fixture(scope="session")
def mini_city(demo_home: str) -> DemoCity:
    return generate_city("mini", seed=42, now=DEMO_NOW)


@pytest.fixture(scope="session")
def mini_store(mini_city: DemoCity, tmp_path_factory: pytest.TempPathFactory, demo_home: str) -> Iterator[Engine]:
    """A SQLite store holding the mini city (tests must not write to it)."""
    from commandmap.services.demo.load import load_demo_into_store
    from commandmap.store.migrate import open_store

    url = f"sqlite:///{tmp_path_factory.mktemp('mini_store') / 'city.sqlite3'}"
    engine = open_store(url)
    load_demo_into_store(engine, mini_city)
    yield engine
    engine.dispose()


def full_demo_wanted() -> bool:
    return os.environ.get(FULL_DEMO_ENV, "") not in ("", "0")
