"""The acceptance clock of a grid whistle (网格吹哨、镇队报到).

A grid leader's issue goes first to the town team that owns the grid. If nobody in
the town accepts it within the configured time it escalates to the district command
centre. The clock is decided here, once, so the service, the queue and the tests agree
on the edge: escalation happens *at* the deadline (now >= due), never before it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

DEFAULT_ACCEPT_WITHIN_S = 15 * 60.0


class WhistleLevel(str, Enum):
    TOWN = "town"          # with the town team (镇队)
    DISTRICT = "district"  # escalated to the district command centre


class WhistleState(str, Enum):
    WAITING = "waiting"        # with the town, clock running
    ACCEPTED = "accepted"      # a town (or, after escalation, the district) took it
    DUE = "due"                # not accepted and the deadline has come: escalate now
    ESCALATED = "escalated"    # with the district, not yet accepted


@dataclass(frozen=True)
class WhistleClock:
    raised_s: float
    accept_within_s: float
    accepted_s: float | None = None
    escalated_s: float | None = None

    def __post_init__(self) -> None:
        if not (self.accept_within_s > 0):
            raise ValueError(f"accept_within_s must be > 0, got {self.accept_within_s!r}")

    @property
    def due_s(self) -> float:
        return self.raised_s + self.accept_within_s

    def state(self, now_s: float) -> WhistleState:
        if self.accepted_s is not None and self.accepted_s <= now_s:
            return WhistleState.ACCEPTED
        if self.escalated_s is not None:
            return WhistleState.ESCALATED
        return WhistleState.DUE if now_s >= self.due_s else WhistleState.WAITING

    def remaining_s(self, now_s: float) -> float:
        """Seconds left on the town's clock (0 once due)."""
        return max(0.0, self.due_s - now_s)


def escalation_reason(town_name: str, accept_within_s: float) -> str:
    minutes = accept_within_s / 60.0
    span = f"{minutes:g} min" if minutes >= 1 else f"{accept_within_s:g} s"
    return f"not accepted by {town_name} within {span}"
