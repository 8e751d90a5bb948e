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
