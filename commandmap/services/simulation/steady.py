"""Is the simulated city in a steady state, and does it keep the city's promise?

Measured from the store with the same SLA rules the app shows (`domain.sla`):
- open incidents (new … on scene), sampled once a simulated minute: their band;
- P1 dispatch: share of P1 incidents first dispatched within 60 s of the report;
- 1-minute contact rate: share of dispatched incidents whose contact clock (first
  dispatch → first acknowledgement, or arrival) was met within 60 s;
- 5-minute arrival rate: share of dispatched incidents whose arrival clock (first
  dispatch → first arrival, or resolution) was met within 300 s.
Only incidents whose clock could have run out before the end of the window count,
so the last minutes do not flatter the rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select

from ...domain.sla import ARRIVAL_DEADLINE_S, CONTACT_DEADLINE_S, SlaLevel, sla_state
from ...domain.transitions import OPEN_INCIDENT_STATUSES
from ...store.engine import READ_ONLY_OPTION
from ...store.schema import incident
from ..sla import incident_stages

P1_DISPATCH_TARGET_S = 60.0
_OPEN = [s.value for s in OPEN_INCIDENT_STATUSES]


def open_incidents(engine: Engine) -> int:
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        return int(conn.execute(select(func.count()).select_from(incident)
                                .where(incident.c.status.in_(_OPEN))).scalar_one())


@dataclass
class SteadyStateReport:
    start_s: float
    end_s: float
    warmup_s: float
    samples: list[tuple[float, int]] = field(default_factory=list)   # (simulated time, open incidents)
    p1_total: int = 0
    p1_within: int = 0
    dispatched: int = 0
    contact_met: int = 0
    arrival_met: int = 0

    @property
    def band(self) -> tuple[int, int]:
        """(min, max) open incidents after the warm-up."""
        after = [n for t, n in self.samples if t >= self.start_s + self.warmup_s] or [n for _, n in self.samples]
        return (min(after), max(after)) if after else (0, 0)

    @staticmethod
    def _share(a: int, b: int) -> float:
        return a / b if b else float("nan")

    @property
    def p1_rate(self) -> float:
        return self._share(self.p1_within, self.p1_total)

    @property
    def contact_rate(self) -> float:
        return self._share(self.contact_met, self.dispatched)

    @property
    def arrival_rate(self) -> float:
        return self._share(self.arrival_met, self.dispatched)

    def lines(self) -> list[str]:
        lo, hi = self.band
        n0 = self.samples[0][1] if self.samples else 0
        n1 = self.samples[-1][1] if self.samples else 0
        hours = (self.end_s - self.start_s) / 3600.0
        return [
            f"steady state over {hours:.2f} simulated h (warm-up {self.warmup_s / 60:.0f} min): "
            f"open incidents {n0} at start, {n1} at end, band {lo}–{hi} after warm-up",
            f"P1 dispatched within {P1_DISPATCH_TARGET_S:.0f} s of report: {self.p1_rate:.1%} "
            f"({self.p1_within}/{self.p1_total})",
            f"1-minute contact rate: {self.contact_rate:.1%}; 5-minute arrival rate: {self.arrival_rate:.1%} "
            f"(of {self.dispatched} dispatched incidents)",
        ]


def replay_open_counts(engine: Engine, start_s: float, end_s: float, every_s: float = 60.0) -> list[tuple[float, int]]:
    """Open incidents at each `every_s` from `start_s` to `end_s`, rebuilt from stage timestamps
    (reported; resolved = completion of the resolving task), so a run can be measured after the
    fact — even one that was killed."""
    import numpy as np

    stages = incident_stages(engine)
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        cancelled = set(conn.execute(select(incident.c.id).where(incident.c.status == "cancelled")).scalars())
    live = [(st.reported_s, np.inf if st.resolved_s is None else st.resolved_s)
            for iid, (_c, _s, st) in stages.items() if iid not in cancelled]
    reported = np.sort(np.array([a for a, _ in live]))
    resolved = np.sort(np.array([b for _, b in live]))
    steps = int(np.floor((end_s - start_s) / every_s + 1e-6))
    times = start_s + every_s * np.arange(steps + 1)
    counts = np.searchsorted(reported, times, side="right") - np.searchsorted(resolved, times, side="right")
    return [(float(t), int(n)) for t, n in zip(times.tolist(), counts.tolist())]


def measure(engine: Engine, report: SteadyStateReport) -> SteadyStateReport:
    """Fill the rates of `report` from incidents reported in its window."""
    stages = incident_stages(engine, reported_since_s=report.start_s)
    p1 = set()
    with engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        p1 = set(conn.execute(select(incident.c.id).where(incident.c.priority == "P1")).scalars())
    end = report.end_s
    for iid, (_code, _status, st) in stages.items():
        if st.reported_s > end:
            continue
        if iid in p1 and st.reported_s <= end - P1_DISPATCH_TARGET_S:
            report.p1_total += 1
            if st.dispatched_s is not None and st.dispatched_s - st.reported_s <= P1_DISPATCH_TARGET_S:
                report.p1_within += 1
        if st.dispatched_s is None or st.dispatched_s > end - max(CONTACT_DEADLINE_S, ARRIVAL_DEADLINE_S):
            continue
        state = sla_state(st, end)
        report.dispatched += 1
        report.contact_met += state.contact.level == SlaLevel.OK
        report.arrival_met += state.arrival.level == SlaLevel.OK
    return report
