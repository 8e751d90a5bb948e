"""Human-readable incident codes, unique per day: NB-20261125-0042.

The prefix names the city: the generated Ningbo demo's is NB (a store with no
recorded prefix keeps it), an imported city's is its city.toml `code_prefix`
(default from its name, see `default_prefix`), recorded in city_meta.
The day is Ningbo's calendar day (UTC+8, no daylight saving), because that is
the day a dispatcher reads on the wall clock. The number is allocated inside the
creating transaction under a lock (SQLite's write lock; a PostgreSQL advisory
lock per day), so two seats creating incidents at once never draw the same code.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Connection, func, select, text

from ..store.repos import get_meta
from ..store.schema import incident

CITY_PREFIX = "NB"               # the demo city's (and any store's that records none)
CODE_PREFIX_KEY = "city.code_prefix"
CITY_TZ = timezone(timedelta(hours=8), "CST")
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
_CODE = re.compile(r"^([A-Z][A-Z0-9]{0,7})-(\d{8})-(\d{4,})$")
_LOCK_BASE = 0x636D_0000  # + yyyymmdd modulo 2^16: one advisory lock per day
#: Zhejiang's cities (the province this product serves): the initials of their pinyin
_KNOWN_CITIES = {"杭州": "HZ", "宁波": "NB", "温州": "WZ", "嘉兴": "JX", "湖州": "HUZ", "绍兴": "SX", "金华": "JH",
                 "衢州": "QZ", "舟山": "ZS", "台州": "TZ", "丽水": "LS"}
FALLBACK_PREFIX = "CM"


def check_prefix(prefix: str) -> str:
    """The prefix when it is 1-8 upper-case letters or digits starting with a letter; ValueError otherwise."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise ValueError(f"code prefix {prefix!r} must be 1-8 upper-case letters or digits, starting with a "
                         "letter (e.g. NB)")
    return prefix


def default_prefix(city_name: str) -> str:
    """A city's prefix from its name: a Zhejiang city's pinyin initials (宁波市 -> NB), else the initials
    of the name's Latin words (Test City -> TC; one word: its first two letters), else CM."""
    for name, prefix in _KNOWN_CITIES.items():
        if city_name.strip().startswith(name):
            return prefix
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", city_name)
    if len(words) >= 2:
        return "".join(w[0] for w in words)[:8].upper()
    if words:
        return words[0][:2].upper()
    return FALLBACK_PREFIX


def code_prefix(conn: Connection) -> str:
    """The store's city prefix (NB when none is recorded: the demo city, older stores)."""
    return get_meta(conn, CODE_PREFIX_KEY) or CITY_PREFIX


def city_day(epoch_s: float) -> date:
    return datetime.fromtimestamp(epoch_s, CITY_TZ).date()


def format_code(day: date, number: int, prefix: str = CITY_PREFIX) -> str:
    if number < 1:
        raise ValueError(f"incident number must be >= 1, got {number}")
    return f"{prefix}-{day:%Y%m%d}-{number:04d}"


def parse_code(code: str) -> tuple[date, int]:
    """(day, number) of a code (any city's prefix); ValueError naming the code when it is not one."""
    m = _CODE.match(code)
    if not m:
        raise ValueError(f"{code!r} is not an incident code like {CITY_PREFIX}-20261125-0042")
    return datetime.strptime(m.group(2), "%Y%m%d").date(), int(m.group(3))


def next_code(conn: Connection, epoch_s: float) -> str:
    """The next free code of that day; call inside the transaction that inserts the incident."""
    day = city_day(epoch_s)
    if conn.dialect.name == "postgresql":
        key = _LOCK_BASE + int(f"{day:%Y%m%d}") % 65_536
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
    city = code_prefix(conn)
    prefix = f"{city}-{day:%Y%m%d}-"
    last = conn.execute(select(incident.c.code).where(incident.c.code.like(prefix + "%"))
                        .order_by(func.length(incident.c.code).desc(), incident.c.code.desc()).limit(1)).scalar()
    number = parse_code(last)[1] + 1 if last else 1
    return format_code(day, number, city)
