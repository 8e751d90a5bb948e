"""The built-in simulator: a Qt-free engine the GUI steps from a worker thread
(`SimulationRunner`) and `commandmap simulate` steps from a loop."""

from .engine import SIM_CLOCK_KEY, SimConfig, SimulationEngine, StepReport
from .runner import SimulationRunner

__all__ = ["SIM_CLOCK_KEY", "SimConfig", "SimulationEngine", "SimulationRunner", "StepReport"]
