"""History pruning: old fixes go, the change feed is compacted, and a seat behind the pruned
horizon notices (through LiveState's public API) and reloads what it missed."""

from __future__ import annotations

import time

import numpy as np
from sqlalchemy import func, select, update

from commandmap.domain.snapshot import OFFICER_STATUS_CODES
from commandmap.live import LiveState
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.services.retention import RetentionPolicy, prune_history
from commandmap.store import schema
from commandmap.store.changes import latest_seq, oldest_seq, record_change
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, build_city

LON, LAT = CENTER


def test_prune_deletes_old_fixes_and_a_seat_behind_the_horizon_reloads(store_engine) -> None:  # type: ignore[no-untyped-def]
    build_city(store_engine, [OfficerSpec(1, LON, LAT, fix_age_s=30), OfficerSpec(2, LON, LAT, fix_age_s=30)])
    ing = FixIngestor(store_engine, clock=lambda: NOW_S)
    ing.ingest(FixBatch(np.array([1, 2]), np.full(2, LON), np.full(2, LAT), np.full(2, NOW_S - 5)))
    behind = LiveState(store_engine, clock=lambda: NOW_S)
    with store_engine.begin() as conn:   # a change the lagging seat has not read ...
        conn.execute(update(schema.officer).where(schema.officer.c.id == 1).values(status="dispatched"))
        missed = record_change(conn, "officer", 1, "update")
        record_change(conn, "incident", 0, "bulk")   # the feed's newest row, which pruning keeps
    # ... pruned away: fixes older than an hour before "now + 2 days", every change older than now
    report = prune_history(store_engine, time.time() + 1, RetentionPolicy(fix_keep_s=3600, change_keep_s=0))
    with store_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.position_fix)).scalar_one() == 0
        assert oldest_seq(conn) > missed > behind.sequence, "the seat is behind the pruned horizon"
        assert latest_seq(conn) >= oldest_seq(conn)
    assert report.fixes_deleted == 2 and "officer" in report.compacted_entities
    stats = behind.refresh()
    assert "officer" in stats.reloaded
    assert behind.snapshot().officers.status.tolist()[0] == OFFICER_STATUS_CODES["dispatched"]
