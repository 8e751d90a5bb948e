"""The only place state transitions are decided.

Services ask `check_*` before writing; the store's conditional updates then
make the same decision race-safe. Keeping the tables here (not in SQL or UI)
lets property tests prove no event sequence reaches an illegal state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .enums import IncidentStatus as I
from .enums import OfficerStatus as O
from .enums import TaskStatus as T


class IllegalTransition(ValueError):
    """Raised when an event is not allowed from the current state."""

    def __init__(self, machine: str, current: str, event: str) -> None:
        super().__init__(f"{machine}: event '{event}' is not allowed in state '{current}'")
        self.machine = machine
        self.current = current
        self.event = event


OFFICER_EVENTS: Mapping[str, Mapping[O, O]] = {
    "go_on_duty": {O.OFF_DUTY: O.AVAILABLE},
    "go_off_duty": {O.AVAILABLE: O.OFF_DUTY},
    "dispatch": {O.AVAILABLE: O.DISPATCHED},
    "start_route": {O.DISPATCHED: O.EN_ROUTE},
    "arrive": {O.DISPATCHED: O.ON_SCENE, O.EN_ROUTE: O.ON_SCENE},
    "release": {O.DISPATCHED: O.AVAILABLE, O.EN_ROUTE: O.AVAILABLE, O.ON_SCENE: O.AVAILABLE},
}

_OPEN_INCIDENT = (I.NEW, I.DISPATCHED, I.EN_ROUTE, I.ON_SCENE)

INCIDENT_EVENTS: Mapping[str, Mapping[I, I]] = {
    "dispatch": {I.NEW: I.DISPATCHED},
    "start_route": {I.DISPATCHED: I.EN_ROUTE},
    "arrive": {I.DISPATCHED: I.ON_SCENE, I.EN_ROUTE: I.ON_SCENE},
    "resolve": {I.ON_SCENE: I.RESOLVED},
    "close": {I.RESOLVED: I.CLOSED},
    "cancel": {s: I.CANCELLED for s in _OPEN_INCIDENT},
    # the assigned officer was withdrawn: the incident waits for a new dispatch
    "requeue": {I.DISPATCHED: I.NEW, I.EN_ROUTE: I.NEW},
}

TASK_EVENTS: Mapping[str, Mapping[T, T]] = {
    "acknowledge": {T.DISPATCHED: T.ACKNOWLEDGED},
    "start_route": {T.DISPATCHED: T.EN_ROUTE, T.ACKNOWLEDGED: T.EN_ROUTE},
    "arrive": {T.DISPATCHED: T.ON_SCENE, T.ACKNOWLEDGED: T.ON_SCENE, T.EN_ROUTE: T.ON_SCENE},
    "complete": {T.ON_SCENE: T.COMPLETED},
    "cancel": {s: T.CANCELLED for s in (T.DISPATCHED, T.ACKNOWLEDGED, T.EN_ROUTE, T.ON_SCENE)},
    "reassign": {s: T.REASSIGNED for s in (T.DISPATCHED, T.ACKNOWLEDGED, T.EN_ROUTE)},
}

OPEN_TASK_STATUSES: frozenset[T] = frozenset({T.DISPATCHED, T.ACKNOWLEDGED, T.EN_ROUTE, T.ON_SCENE})
OPEN_INCIDENT_STATUSES: frozenset[I] = frozenset(_OPEN_INCIDENT)
BUSY_OFFICER_STATUSES: frozenset[O] = frozenset({O.DISPATCHED, O.EN_ROUTE, O.ON_SCENE})


def _next(machine: str, table: Mapping[str, Mapping[Any, Any]], current: Any, event: str) -> Any:
    allowed = table.get(event)
    if allowed is None:
        raise IllegalTransition(machine, str(current), event)
    target = allowed.get(current)
    if target is None:
        raise IllegalTransition(machine, str(current), event)
    return target


def next_officer_status(current: O, event: str) -> O:
    """The officer's status after `event`; raises IllegalTransition."""
    return O(_next("officer", OFFICER_EVENTS, O(current), event))


def next_incident_status(current: I, event: str) -> I:
    """The incident's status after `event`; raises IllegalTransition."""
    return I(_next("incident", INCIDENT_EVENTS, I(current), event))


def next_task_status(current: T, event: str) -> T:
    """The task's status after `event`; raises IllegalTransition."""
    return T(_next("task", TASK_EVENTS, T(current), event))


def officer_can(current: O, event: str) -> bool:
    return O(current) in OFFICER_EVENTS.get(event, {})


def incident_can(current: I, event: str) -> bool:
    return I(current) in INCIDENT_EVENTS.get(event, {})


def task_can(current: T, event: str) -> bool:
    return T(current) in TASK_EVENTS.get(event, {})


# --- one task event moves three machines together -------------------------------------

# task event -> (officer event, incident event); None leaves that machine as it is.
TASK_EVENT_EFFECTS: Mapping[str, tuple[str | None, str | None]] = {
    "acknowledge": (None, None),
    "start_route": ("start_route", "start_route"),
    "arrive": ("arrive", "arrive"),
    "complete": ("release", "resolve"),
    "cancel": ("release", "cancel"),      # the incident is cancelled while an officer is on it
    "reassign": ("release", "requeue"),   # the officer is withdrawn; the incident awaits a new dispatch
}


class Moves(NamedTuple):
    """The statuses a task, its officer and its incident take together."""

    task: T
    officer: O
    incident: I | None      # None: a task without an incident (inspection, move-up)


def plan_dispatch(officer: O, incident: I) -> Moves:
    """A new task: raises IllegalTransition unless the officer is available and the incident new."""
    return Moves(T.DISPATCHED, next_officer_status(officer, "dispatch"), next_incident_status(incident, "dispatch"))


def plan_task_event(event: str, task: T, officer: O, incident: I | None) -> Moves:
    """All three statuses after `event` on a task, deciding for the three machines at once,
    so a service can never move one and leave the others behind: if any machine refuses,
    IllegalTransition is raised and nothing should be written. `incident` None: a task
    without one (inspection, move-up) moves only itself and its officer."""
    effects = TASK_EVENT_EFFECTS.get(event)
    if effects is None:
        raise IllegalTransition("task", str(task), event)
    officer_event, incident_event = effects
    return Moves(next_task_status(task, event),
                 next_officer_status(officer, officer_event) if officer_event else O(officer),
                 None if incident is None else
                 next_incident_status(incident, incident_event) if incident_event else I(incident))


# --- the officer's phone walks a task in order ------------------------------------------

#: task event -> the task statuses a phone tap may start from. Stricter than the machine: on the phone
#: the officer accepts first (that tap is the 1-minute contact promise), so "arrived" or "on my way" on
#: a task still waiting for acceptance is a mis-tap that changes nothing, as is any step backwards.
PHONE_STEP_FROM: Mapping[str, frozenset[T]] = {
    "acknowledge": frozenset({T.DISPATCHED}),
    "start_route": frozenset({T.ACKNOWLEDGED}),
    "arrive": frozenset({T.ACKNOWLEDGED, T.EN_ROUTE}),
    "complete": frozenset({T.ON_SCENE}),
}


def phone_can(current: T | str, event: str) -> bool:
    """Whether a phone tap of `event` applies to a task in `current` (and the machine allows it)."""
    return T(current) in PHONE_STEP_FROM.get(event, frozenset()) and task_can(T(current), event)
