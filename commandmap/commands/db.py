"""`commandmap db upgrade|current|prune`: bring a store's schema to this version, show where it is, or prune
its history (position fixes, change feed) by the retention policy."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cliargs import add_db_argument


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="manage the store's schema and history (upgrade, current, prune)",
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

    from ..services.retention import CHANGE_KEEP_S, FIX_KEEP_DAYS
    prune = actions.add_parser(
        "prune", help="delete position fixes and change-feed rows older than the retention policy",
        description=f"Delete position fixes older than --fixes-days (default {FIX_KEEP_DAYS:g}) before now "
                    f"and change-feed rows older than {CHANGE_KEEP_S / 3600:g} h, and print what was removed. "
                    "On PostgreSQL whole days go (the day partitions wholly older are dropped, so history is "
                    "kept up to a day longer than asked) and the coming days' partitions are created; on "
                    "SQLite rows are deleted in batches. Seats and the simulator keep running: a seat behind "
                    "the pruned feed reloads. The long-running processes prune by themselves every "
                    "10 minutes.")
    add_db_argument(prune)
    prune.add_argument("--fixes-days", metavar="N", default=None,
                       help=f"keep this many days of position fixes (a number > 0; default {FIX_KEEP_DAYS:g})")
    prune.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    prune.set_defaults(func=run_prune)


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


def _fixes_days(text: str | None) -> float:
    import math

    from ..errors import UserError
    from ..services.retention import FIX_KEEP_DAYS

    if text is None:
        return FIX_KEEP_DAYS
    try:
        days = float(text)
    except ValueError:
        days = math.nan
    if not math.isfinite(days) or days <= 0:
        raise UserError(f"--fixes-days must be a number of days > 0, got {text!r}")
    return days


def run_prune(args: argparse.Namespace) -> int:
    import time

    from ..services.retention import RetentionPolicy, prune_history
    from ..store.fix_history import DAY_S
    from ..store.migrate import open_store

    policy = RetentionPolicy(fix_keep_s=_fixes_days(args.fixes_days) * DAY_S)
    engine = open_store(getattr(args, "db", None), upgrade=not args.dry_run)
    try:
        report = prune_history(engine, time.time(), policy, dry_run=args.dry_run)
    finally:
        engine.dispose()
    print(f"{_where(engine)}: {'dry run, nothing removed' if args.dry_run else 'pruned'}")
    for line in report.lines():
        print(f"  {line}")
    return 0
