"""Human-readable incident codes, unique per day: NB-20261125-0042.

The day is Ningbo's calendar day (UTC+8, no daylight saving), because that is
the day a dispatcher reads on the wall clock. The number is allocated inside the
creating transaction under a lock (SQLite's write lock; a PostgreSQL advisory
lock per day), so two seats creating incidents at once never draw the same code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Connection, func, select, text

from ..store.schema import incident

CITY_PREFIX = "NB"
CITY_TZ = timezone(timedelta(hours=8), "CST")
_CODE = re.compile(rf"^{CITY_PREFIX}-(\d{{8}})-(\d{{4,}})$")
_LOCK_BASE = 0x636D_0000  # + yyyymmdd modulo 2^16: one advisory lock per day


def city_day(epoch_s: float) -> date:
    return datetime.fromtimestamp(epoch_s, CITY_TZ).date()


def format_code(day: date, number: int) -> str:
    if number < 1:
        raise ValueError(f"incident number must be >= 1, got {number}")
    return f"{CITY_PREFIX}-{day:%Y%m%d}-{number:04d}"


def parse_code(code: str) -> tuple[date, int]:
    """(day, number) of a code; ValueError naming the code when it is not one."""
    m = _CODE.match(code)
    if not m:
        raise ValueError(f"{code!r} is not an incident code like {CITY_PREFIX}-20261125-0042")
    return datetime.strptime(m.group(1), "%Y%m%d").date(), int(m.group(2))


def next_code(conn: Connection, epoch_s: float) -> str:
    """The next free code of that day; call inside the transaction that inserts the incident."""
    day = city_day(epoch_s)
    if conn.dialect.name == "postgresql":
        key = _LOCK_BASE + int(f"{day:%Y%m%d}") % 65_536
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    prefix = f"{CITY_PREFIX}-{day:%Y%m%d}-"
    last = conn.execute(select(incident.c.code).where(incident.c.code.like(prefix + "%"))
                        .order_by(func.length(incident.c.code).desc(), incident.c.code.desc()).limit(1)).scalar()
    number = parse_code(last)[1] + 1 if last else 1
    return format_code(day, number)
