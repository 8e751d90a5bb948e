"""When incidents happen: a time-of-day rhythm and Poisson arrivals (pure).

The hourly shape follows what an urban enforcement hotline sees: quiet before
dawn, a morning rise as shops and sites open, a lunch peak (street vending,
catering), and an evening peak (night markets, noise, cooking fumes) that fades
after 22:00. The weights average to 1, so `incidents_per_hour` is the daily mean.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

CITY_TZ = timezone(timedelta(hours=8))

_SHAPE = np.array([
    0.25, 0.18, 0.14, 0.12, 0.14, 0.25,   # 00–05
    0.55, 0.95, 1.35, 1.55, 1.60, 1.70,   # 06–11
    1.65, 1.35, 1.30, 1.35, 1.40, 1.50,   # 12–17
    1.65, 1.75, 1.60, 1.30, 0.90, 0.50,   # 18–23
])
HOURLY_WEIGHT: np.ndarray = _SHAPE / _SHAPE.mean()


def rate_multiplier(epoch_s: float) -> float:
    """Relative incident rate at a moment (local time), interpolated between hours."""
    local = datetime.fromtimestamp(epoch_s, CITY_TZ)
    h = local.hour + local.minute / 60.0 + local.second / 3600.0
    i = int(h) % 24
    frac = h - int(h)
    return float(HOURLY_WEIGHT[i] * (1 - frac) + HOURLY_WEIGHT[(i + 1) % 24] * frac)


def arrival_times(rng: np.random.Generator, per_hour: float, t0_s: float, t1_s: float) -> np.ndarray:
    """Arrival times in [t0, t1) of a Poisson process whose rate follows the rhythm (thinning)."""
    if t1_s <= t0_s or per_hour <= 0:
        return np.zeros(0)
    peak = per_hour * float(HOURLY_WEIGHT.max()) / 3600.0
    n = int(rng.poisson(peak * (t1_s - t0_s)))
    times = np.sort(rng.uniform(t0_s, t1_s, n))
    keep = rng.random(n) * float(HOURLY_WEIGHT.max()) <= np.array([rate_multiplier(t) for t in times])
    return times[keep]
