"""The built-in simulator: a Qt-free engine the GUI steps from a worker thread and
`commandmap simulate` steps from a loop."""

from .engine import SIM_CLOCK_KEY, SimConfig, SimulationEngine, StepReport

__all__ = ["SIM_CLOCK_KEY", "SimConfig", "SimulationEngine", "StepReport"]
