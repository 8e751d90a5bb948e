"""History that cannot fill the disk: old position fixes and old change-feed rows are pruned.

The defaults live here and nowhere else (`RetentionPolicy`, `AUTO_PRUNE_EVERY_S`); `commandmap db
prune` and every long-running process (`AutoPruner`) use them. Fixes go by whole days on PostgreSQL
(partitions dropped, see `store.fix_history`), in batches on SQLite. The change feed is cut behind a
horizon: every row older than `change_keep_s` goes (never the newest, which holds the sequence's
place), and a seat whose last seq is behind the oldest kept row reloads everything once
(`LiveState.refresh`), so any horizon is one every seat can recover from; up-to-date seats pay nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from ..store.changes import prune_changes
from ..store.fix_history import DAY_S, day_of, ensure_fix_partitions, partition_name, prune_fixes

FIX_KEEP_DAYS = 30.0              # position_fix history
CHANGE_KEEP_S = 86_400.0          # change-feed rows (a seat further behind reloads in full)
AUTO_PRUNE_EVERY_S = 600.0        # long-running processes prune this often (operation or wall time)
PARTITION_DAYS_AHEAD = 2          # PostgreSQL: day partitions kept ready beyond today
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionPolicy:
    fix_keep_s: float = FIX_KEEP_DAYS * DAY_S
    change_keep_s: float = CHANGE_KEEP_S

    def __post_init__(self) -> None:
        for name in ("fix_keep_s", "change_keep_s"):
            value = getattr(self, name)
            if not value >= 0 or value == float("inf"):
                raise ValueError(f"RetentionPolicy.{name} must be a finite number of seconds >= 0, got {value}")


@dataclass(frozen=True)
class PruneReport:
    fixes_deleted: int
    fixes_estimated: bool              # PostgreSQL counts dropped partitions by the planner's statistics
    partitions_dropped: tuple[str, ...]
    partitions_created: tuple[str, ...]
    changes_deleted: int
    dry_run: bool = False

    def lines(self) -> list[str]:
        """What was removed, for people (`commandmap db prune`)."""
        verb = "would remove" if self.dry_run else "removed"
        about = "~" if self.fixes_estimated else ""
        out = [f"position fixes: {verb} {about}{self.fixes_deleted:,}"
               + (f" ({len(self.partitions_dropped)} day partition{'s' * (len(self.partitions_dropped) != 1)}: "
                  f"{', '.join(self.partitions_dropped)})" if self.partitions_dropped else ""),
               f"change feed: {verb} {self.changes_deleted:,} rows"]
        if self.partitions_created:
            out.append(f"created day partitions ahead: {', '.join(self.partitions_created)}")
        return out


def prune_history(engine: Engine, now_s: float, policy: RetentionPolicy = RetentionPolicy(), *,
                  dry_run: bool = False, wall_now_s: float | None = None) -> PruneReport:
    """Prune fixes older than `policy.fix_keep_s` before `now_s` (operation time: the simulator's clock
    when it runs, fixes carry it) and change rows older than `policy.change_keep_s` before the wall
    clock (rows are stamped with it); on PostgreSQL also create the coming days' partitions. Separate
    short transactions, so a failed step never undoes another."""
    created: list[str] = []
    if not dry_run:
        today = day_of(now_s)
        days = [today + timedelta(days=k) for k in range(PARTITION_DAYS_AHEAD + 1)]
        created = [partition_name(d) for d in ensure_fix_partitions(engine, days)]
    fixes = prune_fixes(engine, datetime.fromtimestamp(now_s - policy.fix_keep_s, UTC), dry_run=dry_run)
    wall = time.time() if wall_now_s is None else wall_now_s
    change_before = datetime.fromtimestamp(wall - policy.change_keep_s, UTC)
    with engine.connect() if dry_run else engine.begin() as conn:
        changes = prune_changes(conn, change_before, dry_run=dry_run)
    return PruneReport(fixes.fixes, fixes.estimated, fixes.partitions, tuple(created), changes, dry_run)


PruneFn = Callable[[Engine, float, RetentionPolicy], PruneReport]


class AutoPruner:
    """Prunes for a long-running process about every `every_s` of operation time or of wall time,
    whichever comes first (a simulation at 10x prunes every simulated 10 minutes, a 1x one every real
    10 minutes). Never raises: a failure is logged and retried at the next interval."""

    def __init__(self, engine: Engine, policy: RetentionPolicy = RetentionPolicy(), *,
                 every_s: float = AUTO_PRUNE_EVERY_S, prune: PruneFn = prune_history,
                 wall_clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.policy = policy
        self.every_s = every_s
        self._prune = prune
        self._wall_clock = wall_clock
        self._last_now_s: float | None = None
        self._last_wall_s = 0.0
        self.last_report: PruneReport | None = None

    def due(self, now_s: float) -> bool:
        if self._last_now_s is None:
            return True
        return (now_s - self._last_now_s >= self.every_s
                or self._wall_clock() - self._last_wall_s >= self.every_s)

    def maybe_prune(self, now_s: float) -> PruneReport | None:
        """Prune if due; the report, or None when not due or when it failed (logged)."""
        if not self.due(now_s):
            return None
        self._last_now_s, self._last_wall_s = now_s, self._wall_clock()
        try:
            report = self._prune(self.engine, now_s, self.policy)
        except Exception as exc:  # noqa: BLE001 - housekeeping must never stop the process it serves
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            log.warning("pruning history failed (retried in %.0f s): %s", self.every_s, first)
            return None
        self.last_report = report
        if report.fixes_deleted or report.changes_deleted or report.partitions_created:
            log.info("pruned history: %s", "; ".join(report.lines()))
        return report
