"""A synthetic replay history of any size (officers on circles, a fix every few seconds, incidents
with tasks), for the replay benchmark and the frame-time test: no store needed, and fixes
are generated per chunk exactly as a store read would hand them over."""

from __future__ import annotations

import numpy as np

from ..services.replay import FixChunk, ReplayHistory

CRS = "EPSG:32651"


def synthetic_history(base_xy: np.ndarray, span_s: float, *, fix_interval_s: float = 10.0, incidents: int = 5000,
                      chunk_s: float = 300.0, stale_after_s: float = 120.0, start_s: float = 1_764_000_000.0,
                      seed: int = 3) -> ReplayHistory:
    """Officers (one per row of `base_xy`, map metres) circling their base, each reporting every
    `fix_interval_s` (staggered); `incidents` incidents reported over the span, each with a task."""
    rng = np.random.default_rng(seed)
    n = len(base_xy)
    phase = rng.uniform(0, fix_interval_s, n)
    radius = rng.uniform(50, 400, n)
    omega = rng.uniform(2e-4, 2e-3, n)

    def source(lo_s: float, hi_s: float, hi_inclusive: bool) -> FixChunk:
        first = np.ceil((lo_s - start_s - phase) / fix_interval_s)
        last = np.floor((hi_s - start_s - phase) / fix_interval_s)
        last -= (~hi_inclusive) & (start_s + phase + last * fix_interval_s >= hi_s)
        count = np.maximum(last - first + 1, 0).astype(np.int64)
        rank = np.repeat(np.arange(n, dtype=np.int64), count)
        step = np.arange(len(rank)) - np.repeat(np.cumsum(count) - count, count)
        t = start_s + phase[rank] + (first[rank] + step) * fix_interval_s
        angle = omega[rank] * (t - start_s)
        xy = base_xy[rank] + radius[rank, None] * np.column_stack([np.cos(angle), np.sin(angle)])
        heading = np.degrees(angle + np.pi / 2).astype(np.float32) % 360
        return FixChunk(rank, t, xy, heading)        # already sorted by (officer, time)

    r = ReplayHistory.__new__(ReplayHistory)
    r.start_s, r.end_s, r.stale_after_s, r.crs = start_s, start_s + span_s, stale_after_s, CRS
    r.officer_ids = np.arange(1, n + 1, dtype=np.int64)
    r.badges = tuple(f"NB{k:05d}" for k in range(1, n + 1))
    r.departments = rng.integers(1, 9, n).astype(np.int32)
    def last_source(lo_s: float, hi_s: float) -> FixChunk:
        # every officer reports once per interval: its last fix before hi lies in the interval before it
        chunk = source(max(lo_s, hi_s - fix_interval_s), hi_s, False)
        last = chunk.last_per_officer()
        return FixChunk(chunk.rank[last], chunk.t_s[last], chunk.xy[last], chunk.heading_deg[last])

    r._init_fixes(source, last_source, chunk_s)
    m = incidents
    r._task_ids = np.arange(m, dtype=np.int64)
    r._task_incident = np.arange(m, dtype=np.int64)
    r._task_officer_rank = rng.integers(0, n, m)
    d = start_s + np.sort(rng.uniform(0, span_s, m))
    r._task_stage = {"dispatched_at": d, "acknowledged_at": d + 20, "en_route_at": d + 25, "arrived_at": d + 240,
                     "completed_at": d + 1200}
    r._task_eta = np.full(m, 240.0)
    r._task_route = [[] for _ in range(m)]
    r.incident_ids = np.arange(m, dtype=np.int64)
    r._inc_codes = tuple(f"NB-{k:05d}" for k in range(m))
    r._inc_categories = ("占道经营",) * m
    r._inc_priority = rng.integers(1, 5, m).astype(np.int8)
    r._inc_xy = base_xy[rng.integers(0, n, m)] + rng.normal(0, 30, (m, 2))
    r._inc_reported = d - 30
    r._inc_ended = np.full(m, np.nan)
    r._shown = []
    return r
