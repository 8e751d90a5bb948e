"""A time window for exports: [from, to) in epoch seconds, parsed from analysts' ISO texts.

Times without an offset are Beijing time (the city's only zone), so `2026-11-25 08:00`
means what the analyst reads on the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "CST")


class WindowError(ValueError):
    """A --from/--to text that is not a time, or a window that ends before it starts."""


def parse_time(text: str, what: str = "time") -> float:
    """Epoch seconds of an ISO date or date-time (naive = Beijing time)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise WindowError(f"{what}: {text!r} is not a date or time like 2026-11-25T08:00") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=BEIJING)
    return at.timestamp()


@dataclass(frozen=True)
class TimeWindow:
    start_s: float | None = None     # None = from the beginning
    end_s: float | None = None       # None = until now

    def __post_init__(self) -> None:
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise WindowError(f"time window: the end ({self.end_s:.0f}) is not after the start ({self.start_s:.0f})")

    def contains(self, t_s: float) -> bool:
        return (self.start_s is None or t_s >= self.start_s) and (self.end_s is None or t_s < self.end_s)

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> TimeWindow:
        return cls(None if not start else parse_time(start, "--from"), None if not end else parse_time(end, "--to"))


def iso_beijing(t_s: float | None) -> str | None:
    """An epoch time as ISO 8601 with the +08:00 offset (what QGIS and pandas parse)."""
    if t_s is None:
        return None
    return datetime.fromtimestamp(t_s, BEIJING).isoformat(timespec="seconds")
