"""Packed position batches: the officers one ingest moved, as one blob in the change feed.

A 25,000-fix tick moves the whole city. Re-reading 25,000 `officer_position`
rows costs every seat 20-60 ms on PostgreSQL (and more as the table bloats
between vacuums); reading the tick's own packed arrays costs a few. So the
writer stores, beside its change row, exactly the latest good fix it wrote for
each moved officer, and a seat replays it with the store's own rule: a fix only
replaces an officer's position when it is strictly newer. Replaying is
idempotent and order-tolerant, so a seat that loaded the table mid-tick, or two
writers' batches arriving interleaved, end where the table ends.

Layout (little-endian): 16-byte header `b"CMPB"`, version u8, 3 pad bytes,
count u32, 4 pad bytes; then the columns one after another: officer id i4,
lon f8, lat f8, heading f4 (NaN = unknown), fix time as integer microseconds
since the epoch i8 (the precision the store keeps, so "newer" means the same
thing in the blob and in the table).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MAGIC = b"CMPB"
VERSION = 1
_HEADER = struct.Struct("<4sB3xI4x")
_COLUMNS: tuple[tuple[str, str], ...] = (("officer_id", "<i4"), ("lon", "<f8"), ("lat", "<f8"),
                                         ("heading_deg", "<f4"), ("fix_time_us", "<i8"))
BYTES_PER_FIX = sum(np.dtype(dt).itemsize for _, dt in _COLUMNS)
_ID_MAX = np.iinfo(np.int32).max


def to_microseconds(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds as the integer microseconds the store keeps (round half to even, like PostgreSQL)."""
    return np.rint(np.asarray(seconds, np.float64) * 1e6).astype(np.int64)


@dataclass(frozen=True)
class PositionBatch:
    """Latest good fixes of some officers, in the order they were written."""

    officer_id: np.ndarray     # int64
    lon: np.ndarray            # float64
    lat: np.ndarray            # float64
    heading_deg: np.ndarray    # float32, NaN where unknown
    fix_time_us: np.ndarray    # int64 microseconds since the epoch

    @classmethod
    def from_seconds(cls, officer_id: np.ndarray, lon: np.ndarray, lat: np.ndarray, heading_deg: np.ndarray,
                     fix_time_s: np.ndarray) -> PositionBatch:
        return cls(np.asarray(officer_id, np.int64), np.asarray(lon, np.float64), np.asarray(lat, np.float64),
                   np.asarray(heading_deg, np.float32), to_microseconds(fix_time_s))

    def __post_init__(self) -> None:
        n = len(self.officer_id)
        for name, _ in _COLUMNS[1:]:
            if len(getattr(self, name)) != n:
                raise ValueError(f"PositionBatch.{name} has {len(getattr(self, name))} values, officer_id has {n}")

    def __len__(self) -> int:
        return len(self.officer_id)

    @property
    def fix_time_s(self) -> np.ndarray:
        return self.fix_time_us / 1e6

    def to_bytes(self) -> bytes:
        ids = self.officer_id
        if len(ids) and (ids.min() < 1 or ids.max() > _ID_MAX):
            raise ValueError(f"officer ids must lie in 1..{_ID_MAX} to be packed")
        parts = [_HEADER.pack(MAGIC, VERSION, len(self))]
        parts += [np.ascontiguousarray(getattr(self, name), dtype=dt).tobytes() for name, dt in _COLUMNS]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, blob: bytes | memoryview) -> PositionBatch:
        """Unpack; a blob that is not exactly one batch of this version is refused, never half-read."""
        view = memoryview(blob)
        if len(view) < _HEADER.size:
            raise ValueError(f"position batch of {len(view)} bytes is shorter than its {_HEADER.size}-byte header")
        magic, version, n = _HEADER.unpack_from(view)
        if magic != MAGIC:
            raise ValueError(f"not a position batch (magic {bytes(magic)!r})")
        if version != VERSION:
            raise ValueError(f"position batch version {version} is not {VERSION}")
        if len(view) != _HEADER.size + n * BYTES_PER_FIX:
            raise ValueError(f"position batch says {n} fixes ({_HEADER.size + n * BYTES_PER_FIX} bytes) "
                             f"but holds {len(view)} bytes")
        cols, offset = {}, _HEADER.size
        for name, dt in _COLUMNS:
            cols[name] = np.frombuffer(view, dtype=dt, count=n, offset=offset).astype(dt[1:])
            offset += n * np.dtype(dt).itemsize
        cols["officer_id"] = cols["officer_id"].astype(np.int64)
        return cls(**cols)

    @classmethod
    def concat(cls, batches: Sequence[PositionBatch]) -> PositionBatch:
        if not batches:
            return cls.from_seconds(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
        return cls(*(np.concatenate([getattr(b, name) for b in batches]) for name, _ in _COLUMNS))

    def newest_per_officer(self) -> PositionBatch:
        """One fix per officer: the newest; on equal times the first written (the store keeps that one too,
        since it only replaces a position with a strictly newer fix)."""
        if len(self) == 0:
            return self
        order = np.lexsort((np.arange(len(self)), -self.fix_time_us, self.officer_id))
        ids = self.officer_id[order]
        first = order[np.r_[True, ids[1:] != ids[:-1]]]
        return PositionBatch(*(getattr(self, name)[first] for name, _ in _COLUMNS))
