"""History that cannot fill the disk: old position fixes and old change-feed rows are pruned.

`prune_history` is safe to call from any long-running process at any interval. The change
feed is compacted, not just cut: every entity whose changes were dropped gets one 'bulk'
change, so a seat that had not read them (behind the pruned horizon) reloads those tables
on its next refresh instead of silently missing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete

from ..store.changes import prune_changes, record_change
from ..store.schema import position_fix


@dataclass(frozen=True)
class RetentionPolicy:
    fix_keep_s: float = 30 * 86_400.0       # position_fix history
    change_keep_s: float = 86_400.0         # change feed rows (seats further behind reload)


@dataclass(frozen=True)
class PruneReport:
    fixes_deleted: int
    compacted_entities: tuple[str, ...]


def prune_history(engine: Engine, now_s: float, policy: RetentionPolicy = RetentionPolicy()) -> PruneReport:
    """Delete fixes older than the policy and compact the change feed behind its horizon (one
    transaction each, so a failed feed prune never undoes the fix prune)."""
    now = datetime.fromtimestamp(now_s, UTC)
    with engine.begin() as conn:
        fixes = conn.execute(delete(position_fix).where(
            position_fix.c.fix_time < now - timedelta(seconds=policy.fix_keep_s))).rowcount or 0
    with engine.begin() as conn:
        entities = prune_changes(conn, now - timedelta(seconds=policy.change_keep_s))
        for entity in sorted(entities):
            record_change(conn, entity, 0, "bulk")
    return PruneReport(int(fixes), tuple(sorted(entities)))
