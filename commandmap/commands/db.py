"""`commandmap db upgrade|current`: bring a store's schema to this version, or show where it is."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cliargs import add_db_argument


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="manage the store's schema (upgrade, current)",
                                   description=__doc__)
    actions = parser.add_subparsers(dest="db_action", metavar="ACTION", required=True)

    up = actions.add_parser(
        "upgrade", help="migrate the store to this version's schema (never down)",
        description="Migrate the store to the newest schema this CommandMap knows, creating it if "
                    "empty. A store written by a newer CommandMap is refused (exit code 2), never "
                    "migrated down.")
    add_db_argument(up)
    up.set_defaults(func=run_upgrade)

    cur = actions.add_parser(
        "current", help="print the store's schema revision and whether it is up to date",
        description="Print the store's schema revision and this CommandMap's newest one. Changes nothing.")
    add_db_argument(cur)
    cur.set_defaults(func=run_current)


def _engine(args: argparse.Namespace, read_only: bool = False):  # type: ignore[no-untyped-def]
    from ..store.engine import open_engine

    return open_engine(getattr(args, "db", None), read_only=read_only)


def _missing_sqlite_file(url: str | None) -> str | None:
    from sqlalchemy.engine import make_url

    from ..store.engine import _normalise, resolve_db_url

    parsed = make_url(_normalise(resolve_db_url(url)))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    path = Path(parsed.database).expanduser()
    return None if path.exists() or not path.parent.is_dir() else str(path)


def _display_url(url: str | None) -> str:
    from sqlalchemy.engine import make_url

    from ..store.engine import _normalise, resolve_db_url
    return make_url(_normalise(resolve_db_url(url))).render_as_string(hide_password=True)


def _where(engine) -> str:  # type: ignore[no-untyped-def]
    return engine.url.render_as_string(hide_password=True)


def run_upgrade(args: argparse.Namespace) -> int:
    from ..store.migrate import current_revision, upgrade

    engine = _engine(args)
    try:
        before = current_revision(engine)
        after = upgrade(engine)
    finally:
        engine.dispose()
    if before == after:
        print(f"{_where(engine)}: already at {after}")
    else:
        print(f"{_where(engine)}: upgraded {before or '(empty)'} -> {after}")
    return 0


def run_current(args: argparse.Namespace) -> int:
    from ..store.migrate import current_revision, head_revision, is_known_revision

    missing = _missing_sqlite_file(getattr(args, "db", None))
    if missing is not None:  # do not create a file just to say it is empty
        print(f"sqlite:///{missing}: no store yet (run `commandmap db upgrade` to create {head_revision()})")
        return 0
    engine = _engine(args, read_only=True)
    try:
        current = current_revision(engine)
    finally:
        engine.dispose()
    head = head_revision()
    where = _display_url(getattr(args, "db", None))
    if current is None:
        state = f"empty (run `commandmap db upgrade` to create {head})"
    elif current == head:
        state = "up to date"
    elif is_known_revision(current):
        state = f"behind {head} (run `commandmap db upgrade`)"
    else:
        state = f"NEWER than this CommandMap (knows up to {head}): upgrade CommandMap"
    print(f"{where}: {current or '-'} — {state}")
    return 0
