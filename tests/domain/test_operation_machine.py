"""Officers, incidents and tasks together: no sequence of dispatcher and field events
reaches a state where they disagree.

The rules drive only the domain's decisions (`plan_dispatch`, `plan_task_event` and the
single-machine tables), applying a decision all-or-nothing the way a service writes it in
one transaction. The invariants are written out here, independently of the code under test.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule

from commandmap.domain.enums import IncidentStatus as I
from commandmap.domain.enums import OfficerStatus as O
from commandmap.domain.enums import TaskStatus as T
from commandmap.domain.transitions import (TASK_EVENTS, IllegalTransition, next_incident_status,
                                           next_officer_status, plan_dispatch, plan_task_event, task_can)

# the spec: what an officer's and an incident's status must be while a task is open
MIRROR_OFFICER = {T.DISPATCHED: O.DISPATCHED, T.ACKNOWLEDGED: O.DISPATCHED, T.EN_ROUTE: O.EN_ROUTE,
                  T.ON_SCENE: O.ON_SCENE}
MIRROR_INCIDENT = {T.DISPATCHED: I.DISPATCHED, T.ACKNOWLEDGED: I.DISPATCHED, T.EN_ROUTE: I.EN_ROUTE,
                   T.ON_SCENE: I.ON_SCENE}
OPEN = set(MIRROR_OFFICER)
FINAL_TASK = {T.COMPLETED, T.CANCELLED, T.REASSIGNED}
OFFICERS = 3
TASK_EVENT_NAMES = sorted(TASK_EVENTS) + ["teleport"]


class Operation(RuleBasedStateMachine):
    incidents = Bundle("incidents")

    @initialize()
    def start(self) -> None:
        self.officer = [O.AVAILABLE] * OFFICERS  # a shift under way; go_off_duty/on_duty still vary it
        self.incident: list[I] = []
        self.tasks: list[dict] = []  # {"officer", "incident", "status"}
        self.applied = Counter()

    def _open_task_of(self, key: str, index: int) -> int | None:
        open_ = [n for n, t in enumerate(self.tasks) if t[key] == index and t["status"] in OPEN]
        assert len(open_) <= 1
        return open_[0] if open_ else None

    # --- incidents and shifts (gated: otherwise they crowd out the interesting steps) ---
    @rule(target=incidents)
    def report(self) -> int:
        self.incident.append(I.NEW)
        return len(self.incident) - 1

    @rule(o=st.integers(0, OFFICERS - 1), event=st.sampled_from(["go_on_duty", "go_off_duty"]),
          gate=st.integers(0, 7))
    def shift(self, o: int, event: str, gate: int) -> None:
        if event == "go_off_duty" and gate:
            return  # rarely: an officer off duty takes no work, which starves the other rules
        try:
            self.officer[o] = next_officer_status(self.officer[o], event)
            self.applied[event] += 1
        except IllegalTransition:
            pass

    @rule(i=incidents)
    def close_any(self, i: int) -> None:
        try:
            self.incident[i] = next_incident_status(self.incident[i], "close")
            self.applied["close"] += 1
        except IllegalTransition:
            pass

    @precondition(lambda self: I.RESOLVED in self.incident)
    @rule(data=st.data())
    def close_resolved(self, data: st.DataObject) -> None:
        self.close_any(data.draw(st.sampled_from([n for n, s in enumerate(self.incident) if s == I.RESOLVED])))

    @rule(i=incidents, gate=st.integers(0, 3))
    def cancel_incident(self, i: int, gate: int = 0) -> None:
        """A cancelled incident takes its open task (and officer) with it, decided by the domain."""
        if gate:
            return
        n = self._open_task_of("incident", i)
        try:
            if n is None:
                self.incident[i] = next_incident_status(self.incident[i], "cancel")
            else:
                self._apply_task_event(n, "cancel")
            self.applied["cancel_incident"] += 1
        except IllegalTransition:
            pass

    # --- dispatch and the task's life --------------------------------------------------
    @rule(o=st.integers(0, OFFICERS - 1), i=incidents)
    def dispatch_any(self, o: int, i: int) -> None:
        """Any officer to any incident: the domain accepts or refuses."""
        self.dispatch(o, i)

    @precondition(lambda self: O.AVAILABLE in self.officer and I.NEW in self.incident)
    @rule(data=st.data())
    def dispatch_free(self, data: st.DataObject) -> None:
        """An available officer to a new incident: the common case, always accepted."""
        o = data.draw(st.sampled_from([n for n, s in enumerate(self.officer) if s == O.AVAILABLE]))
        i = data.draw(st.sampled_from([n for n, s in enumerate(self.incident) if s == I.NEW]))
        assert self.dispatch(o, i)

    def dispatch(self, o: int, i: int) -> bool:
        try:
            moves = plan_dispatch(self.officer[o], self.incident[i])
        except IllegalTransition:
            return False
        self.officer[o], self.incident[i] = moves.officer, moves.incident
        self.tasks.append({"officer": o, "incident": i, "status": moves.task})
        self.applied["dispatch"] += 1
        return True

    def _apply_task_event(self, n: int, event: str) -> None:
        task = self.tasks[n]
        moves = plan_task_event(event, task["status"], self.officer[task["officer"]], self.incident[task["incident"]])
        task["status"] = moves.task
        self.officer[task["officer"]] = moves.officer
        self.incident[task["incident"]] = moves.incident

    def _pick_task(self, data: st.DataObject) -> int:
        """Mostly an open task (where things happen), sometimes any task (refusals)."""
        open_ = [n for n, t in enumerate(self.tasks) if t["status"] in OPEN]
        if open_ and data.draw(st.integers(0, 4)):
            return data.draw(st.sampled_from(open_))
        return data.draw(st.integers(0, len(self.tasks) - 1))

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), event=st.sampled_from(TASK_EVENT_NAMES))
    def task_event(self, data: st.DataObject, event: str) -> None:
        """Any event on any task: the domain accepts or refuses."""
        self.try_task_event(self._pick_task(data), event)

    @precondition(lambda self: any(t["status"] in OPEN for t in self.tasks))
    @rule(data=st.data())
    def field_update(self, data: st.DataObject) -> None:
        """What the field usually sends next: an event the task itself would accept."""
        n = data.draw(st.sampled_from([n for n, t in enumerate(self.tasks) if t["status"] in OPEN]))
        likely = [e for e in ("acknowledge", "start_route", "arrive", "complete") if task_can(self.tasks[n]["status"], e)]
        self.try_task_event(n, data.draw(st.sampled_from(likely)))

    def try_task_event(self, n: int, event: str) -> None:
        before = (dict(self.tasks[n]), list(self.officer), list(self.incident))
        try:
            self._apply_task_event(n, event)
        except IllegalTransition:
            assert (self.tasks[n], self.officer, self.incident) == before  # refused means untouched
            return
        assert before[0]["status"] not in FINAL_TASK, "a finished task moved again"
        self.applied[event] += 1

    @precondition(lambda self: self.tasks)
    @rule(data=st.data(), o=st.integers(0, OFFICERS - 1))
    def reassign(self, data: st.DataObject, o: int) -> None:
        self.try_reassign(self._pick_task(data), o)

    def try_reassign(self, n: int, o: int) -> None:
        """Withdraw the task's officer and dispatch another one: both steps or neither."""
        task = self.tasks[n]
        if o == task["officer"]:
            return
        try:
            first = plan_task_event("reassign", task["status"], self.officer[task["officer"]],
                                    self.incident[task["incident"]])
            second = plan_dispatch(self.officer[o], first.incident)
        except IllegalTransition:
            return
        task["status"] = first.task
        self.officer[task["officer"]] = first.officer
        self.officer[o], self.incident[task["incident"]] = second.officer, second.incident
        self.tasks.append({"officer": o, "incident": task["incident"], "status": second.task})
        self.applied["reassign"] += 1

    # --- what must hold after every step ---------------------------------------------
    @invariant()
    def officers_busy_iff_one_open_task(self) -> None:
        for o, status in enumerate(self.officer):
            n = self._open_task_of("officer", o)
            if n is None:
                assert status in (O.AVAILABLE, O.OFF_DUTY), (o, status)
            else:
                assert status == MIRROR_OFFICER[self.tasks[n]["status"]], (o, status, self.tasks[n])

    @invariant()
    def incidents_agree_with_their_task(self) -> None:
        for i, status in enumerate(self.incident):
            n = self._open_task_of("incident", i)
            if n is None:
                assert status in (I.NEW, I.RESOLVED, I.CLOSED, I.CANCELLED), (i, status)
            else:
                assert status == MIRROR_INCIDENT[self.tasks[n]["status"]], (i, status, self.tasks[n])
            if status in (I.RESOLVED, I.CLOSED):
                assert any(t["incident"] == i and t["status"] == T.COMPLETED for t in self.tasks)

    @invariant()
    def completed_tasks_belong_to_resolved_incidents(self) -> None:
        for t in self.tasks:
            if t["status"] == T.COMPLETED:
                assert self.incident[t["incident"]] in (I.RESOLVED, I.CLOSED)


Operation.TestCase.settings = settings(max_examples=100, stateful_step_count=50, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
TestOperation = Operation.TestCase


def test_a_known_walk_through_every_event() -> None:
    """A known walk through every composite event ends where it must."""
    m = Operation()
    m.start()
    for o in range(OFFICERS):
        m.shift(o, "go_off_duty", 0)
        m.shift(o, "go_on_duty", 0)
    incidents = [m.report() for _ in range(4)]

    m.dispatch_any(0, incidents[0])
    for event in ("acknowledge", "start_route", "arrive", "complete"):
        m.try_task_event(len(m.tasks) - 1, event)
    m.close_any(incidents[0])
    m.dispatch_any(1, incidents[1])
    m.try_reassign(len(m.tasks) - 1, 2)
    m.cancel_incident(incidents[1])
    m.dispatch_any(2, incidents[2])
    m.try_task_event(len(m.tasks) - 1, "cancel")
    for check in (m.officers_busy_iff_one_open_task, m.incidents_agree_with_their_task,
                  m.completed_tasks_belong_to_resolved_incidents):
        check()
    assert set(m.applied) >= {"go_on_duty", "dispatch", "acknowledge", "start_route", "arrive", "complete",
                              "close", "reassign", "cancel_incident", "cancel"}
    assert m.incident[:3] == [I.CLOSED, I.CANCELLED, I.CANCELLED]
    assert m.officer == [O.AVAILABLE] * OFFICERS
    m.teardown()
