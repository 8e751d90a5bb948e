"""Plain domain types and the state machines: no Qt, no SQL."""

from .enums import (FixVerdict, IncidentSource, IncidentStatus, OfficerStatus, Priority, RoadClass,
                    TaskStatus, TravelMode, UserRole)
from .model import Department, District, Grid, Incident, Officer, Site, Task, Town
from .transitions import IllegalTransition

__all__ = [
    "Department", "District", "FixVerdict", "Grid", "IllegalTransition", "Incident", "IncidentSource",
    "IncidentStatus", "Officer", "OfficerStatus", "Priority", "RoadClass", "Site", "Task", "TaskStatus",
    "Town", "TravelMode", "UserRole",
]
