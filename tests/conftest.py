"""Suite-wide settings and shared fixtures.

Suite-wide settings: offscreen Qt and a private per-test data folder, so no
test ever touches the user's real store.

Store fixtures (one test, both backends):
- `store_url`: URL of a fresh, empty store, parametrized `sqlite` (a file in
  tmp_path) and `postgres` (a throwaway database, dropped after the test;
  the test skips with the reason when the server does not answer).
- `store_engine`: an Engine on a fresh store migrated to head.
- `sqlite_url` / `pg_url` (and `sqlite_engine` / `pg_engine`): one backend only.

PostgreSQL comes from COMMANDMAP_TEST_PG_URL (default
postgresql://127.0.0.1:5432/test); the fixtures need a role that may
CREATE DATABASE. Migrated databases are copied from a per-session template,
so a PostgreSQL test costs ~0.2 s of set-up, not a migration.
"""

from __future__ import annotations

import gc
import itertools
import os
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("commandmap_home")
    monkeypatch.setenv("COMMANDMAP_HOME", str(home))
    monkeypatch.delenv("COMMANDMAP_DB_URL", raising=False)


@pytest.fixture(autouse=True)
def _collect_in_this_thread() -> Iterator[None]:
    """A test that started the app ran with Python's automatic collection off (commandmap.ui.gc_guard:
    only the UI thread may destroy Qt objects). Its windows are collected here, in the main thread,
    and automatic collection is back on for the next test (which turns it off again if it starts
    the app): collecting after every test instead cost minutes of the suite."""
    yield
    if gc.isenabled():
        return
    import sys
    session = sys.modules.get("commandmap.ui.session")
    if session is not None:
        session.release_gc_guard()
    else:
        gc.collect()


PG_URL_ENV = "COMMANDMAP_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql://127.0.0.1:5432/test"
_PREFIX = "cmt_"
_counter = itertools.count()


def _base_pg_url() -> str:
    return os.environ.get(PG_URL_ENV) or DEFAULT_PG_URL


def _libpq(url: str) -> str:
    """psycopg wants a plain libpq URL, not SQLAlchemy's `postgresql+psycopg`."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _db_url(name: str) -> str:
    return make_url(_base_pg_url()).set(database=name).render_as_string(hide_password=False)


class _PgServer:
    """An autocommit maintenance connection that creates and drops test databases."""

    def __init__(self, conn) -> None:  # type: ignore[no-untyped-def]
        self.conn = conn

    def create(self, template: str | None = None) -> str:
        name = f"{_PREFIX}{os.getpid()}_{next(_counter)}"
        tpl = f" TEMPLATE {template}" if template else ""
        self.conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.conn.execute(f"CREATE DATABASE {name}{tpl}")
        return name

    def drop(self, name: str) -> None:
        self.conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def drop_leftovers(self) -> None:
        """Databases of earlier test runs that died before dropping them."""
        rows = self.conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                 (f"{_PREFIX}%",)).fetchall()
        for (name,) in rows:
            m = re.fullmatch(rf"{_PREFIX}(\d+)_\w+", name)
            if m and not _pid_alive(int(m.group(1))):
                self.drop(name)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def pg_server() -> Iterator[_PgServer]:
    """The PostgreSQL server, or a skip naming why it is not usable."""
    try:
        import psycopg
    except ModuleNotFoundError:
        pytest.skip("PostgreSQL tests need psycopg (install the 'postgres' extra)")
    base = _base_pg_url()
    try:
        conn = psycopg.connect(_libpq(base), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        pytest.skip(f"PostgreSQL at {make_url(base).render_as_string(hide_password=True)} "
                    f"does not answer ({first}); set {PG_URL_ENV}")
    server = _PgServer(conn)
    try:
        server.drop_leftovers()
    except psycopg.Error:
        pass
    yield server
    conn.close()


@pytest.fixture(scope="session")
def pg_template(pg_server: _PgServer) -> Iterator[str]:
    """A database migrated to head once per session, copied by `pg_engine`."""
    from commandmap.store.migrate import open_store

    name = pg_server.create()
    engine = open_store(_db_url(name))
    engine.dispose()  # CREATE DATABASE ... TEMPLATE needs it idle
    yield name
    pg_server.drop(name)


@pytest.fixture
def pg_url(pg_server: _PgServer) -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    name = pg_server.create()
    yield _db_url(name)
    pg_server.drop(name)


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """URL of a fresh, empty SQLite store file."""
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty store on each backend."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    from commandmap.store.migrate import open_store

    engine = open_store(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_server: _PgServer, pg_template: str) -> Iterator[Engine]:
    from commandmap.store.engine import open_engine

    name = pg_server.create(template=pg_template)
    engine = open_engine(_db_url(name))
    yield engine
    engine.dispose()
    pg_server.drop(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_engine(request: pytest.FixtureRequest) -> Engine:
    """An engine on a fresh store migrated to head, on each backend."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")
