"""Two seats racing: 1,000 randomized races per backend, two threads with their own connections.

Each race lines both seats up on a barrier, then both dispatch at once: the same
officer to two incidents, two officers to the same incident, or the same pair.
Exactly one must win, the other must get a conflict result (never an exception),
and no officer may ever hold two open tasks. The store is reset in bulk between
rounds so 1,000 races stay well under 30 s.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select, update

from commandmap.services.dispatch import DispatchResult, dispatch
from commandmap.store import schema
from commandmap.store.audit import verify_audit_chain
from commandmap.store.migrate import open_store
from tests.live.citykit import CENTER, NOW_S, OfficerSpec, add_incident, build_city

RACES = 1_000
OFFICERS = 40
INCIDENTS = 40
_OPEN = ["dispatched", "acknowledged", "en_route", "on_scene"]


def seed(engine) -> None:  # type: ignore[no-untyped-def]
    build_city(engine, [OfficerSpec(i, CENTER[0], CENTER[1]) for i in range(1, OFFICERS + 1)])
    with engine.begin() as conn:
        for iid in range(1, INCIDENTS + 1):
            add_incident(conn, iid)


def reset(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(delete(schema.task))
        conn.execute(update(schema.officer).values(status="available", version=1))
        conn.execute(update(schema.incident).values(status="new", version=1))


def check_invariants(engine, expected_tasks: int) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        doubles = conn.execute(select(schema.task.c.officer_id).where(schema.task.c.status.in_(_OPEN))
                               .group_by(schema.task.c.officer_id).having(func.count() > 1)).all()
        assert doubles == [], f"officers with two open tasks: {doubles}"
        per_incident = conn.execute(select(schema.task.c.incident_id).group_by(schema.task.c.incident_id)
                                    .having(func.count() > 1)).all()
        assert per_incident == [], "an incident was dispatched twice"
        n_tasks = conn.execute(select(func.count()).select_from(schema.task)).scalar_one()
        assert n_tasks == expected_tasks
        busy = set(conn.execute(select(schema.officer.c.id).where(schema.officer.c.status == "dispatched")).scalars())
        tasked = set(conn.execute(select(schema.task.c.officer_id)).scalars())
        assert busy == tasked, "officer statuses and tasks disagree"


def run_races(url: str) -> None:
    setup = open_store(url)
    seed(setup)
    seats = [open_store(url), open_store(url)]     # one engine (pool, connections) per seat
    rng = random.Random(20261125)
    barrier = threading.Barrier(2)

    def seat(k: int, incident_id: int, officer_id: int, jitter_s: float, version: int | None) -> DispatchResult:
        barrier.wait()
        if jitter_s:
            time.sleep(jitter_s)
        return dispatch(seats[k], incident_id, officer_id, seat=f"seat {k + 1}", predicted_eta_s=120.0,
                        officer_version=version, now_s=NOW_S)

    free_off = list(range(1, OFFICERS + 1))
    free_inc = list(range(1, INCIDENTS + 1))
    winners_since_reset = 0
    kinds = {"officer": 0, "incident": 0, "both": 0}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for race in range(RACES):
            if len(free_off) < 2 or len(free_inc) < 2:
                check_invariants(setup, winners_since_reset)
                reset(setup)
                free_off = list(range(1, OFFICERS + 1))
                free_inc = list(range(1, INCIDENTS + 1))
                winners_since_reset = 0
            rng.shuffle(free_off)
            rng.shuffle(free_inc)
            kind = rng.choices(["officer", "incident", "both"], weights=[6, 3, 1])[0]
            kinds[kind] += 1
            if kind == "officer":       # one officer, two incidents
                pairs = [(free_inc[0], free_off[0]), (free_inc[1], free_off[0])]
            elif kind == "incident":    # two officers, one incident
                pairs = [(free_inc[0], free_off[0]), (free_inc[0], free_off[1])]
            else:
                pairs = [(free_inc[0], free_off[0]), (free_inc[0], free_off[0])]
            jitter = [rng.choice([0.0, 0.0, rng.uniform(0, 0.002)]) for _ in range(2)]
            versions = [rng.choice([None, 1]) for _ in range(2)]
            futures = [pool.submit(seat, k, pairs[k][0], pairs[k][1], jitter[k], versions[k]) for k in range(2)]
            results = [f.result(timeout=30) for f in futures]
            won = [r for r in results if r.ok]
            lost = [r for r in results if not r.ok]
            assert len(won) == 1 and len(lost) == 1, f"race {race} ({kind}): {results}"
            expected = {"officer": {"officer_taken"}, "incident": {"incident_taken"},
                        "both": {"officer_taken", "incident_taken"}}[kind]
            assert lost[0].conflict in expected, f"race {race} ({kind}): {lost[0]}"
            assert "by seat" in lost[0].message
            winners_since_reset += 1
            used_off = {off for _, off in pairs}
            used_inc = {inc for inc, _ in pairs}
            free_off = [o for o in free_off if o not in used_off]
            free_inc = [i for i in free_inc if i not in used_inc]
    check_invariants(setup, winners_since_reset)
    with setup.connect() as conn:
        assert verify_audit_chain(conn).ok, "concurrent dispatches forked the audit chain"
    assert min(kinds.values()) > 50, kinds
    for e in (setup, *seats):
        e.dispose()


@pytest.mark.slow
def test_thousand_races_sqlite(sqlite_url) -> None:
    run_races(sqlite_url)


@pytest.mark.slow
@pytest.mark.postgres
def test_thousand_races_postgres(pg_url) -> None:
    run_races(pg_url)
