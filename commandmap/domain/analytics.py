"""Figures for the analyst's charts: where the 1-minute and 5-minute promises fail.

Pure: incidents' stage times in (`domain.sla.StageTimes`), distributions and rates out.
Durations come from `domain.sla.stage_durations` and promise rates from
`domain.kpi.response_kpis`, so a chart never disagrees with the KPI strip or the wall.
Percentiles are numpy's default (linear interpolation between order statistics) over
the incidents that reached the stage; an empty stage has no percentile (None).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from .kpi import ResponseKpis, response_kpis
from .sla import ARRIVAL_DEADLINE_S, CONTACT_DEADLINE_S, StageTimes, stage_durations

BEIJING = timezone(timedelta(hours=8))

#: chart stages: (key, field of StageDurations, target seconds or None)
STAGES: tuple[tuple[str, str, float | None], ...] = (
    ("reported_to_dispatched", "to_dispatch_s", 60.0),          # the commander's minute to send someone
    ("dispatched_to_acknowledged", "to_contact_s", CONTACT_DEADLINE_S),
    ("dispatched_to_arrived", "to_arrival_s", ARRIVAL_DEADLINE_S),
)


@dataclass(frozen=True)
class Distribution:
    """Durations of one stage (seconds, the incidents that reached it) and their marks."""

    stage: str
    values_s: np.ndarray
    p50_s: float | None
    p90_s: float | None
    target_s: float | None
    within_target: float | None      # share of values_s <= target_s

    @property
    def n(self) -> int:
        return int(len(self.values_s))


def percentile(values: np.ndarray, q: float) -> float | None:
    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    return None if len(v) == 0 else float(np.percentile(v, q))


def distributions(stages: Sequence[StageTimes]) -> dict[str, Distribution]:
    """The response-time distribution of each chart stage, with p50/p90 and the share within target."""
    durations = [stage_durations(s) for s in stages]
    out = {}
    for key, field, target in STAGES:
        vals = np.array([getattr(d, field) for d in durations if getattr(d, field) is not None], np.float64)
        within = None if target is None or len(vals) == 0 else float(np.mean(vals <= target))
        out[key] = Distribution(key, vals, percentile(vals, 50), percentile(vals, 90), target, within)
    return out


def compliance_by(stages: Sequence[StageTimes], keys: Sequence[Hashable], now_s: float) -> dict[Hashable, ResponseKpis]:
    """The promise rates (domain.kpi) of each group of incidents, e.g. by district or hour."""
    if len(keys) != len(stages):
        raise ValueError(f"compliance_by: {len(stages)} incidents but {len(keys)} keys")
    groups: dict[Hashable, list[StageTimes]] = {}
    for key, st in zip(keys, stages):
        groups.setdefault(key, []).append(st)
    return {k: response_kpis(v, now_s) for k, v in groups.items()}


def hour_of_day(t_s: float) -> int:
    """Beijing hour (0–23) of an epoch time: the city works by its wall clock."""
    return datetime.fromtimestamp(t_s, BEIJING).hour


def compliance_by_hour(stages: Sequence[StageTimes], now_s: float) -> dict[int, ResponseKpis]:
    """By the hour of day the incident was reported; every hour 0–23 is present."""
    by = compliance_by(stages, [hour_of_day(s.reported_s) for s in stages], now_s)
    empty = response_kpis([], now_s)
    return {h: by.get(h, empty) for h in range(24)}  # type: ignore[misc]


def counts(rows: Sequence[tuple[Hashable, Hashable]]) -> dict[Hashable, dict[Hashable, int]]:
    """Cross-tabulated counts, e.g. incidents by (category, district)."""
    out: dict[Hashable, dict[Hashable, int]] = {}
    for a, b in rows:
        inner = out.setdefault(a, {})
        inner[b] = inner.get(b, 0) + 1
    return out


def busy_share(busy_intervals: Sequence[tuple[float, float | None]], officers: int, start_s: float,
               end_s: float) -> float:
    """Share of `officers` × [start, end) spent on tasks; an open task runs to `end_s`.
    Intervals are clipped to the window."""
    span = end_s - start_s
    if officers <= 0 or span <= 0:
        return math.nan
    busy = 0.0
    for a, b in busy_intervals:
        b = end_s if b is None else b
        busy += max(0.0, min(b, end_s) - max(a, start_s))
    return busy / (officers * span)
