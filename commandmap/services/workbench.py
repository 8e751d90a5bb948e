"""The dispatcher's use cases for one seat, behind one object the UI is handed.

The workstation never opens the store or builds a service itself: the
composition root (`commandmap.app`) builds a `Workbench` with the store, the
road graph, the operation's clock and the seat's name, and every action the
dispatcher takes goes through it. Each action is one of the existing services
(recommend, dispatch, lifecycle, intake), stamped with the operation's clock
and the seat, so conflicts come back as data (`DispatchResult`,
`ActionResult`) and never as exceptions.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine

from routing.projection import to_lonlat, to_xy

from ..domain.access import Actor, Permission, system_actor
from ..domain.enums import Priority
from . import lifecycle
from .assignments import AssignResult, dispatch_plan, plan_legs, send_move_up
from .board import Board
from .catalogue import IncidentCategory
from .coverage import MoveSuggestion
from .dispatch import DispatchResult, dispatch
from .intake import Intake, IntakeError, IntakeResult, NewIncident
from .lifecycle import ActionResult
from .plan_list import PlanSummary, list_plans
from .recommend import Candidate, Recommendation, Recommender
from .shown import ShownLog


def default_seat() -> str:
    """The seat name when none is given: this workstation's host name."""
    return socket.gethostname() or "workstation"


@dataclass(frozen=True)
class CategoryChoice:
    name: str             # stored value, e.g. 占道经营
    name_en: str
    priority: str         # default priority


class Workbench:
    """One seat's actions on one store."""

    def __init__(self, engine: Engine, graph: object | None, *, seat: str, clock: Callable[[], float],
                 crs: str, recommender: Recommender | None = None, intake: Intake | None = None,
                 actor: Actor | None = None) -> None:
        self.engine = engine
        self.crs = crs
        self.seat = seat
        #: who acts: the logged-in user at this seat (services check the role); without a login, the
        #: seat itself as an in-process operator, as before logins existed
        self.actor = Actor(actor.user, actor.role, seat) if actor is not None else system_actor(seat)
        self.clock = clock
        self.recommender = recommender or Recommender(engine, graph, clock=clock)
        self._intake = intake
        self.board = Board(engine)
        # what this seat's dispatcher saw, for replay and review; written off the path to the screen
        self.shown = ShownLog(engine, seat, background=True)

    @property
    def intake(self) -> Intake:
        """Built on first use: it indexes every grid polygon (a second at full scale)."""
        if self._intake is None:
            self._intake = Intake(self.engine)
        return self._intake

    # -- where ------------------------------------------------------------------------------------
    def to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        """(N,2) lon/lat to the map's metres (the city's CRS)."""
        return to_xy(self.crs, np.asarray(lonlat, np.float64).reshape(-1, 2))

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        return to_lonlat(self.crs, np.asarray(xy, np.float64).reshape(-1, 2))

    # -- who could go ----------------------------------------------------------------------------
    def recommend(self, incident_id: int, *, k: int = 5, widen: bool = False, fresh: bool = False) -> Recommendation:
        """The candidates for `incident_id`, stored as shown to this seat's dispatcher (`fresh`: read
        the roster from the store, not the live arrays: after a lost race)."""
        now = self.clock()
        rec = self.recommender.recommend(incident_id, k=k, widen=widen, now_s=now, fresh=fresh)
        self.shown.record(rec, now)
        return rec

    # -- sending and closing -----------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        """A role that may not dispatch (viewer, analyst): the UI can grey its buttons; the services refuse."""
        return not self.actor.may(Permission.DISPATCH)

    def dispatch(self, incident_id: int, candidate: Candidate, *, incident_version: int | None = None,
                 widen: bool = False) -> DispatchResult:
        """Send `candidate`; a lost race comes back with who won and a fresh recommendation."""
        now = self.clock()
        result = dispatch(self.engine, incident_id, candidate.officer_id, seat=self.actor,
                          predicted_eta_s=candidate.eta_s, route_lonlat=candidate.route_lonlat,
                          officer_version=candidate.version, incident_version=incident_version,
                          now_s=now, recommend=lambda i: self.recommend(i, widen=widen, fresh=True))
        if result.ok and result.task_id is not None:
            self.shown.dispatched(incident_id, candidate.officer_id, result.task_id, now)
        return result

    def send_move_up(self, move: MoveSuggestion) -> AssignResult:
        """Reposition `move`'s officer to its target (a coverage move-up) as a task, routed by road."""
        (leg,) = plan_legs(self.engine, self.recommender.graph, move.to_lonlat, [move.officer_id])
        return send_move_up(self.engine, leg, seat=self.actor, now_s=self.clock(), site_id=move.site_id,
                            gain_sites=move.gain_sites)

    def dispatch_plan(self, plan_id: int) -> AssignResult:
        """Send a saved joint inspection plan's team (all or none)."""
        return dispatch_plan(self.engine, plan_id, self.recommender.graph, seat=self.actor, now_s=self.clock())

    def plans(self) -> list[PlanSummary]:
        """Saved joint inspection plans, newest first (status, sites done, team, visits avoided)."""
        return list_plans(self.engine)

    def reassign(self, task_id: int, candidate: Candidate) -> ActionResult:
        return lifecycle.reassign(self.engine, task_id, candidate.officer_id, actor=self.actor,
                                  predicted_eta_s=candidate.eta_s, route_lonlat=candidate.route_lonlat,
                                  officer_version=candidate.version, now_s=self.clock())

    def acknowledge(self, task_id: int) -> ActionResult:
        return lifecycle.acknowledge(self.engine, task_id, actor=self.actor, now_s=self.clock())

    def resolve(self, task_id: int) -> ActionResult:
        return lifecycle.resolve(self.engine, task_id, actor=self.actor, now_s=self.clock())

    def cancel(self, incident_id: int, reason: str = "") -> ActionResult:
        return lifecycle.cancel(self.engine, incident_id, actor=self.actor, reason=reason, now_s=self.clock())

    # -- new incidents ----------------------------------------------------------------------------
    def categories(self) -> list[CategoryChoice]:
        return [CategoryChoice(c.name, c.name_en, c.priority.value)
                for c in self.intake.catalogue.incident_categories]

    def category(self, name: str) -> IncidentCategory:
        return self.intake.catalogue.incident_category(name)

    def create_incident(self, *, category: str, priority: str | None, lon: float, lat: float,
                        source: str = "hotline_12345", note: str = "") -> IntakeResult:
        """IntakeError (one line naming the field) for bad input; nothing is stored then."""
        if priority is not None and priority not in {p.value for p in Priority}:
            raise IntakeError(f"priority: {priority!r} is not one of P1, P2, P3, P4")
        return self.intake.create(NewIncident(category=category, source=source, lon=lon, lat=lat,
                                              priority=priority, description=note),
                                  actor=self.actor, now_s=self.clock())


__all__ = ["Workbench", "CategoryChoice", "default_seat", "IntakeError"]
