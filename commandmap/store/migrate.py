"""Schema migrations run from code: upgrade to head, refuse a newer store.

Alembic's scripts ship inside the package (`migrations/`), so an installed
wheel can upgrade a store with no alembic.ini. The revision check and the
upgrade happen in one transaction under a lock, so two seats starting at
once never both migrate, and a store written by a newer CommandMap is
refused instead of being migrated down or misread.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from .engine import is_read_only_error, open_engine
from .errors import SchemaTooNew, StoreError, StoreReadOnly
from .schema import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key for "someone is migrating this database"
_MIGRATE_LOCK_KEY = 0x636D_6D69  # "cmmi"


def _config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest revision this code knows."""
    head = _scripts().get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def _current(conn: Connection) -> str | None:
    heads = MigrationContext.configure(conn).get_current_heads()
    if len(heads) > 1:
        url = conn.engine.url.render_as_string(hide_password=True)
        raise StoreError(f"store {url} records {len(heads)} schema revisions in alembic_version "
                         f"({', '.join(sorted(heads))}); a store has exactly one: it was edited by hand or "
                         "damaged, repair the table (the store was not changed)")
    return heads[0] if heads else None


def current_revision(engine: Engine) -> str | None:
    """The store's revision, or None for a store never migrated."""
    with engine.connect().execution_options(read_only=True) as conn:
        return _current(conn)


def is_known_revision(revision: str) -> bool:
    """Whether this code ships `revision` (False for a store written by newer code)."""
    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def _refuse_unknown(revision: str | None, url: str) -> None:
    if revision is not None and not is_known_revision(revision):
        raise SchemaTooNew(
            f"store {url} has schema revision {revision!r}, which this CommandMap does not know "
            f"(its newest is {head_revision()!r}): it was written by a newer version; "
            "upgrade CommandMap instead (the store was not changed)")


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATE_LOCK_KEY})
    # SQLite: the engine's BEGIN IMMEDIATE already holds the write lock


def _refuse_unversioned_tables(conn: Connection, url: str) -> None:
    """A store without a revision must be empty: another program's file gets no tables of ours."""
    found = set(inspect(conn).get_table_names())
    ours = set(metadata.tables) & found
    if ours:
        raise StoreError(
            f"store {url} has CommandMap tables ({', '.join(sorted(ours)[:3])}, …) but no schema "
            "revision: it was not created by `commandmap db upgrade`; refusing to touch it")
    if found:
        raise StoreError(
            f"store {url} is not empty and not a CommandMap store (it holds {', '.join(sorted(found)[:3])}"
            f"{', …' if len(found) > 3 else ''}): refusing to add tables to another program's data")


def _display(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def upgrade(engine: Engine) -> str:
    """Migrate to head (never down) and return the revision now in force."""
    url = _display(engine)
    try:
        return _upgrade(engine, url)
    except SQLAlchemyError as exc:
        if is_read_only_error(exc):
            raise StoreReadOnly(f"store {url} is read-only (it refuses writes): cannot migrate it") from None
        raise


def _upgrade(engine: Engine, url: str) -> str:
    with engine.begin() as conn:
        _lock(conn)
        before = _current(conn)
        _refuse_unknown(before, url)
        if before is None:
            _refuse_unversioned_tables(conn, url)
        head = head_revision()
        if before != head:
            command.upgrade(_config(conn), "head")
        return head


def refuse_read_only(engine: Engine) -> None:
    """A writing command on a store that refuses writes says so now, in one line, before any work:
    found by a real write (rolled back), since a read-only file, folder, mount, replica or role all
    look writable to os.access when running as root."""
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = version_num")
            conn.rollback()
    except SQLAlchemyError as exc:
        if is_read_only_error(exc):
            raise StoreReadOnly(f"store {_display(engine)} is read-only (it refuses writes): "
                                "this command writes; use a writable copy") from None
        raise


def ensure_schema(engine: Engine) -> None:
    """Upgrade a store that is behind; refuse one written by newer code.

    Cheap when already at head (one read, no write lock), so every seat can
    call it on start-up."""
    current = current_revision(engine)
    _refuse_unknown(current, _display(engine))
    if current != head_revision():
        upgrade(engine)


def open_store(url: str | None = None, *, upgrade: bool = True) -> Engine:
    """An engine on a store at head: `open_engine` then `ensure_schema`.

    With `upgrade=False` a store that is behind is refused with the command
    that fixes it, for callers that must not write (read-only viewers)."""
    engine = open_engine(url)
    try:
        if upgrade:
            ensure_schema(engine)
            refuse_read_only(engine)
        else:
            current = current_revision(engine)
            _refuse_unknown(current, _display(engine))
            if current != head_revision():
                from .errors import SchemaMissing
                raise SchemaMissing(
                    f"store {_display(engine)} is at schema revision {current or 'none'}, "
                    f"this CommandMap needs {head_revision()!r}: run `commandmap db upgrade`")
    except BaseException:
        engine.dispose()
        raise
    return engine
