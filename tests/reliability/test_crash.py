"""`kill -9` in the middle of a batch of fixes and in the middle of a dispatch, on both backends.

After restart the store must open, every committed transaction must be there in
full (with its change rows and audit rows), and the killed one must have left no
trace: no fixes of the half-written batch, no task without its officer and
incident moved, nothing in the change feed for it.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import func, select

from commandmap.services.clock import to_epoch
from commandmap.services.ingest import FixBatch, FixIngestor
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.changes import changes_since
from commandmap.store.migrate import open_store
from tests.live.citykit import CENTER, OfficerSpec, add_incident, build_city
from tests.reliability.crash_child import OFFICERS, T0
from tests.reliability.procs import Child

KILL_AT = 4


def crash(url: str, mode: str) -> list[str]:
    child = Child("tests.reliability.crash_child", url, mode, str(KILL_AT))
    try:
        child.wait_for(f"mid {KILL_AT}", timeout_s=120)
        child.kill9()
    finally:
        child.stop()
    return [line for line in child.seen if line.startswith("committed")]


def test_kill_mid_batch_of_fixes(store_url) -> None:
    engine = open_store(store_url)
    build_city(engine, [OfficerSpec(i, CENTER[0], CENTER[1], fix_age_s=None) for i in range(1, OFFICERS + 1)])
    engine.dispose()
    committed = crash(store_url, "ingest")
    assert [int(c.split()[1]) for c in committed] == list(range(1, KILL_AT))

    engine = open_store(store_url)   # restart: the store opens and is consistent
    with engine.connect() as conn:
        per_batch = dict(conn.execute(select(schema.position_fix.c.fix_time, func.count())
                                      .group_by(schema.position_fix.c.fix_time)).all())
        per_batch = {round(to_epoch(t) - T0): n for t, n in per_batch.items()}
        assert per_batch == {k: OFFICERS for k in range(1, KILL_AT)}, "committed batches whole, the killed one absent"
        latest = {to_epoch(t) for t in conn.execute(select(schema.officer_position.c.fix_time)).scalars()}
        assert latest == {T0 + KILL_AT - 1}, "every officer stands at the last committed fix"
        feed = [c for c in changes_since(conn, 0) if c.entity == "position_batch"]
        assert [(c.entity_id, c.op) for c in feed] == [(c.seq, "insert") for c in feed]
        assert len(feed) == KILL_AT - 1
        packed = conn.execute(select(schema.position_batch.c.seq, schema.position_batch.c.officers)).all()
        assert sorted(packed) == [(c.seq, OFFICERS) for c in feed], "a packed copy per committed batch, no other"
    # the write path works after the crash, and the killed batch is not mistaken for a duplicate
    rep = FixIngestor(engine, clock=lambda: T0 + KILL_AT + 1).ingest(
        FixBatch(np.arange(1, OFFICERS + 1), np.full(OFFICERS, CENTER[0]), np.full(OFFICERS, CENTER[1]),
                 np.full(OFFICERS, T0 + KILL_AT)))
    assert len(rep.moved_officer_ids) == OFFICERS
    engine.dispose()


def test_kill_mid_dispatch(store_url) -> None:
    engine = open_store(store_url)
    build_city(engine, [OfficerSpec(i, CENTER[0], CENTER[1]) for i in range(1, 11)])
    with engine.begin() as conn:
        for iid in range(1, 11):
            add_incident(conn, iid)
    engine.dispose()
    committed = crash(store_url, "dispatch")
    assert [int(c.split()[1]) for c in committed] == list(range(1, KILL_AT))
    task_ids = [int(c.split()[2]) for c in committed]

    engine = open_store(store_url)
    with engine.connect() as conn:
        tasks = conn.execute(select(schema.task.c.id, schema.task.c.officer_id, schema.task.c.incident_id,
                                    schema.task.c.status).order_by(schema.task.c.id)).all()
        assert [t.id for t in tasks] == task_ids, "every committed task present, the killed one absent"
        assert all(t.status == "acknowledged" for t in tasks)
        officers = dict(conn.execute(select(schema.officer.c.id, schema.officer.c.status)).all())
        incidents = dict(conn.execute(select(schema.incident.c.id, schema.incident.c.status)).all())
        for t in tasks:
            assert officers[t.officer_id] == "dispatched" and incidents[t.incident_id] == "dispatched"
        assert officers[KILL_AT] == "available" and incidents[KILL_AT] == "new", "nothing half-done"
        assert sum(s == "dispatched" for s in officers.values()) == len(tasks)
        versions = dict(conn.execute(select(schema.officer.c.id, schema.officer.c.version)).all())
        assert versions[KILL_AT] == 1
        feed = changes_since(conn, 0)
        assert sorted(c.entity_id for c in feed if c.entity == "task" and c.op == "insert") == task_ids
        assert not [c for c in feed if c.entity == "officer" and c.entity_id == KILL_AT]
        actions = conn.execute(select(schema.audit_event.c.action)).scalars().all()
        assert actions.count("task.dispatch") == len(tasks) and actions.count("task.acknowledge") == len(tasks)
        assert verify_audit_chain(conn).ok
    engine.dispose()
