"""The position-fix validator: one verdict per fix, decided the same way for every feed.

Pure and vectorised (numpy): the ingest service keeps a `TrackTable` of each
officer's last good fix in memory, asks `validate_batch` for verdicts, writes,
and only then calls `TrackTable.apply` — so a failed write never advances the
validator past what the store holds.

Fixes of one officer inside a batch are judged in arrival order ("rounds"), so a
batch behaves exactly like the same fixes sent one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from .enums import FixVerdict, TravelMode

#: verdict codes used in int8 arrays; index into this tuple gives the FixVerdict
VERDICTS: tuple[FixVerdict, ...] = tuple(FixVerdict)
CODE: dict[FixVerdict, int] = {v: i for i, v in enumerate(VERDICTS)}
GOOD = CODE[FixVerdict.GOOD]
DUPLICATE = CODE[FixVerdict.DUPLICATE]
OUT_OF_ORDER = CODE[FixVerdict.OUT_OF_ORDER]
OUT_OF_RANGE = CODE[FixVerdict.OUT_OF_RANGE]
NULL_ISLAND = CODE[FixVerdict.NULL_ISLAND]
OUTSIDE_CITY = CODE[FixVerdict.OUTSIDE_CITY]
FUTURE = CODE[FixVerdict.FUTURE]
STALE = CODE[FixVerdict.STALE]
JUMP = CODE[FixVerdict.JUMP]
UNKNOWN_DEVICE = CODE[FixVerdict.UNKNOWN_DEVICE]

#: verdicts whose fix is kept in position_fix history (the others cannot be stored
#: meaningfully: no officer, no valid coordinate, or already stored)
STORED_CODES: frozenset[int] = frozenset({GOOD, OUT_OF_ORDER, OUTSIDE_CITY, FUTURE, STALE, JUMP})

#: officer ids are 32-bit in the store; anything beyond cannot be one of ours
ID_LIMIT = 2**31 - 1

#: an officer whose last good fix is older than this is shown stale and not recommended
DEFAULT_STALE_AFTER_S = 120.0

EARTH_RADIUS_M = 6_371_008.8

# Top plausible ground speeds: a sprinting officer, a fast e-bike, a car on an
# expressway. Generous on purpose: a jump flag must mean "physically impossible".
DEFAULT_MAX_SPEED_MPS: Mapping[TravelMode, float] = {
    TravelMode.FOOT: 7.0,
    TravelMode.EBIKE: 15.0,
    TravelMode.CAR: 45.0,
}


@dataclass(frozen=True)
class FixRules:
    """Thresholds of the validator (one place, shared by all feeds)."""

    max_speed_mps: Mapping[TravelMode, float] = field(default_factory=lambda: dict(DEFAULT_MAX_SPEED_MPS))
    jump_slack_m: float = 150.0        # GPS noise allowed on top of the speed limit
    future_tolerance_s: float = 30.0   # phone clocks drift; more than this is a broken clock
    stale_after_s: float = 600.0       # older than this on arrival: history only, never moves anyone
    envelope: tuple[float, float, float, float] | None = None  # lon_min, lat_min, lon_max, lat_max
    null_island_deg: float = 1e-3
    # history keeps future/stale fixes only this close to now: anything further is judged (future or
    # stale) but never written, so an epoch sent in µs (1.7e15) cannot reach a store that cannot hold it
    history_max_ahead_s: float = 86_400.0
    history_max_age_s: float = 366 * 86_400.0

    def speed_for(self, mode: str | TravelMode) -> float:
        return float(self.max_speed_mps[TravelMode(mode)])


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres (vectorised)."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    metres: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return metres


@dataclass
class TrackTable:
    """Per-officer validator state, in slots: last good fix and a pending (unconfirmed) jump.

    Times are epoch seconds (float); NaN means "none yet".
    """

    officer_ids: np.ndarray     # (n,) int64, sorted
    max_speed_mps: np.ndarray   # (n,) float64
    good_t: np.ndarray
    good_lon: np.ndarray
    good_lat: np.ndarray
    pend_t: np.ndarray
    pend_lon: np.ndarray
    pend_lat: np.ndarray

    @classmethod
    def build(cls, officer_ids: np.ndarray, max_speed_mps: np.ndarray) -> TrackTable:
        ids = np.asarray(officer_ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        n = len(ids)

        def nan() -> np.ndarray:
            return np.full(n, np.nan)

        return cls(ids[order], np.asarray(max_speed_mps, dtype=np.float64)[order],
                   nan(), nan(), nan(), nan(), nan(), nan())

    def slots(self, officer_ids: np.ndarray) -> np.ndarray:
        """Slot of each officer id; -1 for an id this table does not know."""
        ids = np.asarray(officer_ids, dtype=np.int64)
        if len(self.officer_ids) == 0:
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.searchsorted(self.officer_ids, ids)
        pos_c = np.minimum(pos, len(self.officer_ids) - 1)
        return np.where(self.officer_ids[pos_c] == ids, pos_c, -1).astype(np.int64)

    def seed_good(self, officer_ids: np.ndarray, t: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> None:
        """Load last good fixes (from officer_position) at start-up."""
        s = self.slots(officer_ids)
        ok = s >= 0
        self.good_t[s[ok]] = np.asarray(t, dtype=np.float64)[ok]
        self.good_lon[s[ok]] = np.asarray(lon, dtype=np.float64)[ok]
        self.good_lat[s[ok]] = np.asarray(lat, dtype=np.float64)[ok]

    def apply(self, update: TrackUpdate) -> None:
        """Fold a committed batch's outcome in (call only after the write committed)."""
        s = update.slots
        self.good_t[s], self.good_lon[s], self.good_lat[s] = update.good_t, update.good_lon, update.good_lat
        self.pend_t[s], self.pend_lon[s], self.pend_lat[s] = update.pend_t, update.pend_lon, update.pend_lat


@dataclass(frozen=True)
class TrackUpdate:
    """New state for the slots a batch touched."""

    slots: np.ndarray
    good_t: np.ndarray
    good_lon: np.ndarray
    good_lat: np.ndarray
    pend_t: np.ndarray
    pend_lon: np.ndarray
    pend_lat: np.ndarray

    def moved(self, table: TrackTable) -> np.ndarray:
        """Slots whose last good fix changes (these officers move on the map)."""
        before = table.good_t[self.slots]
        changed = ~np.isnan(self.good_t) & ((self.good_t != before) | np.isnan(before))
        moved: np.ndarray = self.slots[changed]
        return moved


@dataclass(frozen=True)
class BatchVerdicts:
    codes: np.ndarray            # (m,) int8 index into VERDICTS, one per input fix
    slots: np.ndarray            # (m,) slot per fix, -1 unknown device
    update: TrackUpdate
    confirmed_slot: np.ndarray   # officers whose earlier jump fix is now confirmed ...
    confirmed_t: np.ndarray      # ... and that fix's time (its verdict becomes good)

    def count(self, verdict: FixVerdict) -> int:
        return int(np.count_nonzero(self.codes == CODE[verdict]))

    def verdict(self, i: int) -> FixVerdict:
        return VERDICTS[int(self.codes[i])]


def officer_id_array(raw: object) -> tuple[np.ndarray, np.ndarray]:
    """(int64 ids, valid mask) from what a feed sent: 3.7, NaN, 1e300, True or '7' are not officer ids
    (never truncated to one); invalid entries get id -1 and must be judged unknown_device."""
    arr = np.asarray(raw)
    n = len(arr) if arr.ndim else 0
    ids = np.full(n, -1, dtype=np.int64)
    if arr.ndim != 1 or n == 0:
        return ids, np.zeros(n, dtype=bool)
    if arr.dtype.kind in "iu":
        valid = (arr >= -ID_LIMIT) & (arr <= ID_LIMIT) if arr.dtype.kind == "i" else arr <= ID_LIMIT
        ids[valid] = arr[valid].astype(np.int64)
        return ids, valid
    if arr.dtype.kind == "f":
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(arr) & (np.abs(arr) <= ID_LIMIT)
            valid[valid] &= arr[valid] == np.floor(arr[valid])
        ids[valid] = arr[valid].astype(np.int64)
        return ids, valid
    valid = np.zeros(n, dtype=bool)
    if arr.dtype.kind == "O":
        for i, v in enumerate(arr.tolist()):
            if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and abs(int(v)) <= ID_LIMIT:
                ids[i], valid[i] = int(v), True
    return ids, valid


def clean_optional(values: np.ndarray, *, low: float, high: float, wrap: float | None = None) -> np.ndarray:
    """An optional measurement (speed, heading, accuracy) as stored: NaN (NULL) unless finite and in
    [low, high]; with `wrap`, a finite value is taken modulo it first (heading 370 = 10)."""
    v = np.array(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if wrap is not None:
            fin = np.isfinite(v) & (np.abs(v) < 1e12)
            v[fin] = np.mod(v[fin], wrap)
        v[~(np.isfinite(v) & (v >= low) & (v <= high))] = np.nan
    return v


def storable(rules: FixRules, codes: np.ndarray, t: np.ndarray, now_s: float) -> np.ndarray:
    """Which fixes go to position_fix history: a stored verdict AND a time near enough to now that
    every backend holds it and reads it back (absurd times keep their verdict, unwritten)."""
    t = np.asarray(t, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        near = (t >= now_s - rules.history_max_age_s) & (t <= now_s + rules.history_max_ahead_s)
    return np.isin(codes, list(STORED_CODES)) & near


def static_checks(rules: FixRules, lon: np.ndarray, lat: np.ndarray, t: np.ndarray,
                  now_s: float) -> np.ndarray:
    """Verdicts that need no history: range, (0,0), envelope, clock sanity. -1 = passed."""
    codes = np.full(len(lon), -1, dtype=np.int8)
    bad_range = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0) & (np.abs(lat) <= 90.0)
                  & np.isfinite(t))
    codes[bad_range] = OUT_OF_RANGE
    free = codes < 0
    null = free & (np.abs(lon) < rules.null_island_deg) & (np.abs(lat) < rules.null_island_deg)
    codes[null] = NULL_ISLAND
    if rules.envelope is not None:
        x0, y0, x1, y1 = rules.envelope
        out = (codes < 0) & ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        codes[out] = OUTSIDE_CITY
    codes[(codes < 0) & (t > now_s + rules.future_tolerance_s)] = FUTURE
    codes[(codes < 0) & (t < now_s - rules.stale_after_s)] = STALE
    return codes


def _occurrence_rank(slots: np.ndarray) -> np.ndarray:
    """0 for an officer's first fix in the batch, 1 for its second, … (arrival order)."""
    order = np.argsort(slots, kind="stable")
    ss = slots[order]
    starts = np.r_[0, np.flatnonzero(ss[1:] != ss[:-1]) + 1]
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(ss)]))
    rank = np.empty(len(slots), dtype=np.int64)
    rank[order] = np.arange(len(ss)) - group_start
    return rank


def validate_batch(table: TrackTable, rules: FixRules, officer_ids: np.ndarray, lon: np.ndarray,
                   lat: np.ndarray, t: np.ndarray, now_s: float) -> BatchVerdicts:
    """Judge a batch of fixes (arrival order) against the officers' histories.

    Does not change `table`; apply `result.update` once the batch is stored.
    """
    lon = np.asarray(lon, dtype=np.float64)
    lat = np.asarray(lat, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    ids, valid_id = officer_id_array(officer_ids)
    slots = table.slots(ids)
    slots[~valid_id] = -1
    with np.errstate(invalid="ignore", over="ignore"):
        codes = static_checks(rules, lon, lat, t, now_s)
    codes[slots < 0] = UNKNOWN_DEVICE

    live = np.flatnonzero(codes < 0)
    touched = np.unique(slots[live])
    # working copies of the touched slots; `local` maps slot -> row in the copies
    g_t, g_lon, g_lat = table.good_t[touched].copy(), table.good_lon[touched].copy(), table.good_lat[touched].copy()
    p_t, p_lon, p_lat = table.pend_t[touched].copy(), table.pend_lon[touched].copy(), table.pend_lat[touched].copy()
    vmax = table.max_speed_mps[touched]
    local = np.searchsorted(touched, slots[live])
    conf_slot: list[np.ndarray] = []
    conf_t: list[np.ndarray] = []

    rank = _occurrence_rank(local) if len(live) else np.zeros(0, np.int64)
    for r in range(int(rank.max()) + 1 if len(rank) else 0):
        sel = rank == r
        fi = live[sel]          # fix indices in this round (distinct officers)
        k = local[sel]          # their rows in the working copies
        ft, flon, flat = t[fi], lon[fi], lat[fi]
        out = np.full(len(fi), -1, dtype=np.int8)

        out[(ft == g_t[k]) | (ft == p_t[k])] = DUPLICATE
        has_good = ~np.isnan(g_t[k])
        out[(out < 0) & has_good & (ft < g_t[k])] = OUT_OF_ORDER

        judge = out < 0
        first = judge & ~has_good
        out[first] = GOOD
        rest = judge & has_good
        d_good = haversine_m(g_lon[k], g_lat[k], flon, flat)
        plausible = d_good <= vmax[k] * (ft - g_t[k]) + rules.jump_slack_m
        out[rest & plausible] = GOOD
        jumped = rest & ~plausible
        has_pend = ~np.isnan(p_t[k]) & (ft > p_t[k])
        d_pend = haversine_m(p_lon[k], p_lat[k], flon, flat)
        confirms = jumped & has_pend & (d_pend <= vmax[k] * (ft - p_t[k]) + rules.jump_slack_m)
        out[confirms] = GOOD
        if confirms.any():
            conf_slot.append(touched[k[confirms]])
            conf_t.append(p_t[k[confirms]].copy())
        new_jump = jumped & ~confirms
        out[new_jump] = JUMP

        good = out == GOOD
        kg = k[good]
        g_t[kg], g_lon[kg], g_lat[kg] = ft[good], flon[good], flat[good]
        p_t[kg] = np.nan
        p_lon[kg] = np.nan
        p_lat[kg] = np.nan
        kj = k[new_jump]
        p_t[kj], p_lon[kj], p_lat[kj] = ft[new_jump], flon[new_jump], flat[new_jump]
        codes[fi] = out

    update = TrackUpdate(touched, g_t, g_lon, g_lat, p_t, p_lon, p_lat)
    cs = np.concatenate(conf_slot) if conf_slot else np.zeros(0, np.int64)
    ct = np.concatenate(conf_t) if conf_t else np.zeros(0)
    return BatchVerdicts(codes, slots, update, cs, ct)
