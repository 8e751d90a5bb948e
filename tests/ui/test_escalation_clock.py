"""The seat's escalation timer: at the deadline and not before, by the operation's clock, off the UI thread."""

from __future__ import annotations

import threading

from sqlalchemy import select

from commandmap.services.whistle import escalate_due, get_whistle, raise_whistle
from commandmap.store import schema
from commandmap.ui.escalation_clock import EscalationClock
from tests.live.citykit import NOW_S, build_city


def test_the_timer_escalates_at_the_deadline_and_not_before(qtbot, store_engine) -> None:  # type: ignore[no-untyped-def]
    build_city(store_engine)
    w = raise_whistle(store_engine, 111, "占道经营", actor="grid leader", now_s=NOW_S, accept_within_s=120.0)
    now = [w.clock.due_s - 0.001]
    threads: list[str] = []

    def escalate(now_s: float) -> list[int]:
        threads.append(threading.current_thread().name)
        return escalate_due(store_engine, now_s=now_s)

    clock = EscalationClock(escalate, lambda: now[0], interval_ms=3_600_000)
    try:
        clock.tick()
        qtbot.waitUntil(lambda: not clock.busy, timeout=10_000)
        assert clock.escalated == [] and get_whistle(store_engine, w.incident_id).level.value == "town"  # type: ignore[union-attr]
        now[0] = w.clock.due_s
        with qtbot.waitSignal(clock.sig_escalated, timeout=10_000) as sig:
            clock.tick()
        assert sig.args == [[w.incident_id]] and clock.escalated == [w.incident_id]
        assert get_whistle(store_engine, w.incident_id).level.value == "district"  # type: ignore[union-attr]
        assert threads and all(name.startswith("commandmap-escalation") for name in threads)
        now[0] += 600
        clock.tick()
        qtbot.waitUntil(lambda: not clock.busy, timeout=10_000)
        assert clock.escalated == [w.incident_id]                 # once only
        with store_engine.connect() as conn:
            n = conn.execute(select(schema.audit_event.c.id).where(
                schema.audit_event.c.action == "whistle.escalate")).all()
        assert len(n) == 1
    finally:
        clock.close()


def test_a_failing_run_is_retried_at_the_next_tick(qtbot) -> None:  # type: ignore[no-untyped-def]
    calls: list[float] = []

    def flaky(now_s: float) -> list[int]:
        calls.append(now_s)
        if len(calls) == 1:
            raise RuntimeError("database restarting")
        return [7]

    clock = EscalationClock(flaky, lambda: 100.0 + len(calls), interval_ms=3_600_000)
    try:
        clock.tick()
        qtbot.waitUntil(lambda: not clock.busy, timeout=5_000)
        with qtbot.waitSignal(clock.sig_escalated, timeout=5_000):
            clock.tick()
        assert calls == [100.0, 101.0] and clock.escalated == [7]
    finally:
        clock.close()
