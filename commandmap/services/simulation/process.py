"""The in-app simulator as a child process (`commandmap simulate`), not a thread of the app.

A full-city simulation step is tens of thousands of fixes of Python and numpy
work; on a thread it holds the interpreter lock while the dispatcher clicks, and
selecting an incident took 300 ms instead of 50. In its own process it is what
every real feed is: another writer to the store that the seat follows through
the change feed. The simulated-dispatcher switch travels through the store
(`control.py`). The child is stopped with SIGINT (it finishes its step), then
killed if it does not; a kill at any moment is safe (the simulator resumes its
clock and pending work on the next start).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from ...domain.access import Actor
from . import control
from .control import read_auto_dispatch, write_auto_dispatch


class SimulatorProcess:
    def __init__(self, engine: Engine, db_url: str, speed: float, *, auto_dispatch: bool = True,
                 log_path: Path | None = None) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.engine = engine
        self.db_url = db_url
        self.speed = speed
        self.log_path = log_path
        self._initial_auto = auto_dispatch
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "commandmap.cli", "simulate", "--db", self.db_url,
               "--speed", f"{self.speed:g}x", "--quiet", "--stop-with", str(os.getpid())]
        return cmd if self._initial_auto else cmd + ["--no-auto-dispatch"]

    def start(self) -> None:
        if self._proc is not None:
            return
        write_auto_dispatch(self.engine, self._initial_auto)   # the switch the child reads every step
        out: int | BinaryIO = subprocess.DEVNULL
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "ab")   # noqa: SIM115 - held for the child's lifetime
            out = self._log
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[3])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        self._proc = subprocess.Popen(self.command(), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=env)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def error(self) -> str | None:
        """Why the child stopped on its own (the last line it wrote), or None while it runs or after stop()."""
        if self._proc is None or self._proc.returncode in (None, 0, -signal.SIGINT, -signal.SIGKILL):
            return None
        if self.log_path is not None and self.log_path.is_file():
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
            if lines:
                return lines[-1]
        return f"the simulator exited with code {self._proc.returncode}"

    @property
    def auto_dispatch(self) -> bool:
        stored = read_auto_dispatch(self.engine)
        return self._initial_auto if stored is None else stored

    def set_auto_dispatch(self, on: bool, *, actor: Actor | str) -> None:
        """Flip the switch as `actor` (checked and audited: `authz.Forbidden` without the settings permission)."""
        control.set_auto_dispatch(self.engine, on, actor=actor)

    def stop(self, timeout_s: float = 10.0) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None
