"""Helpers shared by the practice subcommands (draw, plan-inspection, coverage, kpi)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sqlalchemy import Engine

from ..errors import UserError


def open_city(args: argparse.Namespace) -> Engine:
    """The store named by --db, holding a city (else one clear line and exit 2)."""
    from ..store.migrate import open_store
    from ..store.repos import is_empty

    engine = open_store(getattr(args, "db", None))
    with engine.connect() as conn:
        if is_empty(conn):
            engine.dispose()
            raise UserError(f"store {engine.url.render_as_string(hide_password=True)} has no city yet: "
                            "run `commandmap demo` first")
    return engine


def parse_day(text: str, what: str) -> datetime:
    """YYYY-MM-DD (or a full ISO time) as an aware UTC datetime."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what} {text!r}: expected a date like 2026-12-03") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def parse_ids(text: str, what: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(int(part))
        except ValueError:
            raise UserError(f"{what}: {part!r} is not an id (expected ID,ID,…)") from None
    if not out:
        raise UserError(f"{what}: no ids given")
    return out


ENV_PASSWORD = "COMMANDMAP_PASSWORD"     # the same variable the app reads for --user


def add_user_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAME", default=None,
                        help="log in as NAME (password from $COMMANDMAP_PASSWORD, else asked); needed once "
                             "any account of the store has a password")


def login_from_args(engine: Engine, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Who runs this command: --user logs in (audited, counted towards lock-out); without it a store where
    no account has a password acts as its commander account (the demo); otherwise one clear line."""
    import getpass
    import os
    import socket

    from ..services.users import login, open_store_actor

    seat = f"cli@{socket.gethostname()}"
    user = getattr(args, "user", None)
    if user:
        password = os.environ.get(ENV_PASSWORD)
        if password is None:
            password = getpass.getpass(f"password for {user}: ")
        return login(engine, user, password, seat=seat)
    actor = open_store_actor(engine, seat)
    if actor is None:
        raise UserError(f"--user: this store has logins; give --user NAME (password from ${ENV_PASSWORD} "
                        "or asked)")
    return actor
