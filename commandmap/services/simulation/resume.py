"""Where a (re)started simulator's clock begins: never before what the store already holds.

The simulated clock lives in `city_meta["sim_clock"]` as {"wall0", "sim0", "speed"}
(what `LiveState.now` reads: simulated `sim0` was wall time `wall0` and runs `speed`
times faster) plus "now", the last simulated instant the engine reached, and "paced"
(false for `--speed max`, whose mapping is re-anchored at 1x after every step).
A process killed with -9 may have written rows after its last clock record, so the
resume point is also bounded below by the newest stage timestamp in the store:
restarting never rewinds time, so fixes are not flagged out of order and a task's
stages stay in order.
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from ...store.engine import READ_ONLY_OPTION
from ...store.repos import get_meta, set_meta
from ...store.schema import incident, officer_position, task
from ..clock import to_epoch

SIM_CLOCK_KEY = "sim_clock"   # read by commandmap.live.LiveState
# the newest store timestamp is rounded to the microsecond; resume just past it
_PAST_HORIZON_S = 0.001


def read_clock(conn: Connection) -> dict[str, Any] | None:
    """The stored clock record, or None when absent or unreadable."""
    raw = get_meta(conn, SIM_CLOCK_KEY)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
        float(value["wall0"]), float(value["sim0"]), float(value["speed"])
    except (ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def write_clock(engine: Engine, *, wall0_s: float, sim0_s: float, speed: float, now_s: float,
                paced: bool = True) -> None:
    """Store the clock record (one upsert; every seat reloads it through the change feed)."""
    record = {"wall0": float(wall0_s), "sim0": float(sim0_s), "speed": float(speed), "now": float(now_s),
              "paced": bool(paced)}
    with engine.begin() as conn:
        set_meta(conn, SIM_CLOCK_KEY, json.dumps(record))


def _as_epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):   # SQLite returns text from an aggregate over a DATETIME column
        from ..clock import parse_timestamps
        return float(parse_timestamps([value])[0])
    return to_epoch(value)


def resume_point(engine: Engine, start_s: float, wall_s: float | None = None) -> float:
    """The simulated instant to start at: `start_s`, or later when the store is already ahead.

    Later of: `start_s`; the clock record's last reached instant and its mapping at wall
    time `wall_s` (what the seats show); just past the newest timestamp in the store.
    """
    wall = time.time() if wall_s is None else wall_s
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        record = read_clock(conn)
        horizon = store_horizon(conn)
    candidates = [float(start_s)]
    if record is not None:
        candidates.append(float(record["sim0"]) + max(wall - float(record["wall0"]), 0.0) * float(record["speed"]))
        if "now" in record:
            candidates.append(float(record["now"]))
    if horizon is not None:
        candidates.append(horizon + _PAST_HORIZON_S)
    return max(candidates)


def store_horizon(conn: Connection) -> float | None:
    """The newest simulated instant any row of the operation carries (None: none yet)."""
    stamps = [
        conn.execute(select(func.max(officer_position.c.fix_time))).scalar(),
        conn.execute(select(func.max(incident.c.reported_at))).scalar(),
        *conn.execute(select(func.max(task.c.dispatched_at), func.max(task.c.acknowledged_at),
                             func.max(task.c.en_route_at), func.max(task.c.arrived_at),
                             func.max(task.c.completed_at))).one(),
    ]
    seconds = [e for e in (_as_epoch(s) for s in stamps) if e is not None]
    return max(seconds) if seconds else None
