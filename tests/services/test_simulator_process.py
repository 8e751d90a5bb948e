"""The in-app simulator runs as a child process; the simulated-dispatcher switch travels through the store."""

from __future__ import annotations

from sqlalchemy import func, select

from commandmap.domain.access import Actor, Role
from commandmap.services.demo.load import build_demo
from commandmap.services.simulation.control import read_auto_dispatch
from commandmap.services.simulation.process import SimulatorProcess
from commandmap.services.simulation.resume import read_clock
from commandmap.store.migrate import open_store
from commandmap.store.schema import task
from tests.waiting import wait_until


def _tasks(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(task)).scalar_one())


def test_the_switch_turns_the_simulated_dispatcher_off_and_on(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'sim.sqlite3'}"
    build_demo(url, "mini", 42)
    engine = open_store(url)
    sim = SimulatorProcess(engine, url, 30.0, auto_dispatch=False, log_path=tmp_path / "sim.log")
    try:
        sim.start()
        assert sim.running and read_auto_dispatch(engine) is False and sim.auto_dispatch is False
        # two simulated minutes with the switch off: incidents wait, nobody sends anyone
        wait_until(lambda: _engine_reached(engine) is not None, timeout_s=60)
        start = _engine_reached(engine)
        before = _tasks(engine)
        wait_until(lambda: (_engine_reached(engine) or 0.0) > start + 120.0, timeout_s=60)
        assert _tasks(engine) == before
        sim.set_auto_dispatch(True, actor=Actor("chief", Role.COMMANDER, "seat"))
        wait_until(lambda: _tasks(engine) > before, timeout_s=60)
        assert sim.running and sim.error is None
    finally:
        sim.stop()
        engine.dispose()
    assert not sim.running


def _engine_reached(engine) -> float | None:  # type: ignore[no-untyped-def]
    """How far the child's simulation got (its persisted clock record)."""
    with engine.connect() as conn:
        record = read_clock(conn)
    return None if record is None or "now" not in record else float(record["now"])


def test_the_simulator_stops_when_the_app_that_started_it_is_killed(tmp_path) -> None:
    """An app killed with -9 cannot stop its simulator: the simulator notices its parent is gone."""
    import os
    import signal
    import subprocess
    import sys
    import textwrap

    url = f"sqlite:///{tmp_path / 'sim.sqlite3'}"
    build_demo(url, "mini", 42)
    pid_file = tmp_path / "sim.pid"
    app = textwrap.dedent(f"""
        import os, subprocess, sys, time
        from commandmap.services.simulation.process import SimulatorProcess
        from commandmap.store.migrate import open_store
        sim = SimulatorProcess(open_store({url!r}), {url!r}, 10.0)
        sim.start()
        open({str(pid_file)!r}, "w").write(str(sim._proc.pid))
        time.sleep(600)
    """)
    parent = subprocess.Popen([sys.executable, "-c", app], cwd=os.getcwd())
    try:
        wait_until(lambda: pid_file.is_file() and pid_file.read_text().strip() != "", timeout_s=60)
        child = int(pid_file.read_text())
        engine = open_store(url)
        wait_until(lambda: _engine_reached(engine) is not None, timeout_s=60)     # it is running
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)

        def gone() -> bool:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{child}/stat") as f:          # a zombie waiting for init counts as gone
                return f.read().split(")")[-1].split()[0] == "Z"
        wait_until(gone, timeout_s=30)
    finally:
        if parent.poll() is None:
            parent.kill()
