"""The city's two promises as rates: contact within 1 minute, arrival within 5 minutes.

Pure: stage times in, figures out, so the workstation's KPI strip, the wall's
tiles and reports compute them one way. A clock counts once it is *decided*:
its stage was reached, or its deadline passed without it. A task dispatched
20 s ago and not yet acknowledged is neither a success nor a failure yet.
Times are incident-level (first dispatch, first acknowledgement, first
arrival), as in `domain.sla`, so a reassignment does not reset the citizen's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .sla import ARRIVAL_DEADLINE_S, CONTACT_DEADLINE_S, StageTimes


@dataclass(frozen=True)
class PromiseRate:
    """Share of decided clocks that met their deadline, with the counts behind it."""

    met: int
    decided: int
    median_s: float | None      # median time to the stage over the clocks that reached it

    @property
    def rate(self) -> float | None:
        return None if self.decided == 0 else self.met / self.decided


@dataclass(frozen=True)
class ResponseKpis:
    dispatched: int             # incidents dispatched in the window
    contact: PromiseRate        # dispatched → acknowledged within 60 s
    arrival: PromiseRate        # dispatched → arrived within 300 s
    median_to_dispatch_s: float | None   # reported → first dispatch


def _promise(start: np.ndarray, done: np.ndarray, budget_s: float, now_s: float) -> PromiseRate:
    reached = ~np.isnan(done)
    took = done - start
    met = reached & (took <= budget_s)
    decided = reached | (now_s - start > budget_s)
    median = float(np.median(took[reached])) if reached.any() else None
    return PromiseRate(int(met.sum()), int(decided.sum()), median)


def response_kpis(stages: Sequence[StageTimes], now_s: float, *, contact_s: float = CONTACT_DEADLINE_S,
                  arrival_s: float = ARRIVAL_DEADLINE_S) -> ResponseKpis:
    """KPIs over incidents' stage times (typically those reported today)."""
    def col(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(s, name) is None else float(getattr(s, name)) for s in stages],
                        np.float64)

    reported, dispatched = col("reported_s"), col("dispatched_s")
    acked, arrived, resolved = col("acknowledged_s"), col("arrived_s"), col("resolved_s")
    arrived = np.where(np.isnan(arrived), resolved, arrived)   # resolved without a visit stops the clock
    acked = np.where(np.isnan(acked), arrived, acked)          # reaching the scene is contact too
    sent = ~np.isnan(dispatched)
    to_dispatch = (dispatched - reported)[sent]
    return ResponseKpis(
        int(sent.sum()),
        _promise(dispatched[sent], acked[sent], contact_s, now_s),
        _promise(dispatched[sent], arrived[sent], arrival_s, now_s),
        float(np.median(to_dispatch)) if len(to_dispatch) else None,
    )


@dataclass(frozen=True)
class PracticeKpis:
    """The seed's practice figures over a window: joint inspections and the visits they
    spared businesses, the cross-department inspection rate, cases, escalations."""

    inspections: int
    joint_inspections: int           # inspections with >= 2 departments in one visit (综合查一次)
    visits_avoided: int              # separate departmental visits replaced, minus the visits made
    escalations: int                 # grid whistles escalated to the district
    cases_by_domain: dict[str, int]
    cases_by_district: dict[str, int]

    @property
    def cross_department_rate(self) -> float | None:
        return None if self.inspections == 0 else self.joint_inspections / self.inspections


def practice_kpis(department_counts: Sequence[int], visits_replaced: Sequence[int], escalations: int,
                  cases_by_domain: dict[str, int], cases_by_district: dict[str, int]) -> PracticeKpis:
    """From one entry per inspection (departments present, separate visits it replaced)."""
    deps = np.asarray(department_counts, dtype=np.int64)
    rep = np.asarray(visits_replaced, dtype=np.int64)
    return PracticeKpis(int(len(deps)), int((deps >= 2).sum()), int(np.maximum(rep - 1, 0).sum()), int(escalations),
                        dict(cases_by_domain), dict(cases_by_district))
