"""History retention: old fixes go (whole days on PostgreSQL), the change feed is cut behind a horizon
and only a seat behind it reloads, a store of the previous schema migrates keeping its history, and the
long-running processes prune by themselves without ever stopping for it."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from alembic import command
from sqlalchemy import func, select, text, update

from commandmap.cli import main as cli_main
from commandmap.domain.snapshot import OFFICER_STATUS_CODES
from commandmap.live import LiveState
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.services.retention import AutoPruner, PruneReport, RetentionPolicy, prune_history
from commandmap.store import schema
from commandmap.store.changes import latest_seq, oldest_seq, record_change
from commandmap.store.engine import open_engine
from commandmap.store.fix_history import DEFAULT_PARTITION, ensure_fix_partitions, fix_partitions, partition_name
from commandmap.store.migrate import _config, current_revision, ensure_schema, head_revision
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, build_city

LON, LAT = CENTER
DAY_S = 86_400.0


def _count(engine, table=schema.position_fix) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _fix(officer_id: int, t_s: float, verdict: str = "good") -> dict[str, object]:
    at = datetime.fromtimestamp(t_s, UTC)
    return {"officer_id": officer_id, "lon": LON, "lat": LAT, "fix_time": at, "received_at": at,
            "verdict": verdict, "source": "simulator"}


def test_prune_deletes_old_fixes_and_only_a_seat_behind_the_horizon_reloads(store_engine) -> None:  # type: ignore[no-untyped-def]
    build_city(store_engine, [OfficerSpec(1, LON, LAT, fix_age_s=30), OfficerSpec(2, LON, LAT, fix_age_s=30)])
    ing = FixIngestor(store_engine, clock=lambda: NOW_S)
    ing.ingest(FixBatch(np.array([1, 2]), np.full(2, LON), np.full(2, LAT), np.full(2, NOW_S - 5)))
    recent = time.time() - 60
    with store_engine.begin() as conn:   # a fix within the policy, which pruning keeps
        conn.execute(schema.position_fix.insert(), [_fix(1, recent)])
    behind = LiveState(store_engine, clock=lambda: NOW_S)
    current = LiveState(store_engine, clock=lambda: NOW_S)
    with store_engine.begin() as conn:   # a change the lagging seat will not read before it is pruned
        conn.execute(update(schema.officer).where(schema.officer.c.id == 1).values(status="dispatched"))
        missed = record_change(conn, "officer", 1, "update")
        record_change(conn, "incident", 0, "bulk")   # the feed's newest row, which pruning keeps
    assert current.refresh().changes == 2
    report = prune_history(store_engine, time.time(), RetentionPolicy(fix_keep_s=3600, change_keep_s=0),
                           wall_now_s=time.time() + 1)
    with store_engine.connect() as conn:
        assert conn.execute(select(schema.position_fix.c.officer_id)).scalars().all() == [1]
        assert oldest_seq(conn) > missed > behind.sequence, "the seat is behind the pruned horizon"
        assert oldest_seq(conn) == latest_seq(conn), "everything but the newest row went"
    assert report.fixes_deleted == 2 and report.changes_deleted >= 2
    if store_engine.dialect.name == "postgresql":
        assert partition_name(datetime.fromtimestamp(NOW_S, UTC).date()) in report.partitions_dropped
    with store_engine.begin() as conn:   # a change after the prune: both seats must see it
        conn.execute(update(schema.officer).where(schema.officer.c.id == 2).values(status="off_duty"))
        record_change(conn, "officer", 2, "update")
    up_to_date = current.refresh()
    assert up_to_date.changes == 1 and up_to_date.reloaded == (), "a seat past the horizon does not reload"
    lagging = behind.refresh()
    assert set(lagging.reloaded) == {"officer", "officer_position", "incident", "task"}
    with store_engine.connect() as conn:
        newest = latest_seq(conn)
    for seat in (behind, current):
        assert seat.snapshot().officers.status.tolist() == [OFFICER_STATUS_CODES["dispatched"],
                                                            OFFICER_STATUS_CODES["off_duty"]]
        assert seat.sequence == newest


def test_dry_run_changes_nothing(store_engine) -> None:  # type: ignore[no-untyped-def]
    build_city(store_engine, [OfficerSpec(1, LON, LAT)])
    with store_engine.begin() as conn:
        conn.execute(schema.position_fix.insert(), [_fix(1, NOW_S - k * 60) for k in range(5)])
        for _ in range(3):
            record_change(conn, "officer", 1, "update")
    report = prune_history(store_engine, time.time(), RetentionPolicy(fix_keep_s=3600, change_keep_s=0),
                           dry_run=True, wall_now_s=time.time() + 1)
    assert (report.fixes_deleted, report.changes_deleted, report.dry_run) == (5, 2, True)
    assert _count(store_engine) == 5 and _count(store_engine, schema.change) == 3


def test_day_partitions_are_dropped_whole_and_default_rows_move_into_their_day(pg_engine) -> None:  # type: ignore[no-untyped-def]
    build_city(pg_engine, [OfficerSpec(1, LON, LAT)])
    day0 = datetime.fromtimestamp(NOW_S, UTC).date()
    far = day0 + timedelta(days=400)      # no partition yet: its fix lands in the default partition
    far_s = datetime(far.year, far.month, far.day, 12, tzinfo=UTC).timestamp()
    ensure_fix_partitions(pg_engine, [day0 - timedelta(days=1), day0])
    with pg_engine.begin() as conn:
        conn.execute(schema.position_fix.insert(), [_fix(1, NOW_S - DAY_S), _fix(1, NOW_S), _fix(1, far_s)])

    def where() -> dict[str, int]:
        with pg_engine.connect() as conn:
            return dict(conn.execute(text("SELECT tableoid::regclass::text, count(*) FROM position_fix GROUP BY 1")).all())
    assert where()[DEFAULT_PARTITION] == 1
    assert ensure_fix_partitions(pg_engine, [far, day0]) == [far]
    assert where() == {partition_name(day0 - timedelta(days=1)): 1, partition_name(day0): 1, partition_name(far): 1}
    # keep 1 h before the middle of day0: the day before goes whole, day0 (holding the cutoff) stays whole
    report = prune_history(pg_engine, NOW_S, RetentionPolicy(fix_keep_s=3600))
    assert report.partitions_dropped == (partition_name(day0 - timedelta(days=1)),) and report.fixes_deleted == 1
    assert partition_name(day0 + timedelta(days=2)) in report.partitions_created
    with pg_engine.connect() as conn:
        assert day0 - timedelta(days=1) not in fix_partitions(conn)
    assert _count(pg_engine) == 2
    # the writer makes its day (and the next) before writing, so the default partition stays empty
    FixIngestor(pg_engine, clock=lambda: far_s + DAY_S).ingest(
        FixBatch(np.array([1]), np.array([LON]), np.array([LAT]), np.array([far_s + DAY_S - 1])))
    assert where().get(partition_name(far + timedelta(days=1))) == 1 and DEFAULT_PARTITION not in where()


def test_a_store_at_0002_with_history_upgrades_keeping_every_fix(store_url: str) -> None:
    """0002 -> head on a store holding fixes over two days: every row is there and readable, duplicates
    are still no-ops, ingest writes on; on PostgreSQL the table is partitioned by day."""
    engine = open_engine(store_url)
    try:
        with engine.begin() as conn:
            command.upgrade(_config(conn), "0002_position_batch")
        build_city(engine, [OfficerSpec(1, LON, LAT, fix_age_s=60), OfficerSpec(2, LON, LAT, fix_age_s=60)])
        old = [_fix(1, NOW_S - DAY_S - 30), _fix(1, NOW_S - 90, "jump"), _fix(2, NOW_S - 61)]
        with engine.begin() as conn:
            conn.execute(schema.position_fix.insert(), old)
        ensure_schema(engine)
        assert current_revision(engine) == head_revision()
        cols = (schema.position_fix.c.officer_id, schema.position_fix.c.fix_time, schema.position_fix.c.verdict)
        with engine.connect() as conn:
            rows = conn.execute(select(*cols).order_by(*cols[:2])).all()
            assert [(o, t.replace(tzinfo=UTC).timestamp() if t.tzinfo is None else t.timestamp(), v)
                    for o, t, v in rows] == [(r["officer_id"], r["fix_time"].timestamp(), r["verdict"]) for r in old]
            if conn.dialect.name == "postgresql":
                assert conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'position_fix'")).scalar() == "p"
                days = {datetime.fromtimestamp(t, UTC).date() for t in (NOW_S - DAY_S - 30, NOW_S)}
                assert days <= set(fix_partitions(conn)), "each day the old table held has its partition"
                assert conn.execute(text(f"SELECT count(*) FROM {DEFAULT_PARTITION}")).scalar() == 0
        ing = FixIngestor(engine, clock=lambda: NOW_S)
        rep = ing.ingest(FixBatch(np.array([1, 2]), np.full(2, LON), np.full(2, LAT), np.array([NOW_S - 5, NOW_S - 61])))
        assert rep.counts and _count(engine) == 4, "the new fix is stored, the replayed one is a no-op"
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM position_fix WHERE officer_id = 2")).scalar() == 1
    finally:
        engine.dispose()


def test_db_prune_command(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["db", "upgrade", "--db", store_url]) == 0
    engine = open_engine(store_url)
    try:
        build_city(engine, [OfficerSpec(1, LON, LAT)])
        old_s = time.time() - 40 * DAY_S
        with engine.begin() as conn:
            conn.execute(schema.position_fix.insert(), [_fix(1, old_s + k) for k in range(3)] + [_fix(1, time.time())])
        capsys.readouterr()
        assert cli_main(["db", "prune", "--db", store_url, "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert "dry run" in out and "position fixes: would remove 3" in out and _count(engine) == 4
        assert cli_main(["db", "prune", "--db", store_url, "--fixes-days", "30"]) == 0
        out = capsys.readouterr().out
        assert "position fixes: removed 3" in out and _count(engine) == 1
        for bad in ("0", "-3", "abc", "nan", "inf"):
            assert cli_main(["db", "prune", "--db", store_url, "--fixes-days", bad]) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and "--fixes-days" in err[0] and repr(bad) in err[0], err
        assert _count(engine) == 1
    finally:
        engine.dispose()


def test_auto_pruner_runs_every_interval_of_operation_or_wall_time_and_never_raises(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[float] = []
    wall = {"t": 0.0}
    empty = PruneReport(0, False, (), (), 0)

    def prune(_engine, now_s, _policy):  # type: ignore[no-untyped-def]
        calls.append(now_s)
        if len(calls) == 2:
            raise RuntimeError("database went away\nsecond line")
        return empty
    pruner = AutoPruner(None, every_s=600, prune=prune, wall_clock=lambda: wall["t"])  # type: ignore[arg-type]
    assert pruner.maybe_prune(1000.0) is empty            # the first call prunes
    assert pruner.maybe_prune(1599.0) is None and calls == [1000.0]
    with caplog.at_level(logging.WARNING, logger="commandmap.services.retention"):
        assert pruner.maybe_prune(1600.0) is None         # 10 simulated minutes: due, and it fails
    assert calls == [1000.0, 1600.0]
    assert any("database went away" in r.getMessage() and "second line" not in r.getMessage()
               for r in caplog.records)
    wall["t"] = 600.0                                     # 10 real minutes at a slow simulated pace
    assert pruner.maybe_prune(1610.0) is empty and calls[-1] == 1610.0


class _StubSim:
    """The three things SimulationRunner asks of its engine, so pacing and pruning are tested alone."""

    def __init__(self, engine) -> None:  # type: ignore[no-untyped-def]
        self.engine = engine
        self.now = NOW_S

    def publish_clock(self, wall0_s: float, speed: float, sim0_s: float | None = None) -> None:
        pass

    def step(self, now_s: float):  # type: ignore[no-untyped-def]
        from commandmap.services.simulation.engine import StepReport
        self.now = now_s
        return StepReport(now_s)


def test_simulation_runner_prunes_as_it_runs_and_a_failed_prune_never_stops_it(
        sqlite_engine, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    from commandmap.services.simulation import SimulationRunner

    build_city(sqlite_engine, [OfficerSpec(1, LON, LAT)])
    with sqlite_engine.begin() as conn:
        conn.execute(schema.position_fix.insert(), [_fix(1, NOW_S - 40 * DAY_S), _fix(1, NOW_S - 60)])
    calls: list[float] = []

    def prune(engine, now_s, policy):  # type: ignore[no-untyped-def]
        calls.append(now_s)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        return prune_history(engine, now_s, policy)
    sim = _StubSim(sqlite_engine)
    runner = SimulationRunner(sim, speed=600.0, step_s=5.0,   # type: ignore[arg-type]
                              pruner=AutoPruner(sqlite_engine, every_s=60.0, prune=prune))
    with caplog.at_level(logging.WARNING, logger="commandmap.services.retention"):
        runner.start()
        try:
            deadline = time.monotonic() + 20
            while len(calls) < 2 and time.monotonic() < deadline and runner.error is None:
                time.sleep(0.05)
            stepped_to = sim.now
            deadline = time.monotonic() + 20
            while sim.now < stepped_to + 30 and time.monotonic() < deadline and runner.error is None:
                time.sleep(0.05)
        finally:
            runner.stop()
    assert runner.error is None and len(calls) >= 2, (runner.error, calls)
    assert calls[1] - calls[0] >= 60.0, "about every interval of simulated time, not every step"
    assert sim.now >= stepped_to + 30, "the simulation kept stepping after a failed prune"
    assert any("disk on fire" in r.getMessage() for r in caplog.records)
    assert _count(sqlite_engine) == 1, "the 40-day-old fix was pruned, the recent one kept"
