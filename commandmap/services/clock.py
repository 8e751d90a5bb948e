"""Time conventions of the live services: UTC everywhere, epoch seconds in arrays.

SQLite keeps SQLAlchemy DateTime as text "YYYY-MM-DD HH:MM:SS.ffffff" without a
zone, so every writer must store UTC in exactly that shape (text comparison is
time comparison only then). Hot paths format many timestamps at once here
instead of paying for one `datetime` per fix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

Clock = Callable[[], float]   # returns epoch seconds; the simulator passes its own


def wall_clock() -> float:
    return time.time()


def to_epoch(at: datetime | None) -> float | None:
    """Epoch seconds of a stored timestamp (naive values are UTC, as stored on SQLite)."""
    if at is None:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.timestamp()


def from_epoch(seconds: float) -> datetime:
    """An aware UTC datetime, rounded to the microsecond the store keeps."""
    us = int(round(seconds * 1e6))
    return datetime.fromtimestamp(us // 1_000_000, UTC).replace(microsecond=us % 1_000_000)


_FEW_TIMESTAMPS = 64
_YEAR_10000_S = 253_402_300_800


def _few_timestamps(whole: list[int], frac: list[int]) -> list[str]:
    prefixes: dict[int, str] = {}
    out = []
    for w, f in zip(whole, frac):
        prefix = prefixes.get(w)
        if prefix is None:
            prefix = prefixes[w] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(w))
        out.append(f"{prefix}.{f:06d}")
    return out


def sqlite_timestamps(seconds: np.ndarray) -> list[str]:
    """Many epoch seconds as SQLAlchemy's SQLite DATETIME text, vectorised.

    A tick's fixes share few distinct seconds: format those once, then write the
    microsecond digits with integer arithmetic.
    """
    secs = np.asarray(seconds, dtype=np.float64)
    if len(secs) == 0:
        return []
    us = np.round(secs * 1e6).astype(np.int64)
    whole = us // 1_000_000
    frac = us - whole * 1_000_000
    if len(secs) <= _FEW_TIMESTAMPS and 0 <= whole.min() and whole.max() < _YEAR_10000_S:
        return _few_timestamps(whole.tolist(), frac.tolist())   # a tick's received-at, a small tick: the
        #                                                           array set-up below costs more than this
    uniq, inv = np.unique(whole, return_inverse=True)
    prefix = np.datetime_as_string(uniq.astype("datetime64[s]"), unit="s").astype("S19")
    buf = np.empty((len(secs), 26), dtype=np.uint8)
    buf[:, :19] = prefix.view(np.uint8).reshape(-1, 19)[inv]
    buf[:, 10] = ord(" ")
    buf[:, 19] = ord(".")
    for k in range(6):
        buf[:, 25 - k] = (frac // 10 ** k) % 10 + ord("0")
    return buf.view("S26").ravel().astype("U26").tolist()


def parse_timestamps(values: list) -> np.ndarray:
    """Epoch seconds from what a driver returned: SQLite text, datetimes, or None (-> NaN)."""
    out = np.full(len(values), np.nan)
    if not values:
        return out
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return out
    if isinstance(sample, str):
        present = np.array([v is not None for v in values])
        strings = np.array([v for v in values if v is not None])
        stamps = strings.astype("datetime64[us]").astype(np.int64) / 1e6
        out[present] = stamps
        return out
    for i, v in enumerate(values):
        if v is not None:
            out[i] = to_epoch(v)
    return out
