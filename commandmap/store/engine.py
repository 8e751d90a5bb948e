"""Create engines for SQLite (embedded default) and PostgreSQL (multi-seat).

Every SQLite connection gets WAL, synchronous=FULL, foreign keys and a busy
timeout, and write transactions start with BEGIN IMMEDIATE so two seats never
deadlock upgrading a read lock (SQLite's SQLITE_BUSY_SNAPSHOT trap).
"""

from __future__ import annotations

import os
from typing import Any
from pathlib import Path
from urllib.parse import quote

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
    """`--db` wins, then `COMMANDMAP_DB_URL`, then the per-user SQLite file. An empty `--db` is a
    mistake (an unset variable in a script), never a quiet fallback to the per-user store."""
    if cli_value is not None and not cli_value.strip():
        raise BadDatabaseUrl("--db is empty: give a store URL (sqlite:///PATH or postgresql://HOST/DB)")
    return cli_value or os.environ.get(ENV_DB_URL) or default_db_url()


def _source(url: str) -> str:
    return f" (from ${ENV_DB_URL})" if url == os.environ.get(ENV_DB_URL) else ""


def _normalise(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadDatabaseUrl(f"malformed database URL {url!r}{_source(url)}: {exc}") from None
    except ValueError:   # make_url parses the port with int(): "host:notaport"
        raise BadDatabaseUrl(f"malformed database URL {url!r}{_source(url)}: the port must be a number") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername == "postgresql":  # prefer psycopg 3 over psycopg2
            parsed = parsed.set(drivername="postgresql+psycopg")
    elif backend != "sqlite":
        raise BadDatabaseUrl(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://HOST/DB")
    return parsed.render_as_string(hide_password=False)


def _read_only_sqlite(path: Path):  # type: ignore[no-untyped-def]
    """A connection factory that never writes: mode=ro, and for a WAL store in a folder nobody can
    write (no shared-memory file can be made there, so no writer can exist either) immutable=1."""
    import sqlite3

    base = f"file:{quote(str(path))}"

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(f"{base}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if "unable to open" not in str(exc) or not path.is_file():
                raise
        return sqlite3.connect(f"{base}?immutable=1", uri=True, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
                               check_same_thread=False)
    return connect


def _configure_sqlite(engine: Engine, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if read_only:   # a reader never converts the file (WAL is a write to its header)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            return
        # WAL only for our stores (or a new one): another program's file is not converted on sight
        ours_or_empty = cur.execute("SELECT count(*) = 0 OR sum(name = 'alembic_version') > 0 "
                                    "FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if ours_or_empty:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # readers that promise not to write (execution_options(read_only=True)) start a
        # deferred transaction, so a poll or a long read never holds the write lock
        deferred = read_only or conn.get_execution_options().get(READ_ONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def open_engine(url: str | None = None, *, check: bool = True, read_only: bool = False) -> Engine:
    """An engine for `url` (resolved as `resolve_db_url`); with `check`, connect once
    so an unreachable server is reported now, in one clear line.

    `read_only`: for commands that only look (SQLite opened with mode=ro, so a store in a
    read-only folder can be inspected and no file is ever created or converted; PostgreSQL
    transactions default to read only)."""
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
            kwargs: dict[str, object] = {}
            if read_only and db and db != ":memory:":
                kwargs["creator"] = _read_only_sqlite(Path(db).expanduser().resolve())
            engine = create_engine(final, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                                                        "check_same_thread": False}, **kwargs)
            _configure_sqlite(engine, read_only)
        else:
            args: dict[str, object] = {"connect_timeout": 5}
            if read_only:
                args["options"] = "-c default_transaction_read_only=on"
            engine = create_engine(final, pool_pre_ping=True, connect_args=args)
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


def is_read_only_error(exc: BaseException) -> bool:
    """Whether a driver error says the store refuses writes (a read-only file, folder, mount,
    replica or role) rather than that something else went wrong."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(s in text for s in ("readonly database", "read-only transaction", "read only transaction",
                                   "read-only file system", "permission denied"))


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
