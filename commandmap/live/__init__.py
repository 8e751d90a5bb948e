"""In-memory live snapshot of the operation, refreshed from the change feed (see `state`)."""

from __future__ import annotations

from .state import SIM_CLOCK_KEY, LiveState, NoCityCrs, RefreshStats

__all__ = ["SIM_CLOCK_KEY", "LiveState", "NoCityCrs", "RefreshStats"]
