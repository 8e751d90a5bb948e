"""Each state machine on its own: the tables say what DESIGN §4 says, `*_can` agrees with
`next_*`, terminal states are final, and no state is a dead end."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commandmap.domain.enums import IncidentStatus as I
from commandmap.domain.enums import OfficerStatus as O
from commandmap.domain.enums import TaskStatus as T
from commandmap.domain.transitions import (BUSY_OFFICER_STATUSES, INCIDENT_EVENTS, OFFICER_EVENTS,
                                           OPEN_INCIDENT_STATUSES, OPEN_TASK_STATUSES, TASK_EVENT_EFFECTS,
                                           TASK_EVENTS, IllegalTransition, incident_can, next_incident_status,
                                           next_officer_status, next_task_status, officer_can, task_can)

MACHINES = [
    ("officer", O, OFFICER_EVENTS, officer_can, next_officer_status),
    ("incident", I, INCIDENT_EVENTS, incident_can, next_incident_status),
    ("task", T, TASK_EVENTS, task_can, next_task_status),
]
TERMINAL = {"incident": {I.CLOSED, I.CANCELLED}, "task": {T.COMPLETED, T.CANCELLED, T.REASSIGNED}, "officer": set()}


def _reachable(start: Iterable, events: Mapping[str, Mapping]) -> set:
    seen, todo = set(start), deque(start)
    while todo:
        state = todo.popleft()
        for table in events.values():
            nxt = table.get(state)
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


@pytest.mark.parametrize("name, enum, events, can, step", MACHINES, ids=[m[0] for m in MACHINES])
def test_can_agrees_with_next_for_every_state_and_event(name, enum, events, can, step) -> None:  # type: ignore[no-untyped-def]
    for state in enum:
        for event in [*events, "teleport", ""]:
            if can(state, event):
                assert step(state, event) in set(enum)
            else:
                with pytest.raises(IllegalTransition) as info:
                    step(state, event)
                assert info.value.machine == name and info.value.current == str(state)
                assert name in str(info.value) and repr(event)[1:-1] in str(info.value)


@given(st.text(max_size=12))
def test_unknown_events_are_illegal_everywhere(event: str) -> None:
    for _name, enum, events, can, step in MACHINES:
        if event in events:
            continue
        for state in enum:
            assert not can(state, event)
            with pytest.raises(IllegalTransition):
                step(state, event)


@pytest.mark.parametrize("name, enum, events, can, step", MACHINES, ids=[m[0] for m in MACHINES])
def test_terminal_states_are_final_and_nothing_else_is_a_dead_end(name, enum, events, can, step) -> None:  # type: ignore[no-untyped-def]
    for state in enum:
        outgoing = [e for e in events if can(state, e)]
        assert (not outgoing) == (state in TERMINAL[name]), (state, outgoing)


def test_every_state_is_reachable_from_where_records_start() -> None:
    assert _reachable([O.OFF_DUTY], OFFICER_EVENTS) == set(O)
    assert _reachable([I.NEW], INCIDENT_EVENTS) == set(I)
    assert _reachable([T.DISPATCHED], TASK_EVENTS) == set(T)


def test_an_officer_can_always_get_back_to_available_and_work_always_ends() -> None:
    for state in O:
        assert O.AVAILABLE in _reachable([state], OFFICER_EVENTS)
    for state in I:
        assert _reachable([state], INCIDENT_EVENTS) & {I.CLOSED, I.CANCELLED}
    for state in T:
        assert _reachable([state], TASK_EVENTS) & TERMINAL["task"]


def test_design_paths() -> None:
    """DESIGN §4, spelled out."""
    def walk(step: Callable, state, events: list[str]) -> list:  # type: ignore[no-untyped-def]
        seen = [state]
        for event in events:
            state = step(state, event)
            seen.append(state)
        return seen

    assert walk(next_officer_status, O.OFF_DUTY, ["go_on_duty", "go_off_duty", "go_on_duty", "dispatch",
                                                  "start_route", "arrive", "release"]) == [
        O.OFF_DUTY, O.AVAILABLE, O.OFF_DUTY, O.AVAILABLE, O.DISPATCHED, O.EN_ROUTE, O.ON_SCENE, O.AVAILABLE]
    assert walk(next_incident_status, I.NEW, ["dispatch", "start_route", "arrive", "resolve", "close"]) == [
        I.NEW, I.DISPATCHED, I.EN_ROUTE, I.ON_SCENE, I.RESOLVED, I.CLOSED]
    for state in OPEN_INCIDENT_STATUSES:
        assert next_incident_status(state, "cancel") == I.CANCELLED
    for state in (I.RESOLVED, I.CLOSED, I.CANCELLED):
        assert not incident_can(state, "cancel")
    # an officer who is busy cannot go off duty before being released
    for state in BUSY_OFFICER_STATUSES:
        assert not officer_can(state, "go_off_duty")


def test_the_exported_status_sets_match_the_tables() -> None:
    assert OPEN_TASK_STATUSES == set(T) - TERMINAL["task"]
    assert OPEN_INCIDENT_STATUSES == {s for s in I if incident_can(s, "cancel")}
    assert BUSY_OFFICER_STATUSES == {s for s in O if officer_can(s, "release")}
    assert set(TASK_EVENT_EFFECTS) == set(TASK_EVENTS)


def test_statuses_accept_their_stored_strings_and_refuse_others() -> None:
    assert next_officer_status("available", "dispatch") == O.DISPATCHED  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        next_officer_status("asleep", "dispatch")  # type: ignore[arg-type]
