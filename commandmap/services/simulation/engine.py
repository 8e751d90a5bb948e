"""The simulated city: officers patrol, incidents arrive, a simulated dispatcher sends
officers, officers acknowledge, drive, arrive, handle, and become available again;
inspection teams drive their plan's tour site by site (checks on scene for
`inspection_median_s`, then on to the next site: `services.inspection_tour`),
move-ups are driven to their targets, and grid whistles not accepted in time
escalate to the district at their deadline (`whistle.escalate_due`).

Everything it does goes through the real services (intake, recommend, dispatch,
lifecycle, ingest), so the demo exercises the same code as a real operation, and
every seat watching the store sees it. Qt-free: the GUI drives `step(now_s)` from
a worker thread, `commandmap simulate` from a loop. For a given seed, store and
sequence of `now_s` values, a single simulator produces the same operation.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select

from ...domain.arrival import DEFAULT_ARRIVAL_RADIUS_M
from ...domain.enums import IncidentSource, TaskKind
from ...domain.transitions import OPEN_TASK_STATUSES
from ...store.engine import READ_ONLY_OPTION
from ...store.schema import district, grid, incident, officer, officer_position, site, task, town
from .. import whistle
from .. import lifecycle
from ..arrival import ArrivalDetector
from ..city_categories import city_catalogue
from ..ingest import FixBatch, FixIngestor
from ..intake import Intake, IntakeError, NewIncident
from ..recommend import Recommender
from ..clock import to_epoch
from .dispatcher import DispatcherConfig, SimDispatcher
from .kinematics import EdgeGeometry, PatrolWalk, RouteFollower
from .resume import SIM_CLOCK_KEY, resume_point, write_clock
from .rhythm import arrival_times

PATROL, HELD, ROUTE, SCENE, OFF = 0, 1, 2, 3, 4
_OPEN = [s.value for s in OPEN_TASK_STATUSES]
_SOURCE_WEIGHTS = {IncidentSource.GRID_WHISTLE: 0.25, IncidentSource.HOTLINE_12345: 0.35,
                   IncidentSource.PATROL: 0.20, IncidentSource.REMOTE_MONITOR: 0.10,
                   IncidentSource.PUBLIC_REPORT: 0.10}


@dataclass(frozen=True)
class SimConfig:
    seed: int = 42
    fix_interval_s: float = 10.0
    incidents_per_hour: float | None = None     # None: one per 25 officers per hour on average
    auto_dispatch: bool = True                  # a simulated dispatcher works the queue (switchable at run time)
    reaction_scale: float = 1.0                 # × the dispatcher's reaction times (dispatcher.REACTION_S)
    ack_median_s: float = 20.0                  # lognormal; some officers miss the 60 s contact target
    ack_sigma: float = 0.6
    start_route_delay_s: tuple[float, float] = (3.0, 15.0)
    handling_median_s: float = 600.0
    # a joint inspection's checks at one site, per team member (lognormal): median 20 min, 90 % within 12–33 min,
    # about what a multi-department walk-through of a shop or restaurant takes
    inspection_median_s: float = 1200.0
    inspection_sigma: float = 0.3
    close_after_s: float = 300.0
    patrol_speed_factor: float = 0.6
    gps_noise_m: float = 4.0
    p_duplicate: float = 0.004                  # fault injection, so the validator is exercised
    p_late: float = 0.005                       # late fixes are (rightly) flagged out of order
    p_jump: float = 0.001
    late_by_s: tuple[float, float] = (15.0, 90.0)
    jump_m: tuple[float, float] = (1500.0, 6000.0)
    arrival_radius_m: float = DEFAULT_ARRIVAL_RADIUS_M
    max_step_s: float = 5.0                     # longer steps are split for movement
    seat: str = "sim-dispatcher"


@dataclass
class StepReport:
    now_s: float
    fixes: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    incidents: int = 0
    dispatched: int = 0
    acknowledged: int = 0
    arrived: int = 0
    resolved: int = 0
    closed: int = 0
    escalated: int = 0          # grid whistles escalated to the district

    def add(self, other: StepReport) -> None:
        for name in ("fixes", "incidents", "dispatched", "acknowledged", "arrived", "resolved", "closed",
                     "escalated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, v in other.verdicts.items():
            self.verdicts[k] = self.verdicts.get(k, 0) + v
        self.now_s = other.now_s


@dataclass
class _Task:
    id: int
    officer_idx: int
    incident_id: int
    scene_xy: np.ndarray
    route_lonlat: list
    eta_s: float
    kind: str = TaskKind.INCIDENT.value


class SimulationEngine:
    """See the module docstring. `graph` defaults to the store's road network.

    `start_s` is the earliest simulated start: a store that already holds a later
    simulated time (a previous run, a killed process) resumes there, never earlier.
    """

    def __init__(self, engine: Engine, graph=None, config: SimConfig = SimConfig(), *,  # type: ignore[no-untyped-def]
                 start_s: float) -> None:
        if graph is None:
            from ..city import load_road_graph
            graph = load_road_graph(engine)
        self.engine = engine
        self.graph = graph
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.now = resume_point(engine, start_s)
        self._clock_map: tuple[float, float, float] | None = None   # wall0, sim0, speed once published
        self._auto_lock = threading.Lock()
        self._auto_dispatch = config.auto_dispatch
        self.geometry = EdgeGeometry(graph)
        self.detector = ArrivalDetector(engine, config.arrival_radius_m)
        self.ingestor = FixIngestor(engine, clock=lambda: self.now, on_moved=self._on_moved)
        self.intake = Intake(engine)
        self.recommender = Recommender(engine, graph, clock=lambda: self.now)
        self.dispatcher = SimDispatcher(engine, self.recommender,
                                        DispatcherConfig(seed=config.seed, close_after_s=config.close_after_s,
                                                         seat=config.seat, reaction_scale=config.reaction_scale), self._on_dispatched)
        self.catalogue = city_catalogue(engine)
        self._events: list[tuple[float, int, str, Any]] = []
        self._seq = itertools.count()
        self._late: list[tuple[float, int, int, float, float, float]] = []   # deliver_at, seq, officer, lon, lat, t
        self.tasks: dict[int, _Task] = {}
        self._report = StepReport(self.now)
        self._load_officers()
        self._load_places()
        n_on = int(self.on_duty.sum())
        self.incidents_per_hour = (config.incidents_per_hour if config.incidents_per_hour is not None
                                   else max(n_on / 25.0, 1.0))
        self._sync_tasks(self.now)

    # -- set-up -----------------------------------------------------------------------------------
    def _load_officers(self) -> None:
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            rows = conn.execute(select(officer.c.id, officer.c.mode, officer.c.on_duty, officer_position.c.lon,
                                       officer_position.c.lat)
                                .outerjoin(officer_position, officer_position.c.officer_id == officer.c.id)
                                .order_by(officer.c.id)).all()
        n = len(rows)
        self.ids = np.array([r.id for r in rows], np.int64)
        self.index = {int(i): k for k, i in enumerate(self.ids.tolist())}
        self.modes = np.array([r.mode for r in rows], dtype=object)
        self.on_duty = np.array([bool(r.on_duty) for r in rows], bool)
        lonlat = np.array([(np.nan if r.lon is None else r.lon, np.nan if r.lat is None else r.lat) for r in rows],
                          np.float64).reshape(-1, 2)
        self.state = np.where(self.on_duty, PATROL, OFF).astype(np.int8)
        self.arc = np.zeros(n, np.int64)
        self.s_m = np.zeros(n)
        self.xy = np.full((n, 2), np.nan)
        self.heading = np.zeros(n)
        self.walkers = {m: PatrolWalk(self.graph, m, self.rng, self.config.patrol_speed_factor)
                        for m in sorted(set(self.modes.tolist()))}
        self._place(np.arange(n), lonlat)
        stagger = self.rng.uniform(0, self.config.fix_interval_s, n)
        self.next_fix = self.now + stagger
        self.followers: dict[int, RouteFollower] = {}
        self.positions_now()

    def _place(self, idx: np.ndarray, lonlat: np.ndarray) -> None:
        """Put movers on their mode's network nearest to `lonlat` (random where unknown)."""
        from routing import snap

        for mode, walker in self.walkers.items():
            sel = idx[self.modes[idx] == mode]
            if not len(sel):
                continue
            ll = lonlat[np.searchsorted(idx, sel)]   # idx is sorted; lonlat is aligned with it
            res = snap(self.graph, ll, 5_000.0, mode)
            ok = res.status == 0
            arc, s = walker.arcs_at(np.where(ok, res.edge, 0), np.where(ok, res.fraction, 0.0))
            bad = ~ok
            if bad.any():
                arc[bad] = walker.random_arcs(int(bad.sum()))
                s[bad] = 0.0
            self.arc[sel], self.s_m[sel] = arc, s

    def _load_places(self) -> None:
        """Road junctions by district (where incidents happen) and sites by district."""
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            dists = conn.execute(select(district.c.id, district.c.population).order_by(district.c.id)).all()
            sites = conn.execute(select(site.c.id, site.c.lon, site.c.lat, town.c.district_id)
                                 .join(grid, grid.c.id == site.c.grid_id).join(town, town.c.id == grid.c.town_id)
                                 .where(site.c.retired_at.is_(None))   # left the registry
                                 .order_by(site.c.id)).all()
        sample = self.graph.node_lonlat
        if len(sample) > 20_000:
            pick = np.sort(self.rng.choice(len(sample), 20_000, replace=False))
            sample = sample[pick]
        where = self.intake.jurisdiction.resolve_many(sample[:, 0], sample[:, 1])
        node_district = np.array([-1 if j.district_id is None else j.district_id for j in where])
        self.district_ids = [int(d.id) for d in dists if (node_district == d.id).any()]
        pop = np.array([max(float(d.population or 0), 1.0) for d in dists if int(d.id) in self.district_ids])
        self.district_p = pop / pop.sum() if len(pop) else np.zeros(0)
        self.district_nodes = {d: sample[node_district == d] for d in self.district_ids}
        self.district_sites: dict[int, list[tuple[int, float, float]]] = {}
        for s in sites:
            self.district_sites.setdefault(int(s.district_id), []).append((int(s.id), float(s.lon), float(s.lat)))

    def publish_clock(self, wall0_s: float, speed: float, sim0_s: float | None = None) -> None:
        """Tell every seat the simulated time: simulated `sim0_s` (default: now) was wall time
        `wall0_s`, and it runs `speed` times faster (`LiveState.now` reads it from the store)."""
        sim0 = self.now if sim0_s is None else float(sim0_s)
        self._clock_map = (float(wall0_s), sim0, float(speed))
        write_clock(self.engine, wall0_s=wall0_s, sim0_s=sim0, speed=speed, now_s=self.now)

    def persist_clock(self) -> None:
        """Record how far the engine got, so a restart resumes here. Unpaced runs (`--speed max`)
        re-anchor the seats' clock at 1x from this instant."""
        if self._clock_map is None:
            write_clock(self.engine, wall0_s=time.time(), sim0_s=self.now, speed=1.0, now_s=self.now, paced=False)
        else:
            wall0, sim0, speed = self._clock_map
            write_clock(self.engine, wall0_s=wall0, sim0_s=sim0, speed=speed, now_s=self.now)

    @property
    def auto_dispatch(self) -> bool:
        with self._auto_lock:
            return self._auto_dispatch

    def set_auto_dispatch(self, on: bool) -> None:
        """Switch the simulated dispatcher on or off (from any thread; takes effect at the next step).

        Off, officers still patrol and incidents still arrive, and tasks dispatched by people
        are still acknowledged, driven, reached and resolved; the queue is theirs."""
        with self._auto_lock:
            self._auto_dispatch = bool(on)

    # -- the step ---------------------------------------------------------------------------------
    def step(self, now_s: float) -> StepReport:
        """Advance the simulated city to `now_s` (epoch seconds of simulated time)."""
        if now_s < self.now:
            raise ValueError(f"simulation time cannot go back ({now_s} < {self.now})")
        t0 = self.now
        self._report = StepReport(now_s)
        self._sync_tasks(t0)
        t = t0
        while t < now_s:
            h = min(self.config.max_step_s, now_s - t)
            self._run_events(t + h)
            self._new_incidents(t, t + h)
            self._move(h)
            t += h
            self.now = t
            self._emit_fixes(t)
            self._report.escalated += len(whistle.escalate_due(self.engine, now_s=t))
            if self.auto_dispatch:   # after the fixes: the dispatcher sees who reported just now
                closed = self.dispatcher.closed
                self.dispatcher.tick(t)
                self._report.closed += self.dispatcher.closed - closed
        self.now = now_s
        self.persist_clock()
        return self._report

    # -- tasks seen in the store ------------------------------------------------------------------
    def _sync_tasks(self, now: float) -> None:
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            # an inspection or move-up has no incident: it goes to its target point
            rows = conn.execute(select(task.c.id, task.c.officer_id, task.c.incident_id, task.c.status,
                                       task.c.route_lonlat, task.c.predicted_eta_s,
                                       func.coalesce(incident.c.lon, task.c.target_lon).label("lon"),
                                       func.coalesce(incident.c.lat, task.c.target_lat).label("lat"),
                                       task.c.dispatched_at, task.c.acknowledged_at, task.c.en_route_at,
                                       task.c.arrived_at, task.c.kind)
                                .outerjoin(incident, incident.c.id == task.c.incident_id)
                                .where(task.c.status.in_(_OPEN)).order_by(task.c.id)).all()
        open_ids = set()
        for r in rows:
            open_ids.add(r.id)
            if r.id in self.tasks or r.officer_id not in self.index or r.lon is None:
                continue
            k = self.index[r.officer_id]
            route = r.route_lonlat if isinstance(r.route_lonlat, list) else json.loads(r.route_lonlat or "[]")
            scene = self.graph.lonlat_to_xy(np.array([[r.lon, r.lat]]))[0]
            t = _Task(r.id, k, r.incident_id, scene, route, float(r.predicted_eta_s), r.kind)
            self.tasks[r.id] = t
            self.followers.pop(k, None)
            # a seat whose clock runs a step ahead of the engine may have stamped the task later
            # than `now`: the next stage never precedes the last one
            stamps = [to_epoch(s) for s in (r.dispatched_at, r.acknowledged_at, r.en_route_at, r.arrived_at)]
            base = max([now, *(s for s in stamps if s is not None)])
            if r.status == "dispatched":
                self.state[k] = HELD
                delay = float(self.rng.lognormal(np.log(self.config.ack_median_s), self.config.ack_sigma))
                self._schedule(base + delay, "ack", r.id)
            elif r.status == "acknowledged":
                self.state[k] = HELD
                self._schedule(base + self.rng.uniform(*self.config.start_route_delay_s), "start", r.id)
            elif r.status == "en_route":
                self._follow(t)
            else:   # on scene
                self.state[k] = SCENE
                self.xy[k] = scene
                self._schedule(base + self._handling(t.kind), "resolve", r.id)
        for tid in [t for t in self.tasks if t not in open_ids]:   # finished, cancelled or reassigned elsewhere
            gone = self.tasks.pop(tid)
            if self.state[gone.officer_idx] in (HELD, ROUTE, SCENE):
                self._release(gone.officer_idx)

    def _handling(self, kind: str = TaskKind.INCIDENT.value) -> float:
        """Time on scene: handling an incident, or one team member's checks at an inspection site."""
        if kind == TaskKind.INSPECTION.value:
            return float(self.rng.lognormal(np.log(self.config.inspection_median_s), self.config.inspection_sigma))
        return float(self.rng.lognormal(np.log(self.config.handling_median_s), 0.5))

    def _schedule(self, at: float, kind: str, payload: Any) -> None:
        heapq.heappush(self._events, (float(at), next(self._seq), kind, payload))

    def _follow(self, t: _Task) -> None:
        k = t.officer_idx
        if t.kind == TaskKind.INSPECTION.value and len(t.route_lonlat) <= 2:
            self._route_by_road(t)   # the tour's next leg comes as a straight segment: drive it by road
        pts = [self.xy[k]]
        if t.route_lonlat:
            pts.append(self.graph.lonlat_to_xy(np.asarray(t.route_lonlat, float).reshape(-1, 2)))
        pts.append(t.scene_xy[None])
        xy = np.vstack([np.asarray(p).reshape(-1, 2) for p in pts])
        xy = xy[np.isfinite(xy).all(axis=1)]
        length = float(np.hypot(*np.diff(xy, axis=0).T).sum()) if len(xy) > 1 else 0.0
        speed = length / max(t.eta_s, 30.0) * float(self.rng.uniform(0.85, 1.15))
        self.followers[k] = RouteFollower(xy, float(np.clip(speed, 1.0, 25.0)))
        self.state[k] = ROUTE

    def _route_by_road(self, t: _Task) -> None:
        from ..assignments import plan_legs

        target = tuple(float(v) for v in self.graph.xy_to_lonlat(t.scene_xy[None])[0])
        try:
            (leg,) = plan_legs(self.engine, self.graph, (target[0], target[1]), [int(self.ids[t.officer_idx])])
        except Exception:  # noqa: BLE001 - no road route: the straight segment stands
            return
        if len(leg.route_lonlat) > 2:
            t.route_lonlat = [list(p) for p in leg.route_lonlat]
            t.eta_s = leg.eta_s

    def _release(self, k: int) -> None:
        self.followers.pop(k, None)
        self.state[k] = PATROL if self.on_duty[k] else OFF
        if np.isfinite(self.xy[k]).all():
            ll = self.graph.xy_to_lonlat(self.xy[k][None])
            self._place(np.array([k]), ll)

    # -- scheduled events -------------------------------------------------------------------------
    def _run_events(self, until: float) -> None:
        rep = self._report
        while self._events and self._events[0][0] <= until:
            at, _, kind, payload = heapq.heappop(self._events)
            if kind == "ack":
                if payload in self.tasks and lifecycle.acknowledge(self.engine, payload, actor="officer",
                                                                   now_s=at).ok:
                    rep.acknowledged += 1
                    self._schedule(at + self.rng.uniform(*self.config.start_route_delay_s), "start", payload)
            elif kind == "start":
                t = self.tasks.get(payload)
                if t is not None and lifecycle.start_route(self.engine, payload, actor="officer", now_s=at).ok:
                    self._follow(t)
            elif kind == "resolve":
                t = self.tasks.pop(payload, None)
                if t is not None and lifecycle.resolve(self.engine, payload, actor="officer", now_s=at).ok:
                    rep.resolved += 1
                    self._release(t.officer_idx)
                    if t.kind == TaskKind.INSPECTION.value:   # the tour's next site, if any, is already sent
                        self._sync_tasks(at)

    def _on_dispatched(self, task_id: int, at: float) -> None:
        self._report.dispatched += 1
        self._sync_tasks(at)

    # -- incidents --------------------------------------------------------------------------------
    def _new_incidents(self, t0: float, t1: float) -> None:
        if not self.district_ids:
            return
        cats = self.catalogue.incident_categories
        w = np.array([c.weight for c in cats], float)
        sources = list(_SOURCE_WEIGHTS)
        src_p = np.array(list(_SOURCE_WEIGHTS.values()))
        for at in arrival_times(self.rng, self.incidents_per_hour, t0, t1).tolist():
            cat = cats[int(self.rng.choice(len(cats), p=w / w.sum()))]
            d = self.district_ids[int(self.rng.choice(len(self.district_ids), p=self.district_p))]
            site_id = None
            sites = self.district_sites.get(d, [])
            if cat.site_related and sites:
                site_id, lon, lat = sites[int(self.rng.integers(len(sites)))]
            else:
                nodes = self.district_nodes[d]
                lon, lat = (float(v) for v in nodes[int(self.rng.integers(len(nodes)))])
            source = sources[int(self.rng.choice(len(sources), p=src_p))]
            try:
                self.intake.create(NewIncident(cat.name, source, lon, lat, site_id=site_id,
                                               description="模拟事件 simulated"), actor="sim-intake", now_s=at)
            except IntakeError:
                continue
            self._report.incidents += 1

    # -- movement and fixes -----------------------------------------------------------------------
    def _move(self, dt: float) -> None:
        patrol = self.state == PATROL
        for mode, walker in self.walkers.items():
            sel = np.flatnonzero(patrol & (self.modes == mode))
            if len(sel):
                self.arc[sel], self.s_m[sel] = walker.advance(self.arc[sel], self.s_m[sel], dt)
        for k, f in list(self.followers.items()):
            f.advance(dt)
            if f.done:   # stand where the route ends (not where the last step began): the scene
                self.xy[k], self.heading[k] = f.position()
                del self.followers[k]
                self.state[k] = SCENE
        self.positions_now()

    def positions_now(self) -> np.ndarray:
        """Update and return every mover's current position (metres)."""
        patrol = self.state == PATROL
        for mode, walker in self.walkers.items():
            sel = np.flatnonzero(patrol & (self.modes == mode))
            if len(sel):
                self.xy[sel], self.heading[sel] = walker.positions(self.geometry, self.arc[sel], self.s_m[sel])
        for k, f in self.followers.items():
            self.xy[k], self.heading[k] = f.position()
        unplaced = np.flatnonzero(~np.isfinite(self.xy).all(axis=1) & (self.state != PATROL))
        for k in unplaced.tolist():   # held/off-duty officers who never had a position stand on their arc
            walker = self.walkers[self.modes[k]]
            self.xy[k], self.heading[k] = (v[0] for v in walker.positions(self.geometry, self.arc[[k]],
                                                                           self.s_m[[k]]))
        return self.xy

    def _emit_fixes(self, now: float) -> None:
        cfg = self.config
        due = np.flatnonzero(self.on_duty & (self.next_fix <= now))
        self.next_fix[due] += cfg.fix_interval_s * np.ceil((now - self.next_fix[due]) / cfg.fix_interval_s + 1e-9)
        xy = self.xy[due] + self.rng.normal(0, cfg.gps_noise_m, (len(due), 2))
        t = np.full(len(due), now)
        r = self.rng.random((len(due), 3))
        jump = r[:, 0] < cfg.p_jump
        if jump.any():
            ang = self.rng.uniform(0, 2 * np.pi, int(jump.sum()))
            dist = self.rng.uniform(*cfg.jump_m, int(jump.sum()))
            xy[jump] += np.column_stack([np.sin(ang), np.cos(ang)]) * dist[:, None]
        ll = self.graph.xy_to_lonlat(xy) if len(due) else np.zeros((0, 2))
        late = r[:, 1] < cfg.p_late
        for i in np.flatnonzero(late).tolist():
            heapq.heappush(self._late, (now + float(self.rng.uniform(*cfg.late_by_s)), next(self._seq),
                                        int(self.ids[due[i]]), float(ll[i, 0]), float(ll[i, 1]), now))
        send = ~late
        ids = [self.ids[due[send]]]
        lon, lat, ft, head = [ll[send, 0]], [ll[send, 1]], [t[send]], [self.heading[due[send]]]
        dup = send & (r[:, 2] < cfg.p_duplicate)
        if dup.any():
            ids.append(self.ids[due[dup]])
            lon.append(ll[dup, 0])
            lat.append(ll[dup, 1])
            ft.append(t[dup])
            head.append(self.heading[due[dup]])
        while self._late and self._late[0][0] <= now:
            _, _, oid, lo, la, tt = heapq.heappop(self._late)
            ids.append(np.array([oid]))
            lon.append(np.array([lo]))
            lat.append(np.array([la]))
            ft.append(np.array([tt]))
            head.append(np.array([np.nan]))
        batch = FixBatch(np.concatenate(ids), np.concatenate(lon), np.concatenate(lat), np.concatenate(ft),
                         heading_deg=np.concatenate(head), accuracy_m=None, source="simulator")
        if not len(batch):
            return
        rep = self.ingestor.ingest(batch, now_s=now)
        self._report.fixes += len(batch)
        for v, n in rep.counts.items():
            self._report.verdicts[v.value] = self._report.verdicts.get(v.value, 0) + n

    def _on_moved(self, officer_ids: np.ndarray, lon: np.ndarray, lat: np.ndarray, now: float) -> None:
        for tid in self.detector.check(officer_ids, lon, lat, now):
            self._report.arrived += 1
            t = self.tasks.get(tid)
            if t is not None and t.kind == TaskKind.MOVE_UP.value:   # the detector ended it: free again here
                self.tasks.pop(tid)
                self._release(t.officer_idx)
            elif t is not None:
                self.followers.pop(t.officer_idx, None)
                self.state[t.officer_idx] = SCENE
                self._schedule(now + self._handling(t.kind), "resolve", tid)

    # -- summaries --------------------------------------------------------------------------------
    def verdict_share(self, report: StepReport) -> dict[str, float]:
        total = sum(report.verdicts.values()) or 1
        return {k: v / total for k, v in sorted(report.verdicts.items())}

