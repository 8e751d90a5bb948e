"""Create engines for SQLite (embedded default) and PostgreSQL (multi-seat).

Every SQLite connection gets WAL, synchronous=FULL, foreign keys and a busy
timeout, and write transactions start with BEGIN IMMEDIATE so two seats never
deadlock upgrading a read lock (SQLite's SQLITE_BUSY_SNAPSHOT trap).
"""

from __future__ import annotations

import os
from typing import Any
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from ..paths import user_data_dir
from .errors import BadDatabaseUrl, DatabaseUnreachable

ENV_DB_URL = "COMMANDMAP_DB_URL"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# engine.connect().execution_options(read_only=True): a reading connection (see _configure_sqlite)
READ_ONLY_OPTION = "read_only"


def default_db_url() -> str:
    return f"sqlite:///{Path(user_data_dir()) / 'commandmap.sqlite3'}"


def resolve_db_url(cli_value: str | None = None) -> str:
    """`--db` wins, then `COMMANDMAP_DB_URL`, then the per-user SQLite file."""
    return cli_value or os.environ.get(ENV_DB_URL) or default_db_url()


def _normalise(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadDatabaseUrl(f"malformed database URL {url!r}: {exc}") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername == "postgresql":  # prefer psycopg 3 over psycopg2
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise BadDatabaseUrl(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://HOST/DB")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # readers that promise not to write (execution_options(read_only=True)) start a
        # deferred transaction, so a poll or a long read never holds the write lock
        deferred = conn.get_execution_options().get(READ_ONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def open_engine(url: str | None = None, *, check: bool = True) -> Engine:
    """An engine for `url` (resolved as `resolve_db_url`); with `check`, connect once
    so an unreachable server is reported now, in one clear line."""
    raw = resolve_db_url(url)
    final = _normalise(raw)
    parsed = make_url(final)
    try:
        if parsed.get_backend_name() == "sqlite":
            db = parsed.database
            if db and db != ":memory:":
                folder = Path(db).expanduser().resolve().parent
                if not folder.is_dir():
                    raise DatabaseUnreachable(f"cannot open SQLite store {db!r}: folder {str(folder)!r} does not exist")
            engine = create_engine(final, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                        "check_same_thread": False})
            _configure_sqlite(engine)
        else:
            engine = create_engine(final, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    except ModuleNotFoundError as exc:
        raise BadDatabaseUrl(f"no driver for {parsed.drivername!r} ({exc.name} is not installed; "
                             "install the 'postgres' extra)") from None
    except ArgumentError as exc:
        raise BadDatabaseUrl(f"malformed database URL {raw!r}: {exc}") from None
    if check:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            engine.dispose()
            raise DatabaseUnreachable(
                f"cannot reach database {parsed.render_as_string(hide_password=True)}: {reason}") from None
        except SQLAlchemyError as exc:
            engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]  # one line, no SQLAlchemy footer
            raise DatabaseUnreachable(
                f"cannot use database {parsed.render_as_string(hide_password=True)}: {reason}") from None
    return engine


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
