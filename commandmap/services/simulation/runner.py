"""Run a SimulationEngine in real time (× speed) on a plain worker thread.

Qt-free on purpose: the GUI starts one and reads the store through LiveState
as every other seat does; `commandmap simulate` uses the same pacing rule.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ..retention import AutoPruner
from .engine import SimulationEngine, StepReport


class SimulationRunner:
    """Steps `sim` so that simulated time = start + (wall time × speed), until `stop()`."""

    def __init__(self, sim: SimulationEngine, *, speed: float = 1.0, step_s: float = 5.0,
                 on_step: Callable[[StepReport], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 pruner: AutoPruner | None = None) -> None:
        """`pruner`: prunes the store's history every ~10 minutes as the simulation runs (default: the
        retention policy's defaults on the simulation's store); a failed prune is logged, never fatal."""
        if speed <= 0 or step_s <= 0:
            raise ValueError(f"speed and step_s must be > 0, got {speed}, {step_s}")
        self.sim = sim
        self.step_s = step_s
        self.on_step = on_step
        self.on_error = on_error
        self.pruner = pruner if pruner is not None else AutoPruner(sim.engine)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._speed = speed
        self._wall0 = time.time()
        self._sim0 = sim.now

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Change speed without a jump in simulated time (re-anchors the clock, tells the seats)."""
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        with self._lock:
            self._sim0 = self._target()
            self._wall0 = time.time()
            self._speed = speed
            anchor = (self._wall0, self._sim0)
        self.sim.publish_clock(anchor[0], speed, sim0_s=anchor[1])

    @property
    def auto_dispatch(self) -> bool:
        return self.sim.auto_dispatch

    def set_auto_dispatch(self, on: bool) -> None:
        """Simulated dispatcher on (showcase) or off (people dispatch); safe from the GUI thread.

        Officers keep moving and incidents keep arriving either way, and the simulator still
        drives every task people dispatch (acknowledge, drive, arrive, resolve)."""
        self.sim.set_auto_dispatch(on)

    def _target(self) -> float:
        return self._sim0 + (time.time() - self._wall0) * self._speed

    def clock_now(self) -> float:
        """Simulated time by the wall clock (the engine catches up with it step by step)."""
        with self._lock:
            return self._target()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the simulation runner is already started")
        with self._lock:
            self._wall0, self._sim0 = time.time(), self.sim.now
        self.sim.publish_clock(self._wall0, self._speed, sim0_s=self._sim0)
        self._thread = threading.Thread(target=self._run, name="commandmap-simulation", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                with self._lock:
                    target = self._target()
                    speed = self._speed
                if target - self.sim.now < self.step_s:
                    self._stop.wait(min(0.2, (self.step_s - (target - self.sim.now)) / speed))
                    continue
                report = self.sim.step(target)
                if self.on_step is not None:
                    self.on_step(report)
                self.pruner.maybe_prune(self.sim.now)   # never raises: a failure is logged
        except BaseException as exc:  # noqa: BLE001 - reported to the owner, never lost in a thread
            self.error = exc
            if self.on_error is not None:
                self.on_error(exc)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
