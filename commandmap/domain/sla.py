"""SLA clocks of the city's promise: contact within 60 s of dispatch, arrival within 5 min.

Pure: stage timestamps in (epoch seconds or None), levels out. Both the live
display (many incidents per tick, `sla_levels`) and reports (`sla_state`,
`stage_durations`) use these rules so they never disagree.

Incident-level clocks start at the FIRST dispatch and stop at the first
acknowledgement / arrival of any of its tasks: reassigning an officer does not
reset the citizen's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .enums import StrEnum

CONTACT_DEADLINE_S = 60.0
ARRIVAL_DEADLINE_S = 300.0


class SlaLevel(StrEnum):
    NOT_STARTED = "not_started"  # nobody dispatched yet: no clock running
    OK = "ok"                    # running with time to spare, or met in time
    AT_RISK = "at_risk"          # running and most of the budget used
    BREACHED = "breached"        # deadline passed before the stage was reached


#: codes for arrays (ordered by severity, so max() is the worst)
LEVEL_CODES: dict[SlaLevel, int] = {SlaLevel.NOT_STARTED: 0, SlaLevel.OK: 1, SlaLevel.AT_RISK: 2,
                                    SlaLevel.BREACHED: 3}
LEVELS_BY_CODE: tuple[SlaLevel, ...] = tuple(LEVEL_CODES)


@dataclass(frozen=True)
class SlaPolicy:
    contact_s: float = CONTACT_DEADLINE_S
    arrival_s: float = ARRIVAL_DEADLINE_S
    at_risk_fraction: float = 0.75   # share of the budget after which a running clock is "at risk"

    def __post_init__(self) -> None:
        if not (self.contact_s > 0 and self.arrival_s > 0 and 0 < self.at_risk_fraction <= 1):
            raise ValueError(f"SlaPolicy: deadlines must be > 0 and at_risk_fraction in (0, 1]; got {self}")


@dataclass(frozen=True)
class StageTimes:
    """Epoch seconds of each stage of one incident (None = not reached)."""

    reported_s: float
    dispatched_s: float | None = None
    acknowledged_s: float | None = None
    arrived_s: float | None = None
    resolved_s: float | None = None


@dataclass(frozen=True)
class SlaClock:
    name: str                    # "contact" / "arrival"
    level: SlaLevel
    deadline_s: float | None     # epoch seconds
    remaining_s: float | None    # negative once breached; None when stopped or not started
    met_at_s: float | None       # when the stage was reached


@dataclass(frozen=True)
class SlaState:
    contact: SlaClock
    arrival: SlaClock

    @property
    def level(self) -> SlaLevel:
        """The worse of the two clocks."""
        return max(self.contact.level, self.arrival.level, key=LEVEL_CODES.__getitem__)


def _clock(name: str, start_s: float | None, done_s: float | None, budget_s: float, now_s: float,
           fraction: float) -> SlaClock:
    if start_s is None:
        return SlaClock(name, SlaLevel.NOT_STARTED, None, None, None)
    deadline = start_s + budget_s
    if done_s is not None:
        level = SlaLevel.OK if done_s <= deadline else SlaLevel.BREACHED
        return SlaClock(name, level, deadline, None, done_s)
    remaining = deadline - now_s
    if remaining < 0:
        level = SlaLevel.BREACHED
    elif now_s - start_s >= fraction * budget_s:
        level = SlaLevel.AT_RISK
    else:
        level = SlaLevel.OK
    return SlaClock(name, level, deadline, remaining, None)


def sla_state(stages: StageTimes, now_s: float, policy: SlaPolicy = SlaPolicy()) -> SlaState:
    """Both clocks of one incident at `now_s`.

    A resolved incident never reached by an officer (e.g. solved by phone) keeps a
    running arrival clock until resolution stops it: it counts as met when
    resolution came in time, as breached otherwise.
    """
    arrived = stages.arrived_s
    if arrived is None and stages.resolved_s is not None:
        arrived = stages.resolved_s
    acked = stages.acknowledged_s
    if acked is None and arrived is not None:
        acked = arrived  # reaching the scene is contact too
    return SlaState(
        _clock("contact", stages.dispatched_s, acked, policy.contact_s, now_s, policy.at_risk_fraction),
        _clock("arrival", stages.dispatched_s, arrived, policy.arrival_s, now_s, policy.at_risk_fraction),
    )


def sla_levels(dispatched_s: np.ndarray, acknowledged_s: np.ndarray, arrived_s: np.ndarray, now_s: float,
               policy: SlaPolicy = SlaPolicy(), resolved_s: np.ndarray | None = None) -> np.ndarray:
    """Worst-clock level code (LEVEL_CODES) per incident; NaN = stage not reached.

    Same rules as `sla_state`, vectorised for the live display.
    """
    d = np.asarray(dispatched_s, dtype=np.float64)
    ack = np.asarray(acknowledged_s, dtype=np.float64)
    arr = np.asarray(arrived_s, dtype=np.float64)
    if resolved_s is not None:
        arr = np.where(np.isnan(arr), np.asarray(resolved_s, dtype=np.float64), arr)
    ack = np.where(np.isnan(ack), arr, ack)

    def level(done: np.ndarray, budget: float) -> np.ndarray:
        deadline = d + budget
        out = np.full(d.shape, LEVEL_CODES[SlaLevel.OK], dtype=np.int8)
        is_done = ~np.isnan(done)
        out[is_done & (done > deadline)] = LEVEL_CODES[SlaLevel.BREACHED]
        running = ~is_done
        out[running & (now_s - d >= policy.at_risk_fraction * budget)] = LEVEL_CODES[SlaLevel.AT_RISK]
        out[running & (now_s > deadline)] = LEVEL_CODES[SlaLevel.BREACHED]
        out[np.isnan(d)] = LEVEL_CODES[SlaLevel.NOT_STARTED]
        return out

    worst: np.ndarray = np.maximum(level(ack, policy.contact_s), level(arr, policy.arrival_s))
    return worst


@dataclass(frozen=True)
class StageDurations:
    """Seconds spent in each stage (None where a stage was not reached) — for reports."""

    to_dispatch_s: float | None   # reported → dispatched (the commander's minute)
    to_contact_s: float | None    # dispatched → acknowledged
    to_arrival_s: float | None    # dispatched → arrived
    on_scene_s: float | None      # arrived → resolved
    total_s: float | None         # reported → resolved


def stage_durations(stages: StageTimes) -> StageDurations:
    def span(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else b - a

    return StageDurations(span(stages.reported_s, stages.dispatched_s),
                          span(stages.dispatched_s, stages.acknowledged_s),
                          span(stages.dispatched_s, stages.arrived_s),
                          span(stages.arrived_s, stages.resolved_s),
                          span(stages.reported_s, stages.resolved_s))
