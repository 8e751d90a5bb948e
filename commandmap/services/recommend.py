"""Who should go: the officers who can reach the scene soonest, and whether anyone makes 5 minutes.

Eligible = on duty, available, a fix fresher than `stale_after_s`, and (unless
widened) from a department competent for the incident. Eligible officers are
ranked by road ETA with `routing.nearest_pruned` (exactly `nearest`'s picks) in each
officer's own travel mode. Everyone else is counted by reason, so the panel can say why
the list is short; officers too far to matter are not routed, so their road-only
reasons (off the network) are not counted.
Without a road network (a store with no roads) ETAs fall back to a straight-line
estimate and every reason says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Engine, String, or_, select, type_coerce

from ..domain.enums import OfficerStatus
from ..domain.fix_validation import DEFAULT_STALE_AFTER_S, haversine_m
from ..domain.sla import ARRIVAL_DEADLINE_S
from ..domain.snapshot import OfficerStatusCode, RosterArrays
from ..domain.transitions import OPEN_INCIDENT_STATUSES
from ..store.engine import READ_ONLY_OPTION
from ..store.schema import department, incident, officer, officer_position
from .clock import Clock, parse_timestamps, wall_clock

if TYPE_CHECKING:  # pragma: no cover
    from routing.remote import SearchProcess

# straight-line fallback: typical urban speeds (m/s) and a road detour factor
_FALLBACK_SPEED_MPS = {"foot": 1.3, "ebike": 4.5, "car": 8.0}
_DETOUR = 1.35


@dataclass(frozen=True)
class Candidate:
    officer_id: int
    badge: str
    name: str
    department_id: int
    department: str
    mode: str
    version: int            # pass back to dispatch(officer_version=...) to catch a stale view
    eta_s: float
    distance_m: float
    fix_age_s: float
    reason: str
    route_lonlat: tuple[tuple[float, float], ...]
    within_target: bool


@dataclass(frozen=True)
class Recommendation:
    incident_id: int | None
    scene_lonlat: tuple[float, float]
    status: str             # ok / none_available / none_reachable / scene_off_network / scene_invalid
    candidates: tuple[Candidate, ...]
    target_s: float
    can_meet_target: bool
    widened: bool
    department_ids: tuple[int, ...]
    left_out: dict[str, int] = field(default_factory=dict)   # reason -> officers
    estimated: bool = False  # straight-line ETAs (no road network)

    @property
    def message(self) -> str:
        """One line for the top of the recommendation panel."""
        if not self.candidates:
            why = {"scene_off_network": "the scene is not near any road",
                   "scene_invalid": "the scene has no valid location",
                   "none_reachable": "no eligible officer can reach the scene by road"}.get(
                self.status, "no eligible officer is on duty, available and reporting")
            return f"nobody to send: {why}"
        best = self.candidates[0].eta_s
        n_in = sum(c.within_target for c in self.candidates)
        if self.can_meet_target:
            return f"{n_in} officer(s) can arrive within {self.target_s / 60:.0f} min (best {best / 60:.1f} min)"
        return f"nobody can arrive within {self.target_s / 60:.0f} min: the best is {best / 60:.1f} min"


class _Rows:
    """id -> (badge, name, department_id, mode, version) of kept officers, looked up only for the
    few candidates picked (building a dict of 25k rows per recommendation cost more than routing)."""

    def __init__(self, ids: np.ndarray, keep: np.ndarray, cols: list) -> None:
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]
        self._keep = keep
        self._cols = cols

    def __getitem__(self, officer_id: int) -> tuple:
        j = int(np.searchsorted(self._sorted, officer_id))
        if j >= len(self._sorted) or self._sorted[j] != officer_id:
            raise KeyError(officer_id)
        i = int(self._keep[self._order[j]])
        return tuple(self._cols[c][i] for c in range(1, 6))

    def prefetch(self, ids: list[int]) -> None:
        """Everything is already read (the store path reads whole rows)."""


class _Directory:
    """Badge, name, department and travel mode of every officer, read once (they change on import,
    not per tick), as arrays aligned by sorted id."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as conn:
            rows = conn.execute(select(officer.c.id, officer.c.badge, officer.c.name, officer.c.department_id,
                                       officer.c.mode).order_by(officer.c.id)).all()
        self.ids = np.array([r.id for r in rows], np.int64)
        self.rows = {int(r.id): (r.badge, r.name, int(r.department_id), r.mode) for r in rows}
        self.modes = np.array([r.mode for r in rows], dtype=object)

    def covers(self, ids: np.ndarray) -> bool:
        return bool(np.isin(ids, self.ids).all())

    def modes_of(self, ids: np.ndarray) -> np.ndarray:
        return self.modes[np.searchsorted(self.ids, ids)]


class _LiveRows:
    """Rows of a live-array roster: names from the directory, versions read for the picked few
    (dispatch compares them to catch a stale view)."""

    def __init__(self, directory: _Directory, read: Callable[[], Any]) -> None:
        self._directory = directory
        self._read = read
        self._versions: dict[int, int] = {}

    def prefetch(self, ids: list[int]) -> None:
        if not ids:
            return
        with self._read() as conn:
            self._versions = {int(i): int(v) for i, v in conn.execute(
                select(officer.c.id, officer.c.version).where(officer.c.id.in_(ids))).all()}

    def __getitem__(self, officer_id: int) -> tuple:
        return (*self._directory.rows[officer_id], self._versions.get(officer_id, 0))


@dataclass
class _Roster:
    ids: np.ndarray
    lonlat: np.ndarray
    modes: np.ndarray
    fix_t: np.ndarray
    rows: _Rows | _LiveRows   # id -> (badge, name, department_id, mode, version)
    left_out: Counter


_OPEN = sorted(s.value for s in OPEN_INCIDENT_STATUSES)

# below this many junctions a search takes a few ms even beside a busy UI: a second process (its
# start, a second copy of the graph) would cost more than it saves
SEARCH_PROCESS_MIN_NODES = 50_000


def search_process_for(graph: Any) -> SearchProcess | None:
    """A search process for a workstation on a big city's graph (started by `Recommender.warm_up`),
    or None: a small city, or a graph that was not read from a file (the process loads the file)."""
    from routing.remote import SearchProcess

    path = getattr(graph, "file_path", None)
    if graph is None or not path or int(getattr(graph, "n_nodes", 0)) < SEARCH_PROCESS_MIN_NODES:
        return None
    return SearchProcess(graph, path)


class Recommender:
    def __init__(self, engine: Engine, graph=None, *, stale_after_s: float = DEFAULT_STALE_AFTER_S,  # type: ignore[no-untyped-def]
                 target_s: float = ARRIVAL_DEADLINE_S, clock: Clock = wall_clock,
                 roster_source: Callable[[], RosterArrays] | None = None,
                 search: SearchProcess | None = None) -> None:
        """`roster_source`: every officer's duty, status and fix from a live state that follows this
        store (a seat's `LiveState.roster_arrays`); without it each recommendation reads them from
        the store (25,000 rows at full scale). `search`: a process that ranks for `graph` (a seat's
        workstation on a big city, see `search_process_for`); without it ranking runs here."""
        self.search = search
        self._scenes: dict[int, tuple[float, float, tuple[int, ...]]] = {}
        self.engine = engine
        self.roster_source = roster_source
        self._directory: _Directory | None = None
        self.graph = graph
        self.stale_after_s = stale_after_s
        self.target_s = target_s
        self.clock = clock
        with engine.connect() as conn:
            self._dept_names = {r.id: r.name for r in conn.execute(select(department.c.id, department.c.name))}

    def _read(self):  # type: ignore[no-untyped-def]
        return self.engine.connect().execution_options(**{READ_ONLY_OPTION: True})

    def recommend(self, incident_id: int, *, k: int = 5, widen: bool = False,
                  now_s: float | None = None, fresh: bool = False) -> Recommendation:
        """`fresh`: read duties and positions from the store even when a live roster is given (after
        a lost race the live state may not have seen the winner's dispatch yet)."""
        lon, lat, departments = self._scene(incident_id)
        return self.recommend_at(lon, lat, departments, k=k, widen=widen, now_s=now_s, incident_id=incident_id,
                                 fresh=fresh)

    def _scene(self, incident_id: int) -> tuple[float, float, tuple[int, ...]]:
        """Where an incident is and which departments may take it: fixed at intake, so read once, together
        with every other open incident's (a click then reads nothing: a read could wait on the store
        behind the simulator's writes)."""
        got = self._scenes.get(incident_id)
        if got is not None:
            return got
        if len(self._scenes) > 50_000:
            self._scenes.clear()
        with self._read() as conn:
            rows = conn.execute(select(incident.c.id, incident.c.lon, incident.c.lat, incident.c.department_ids)
                                .where(or_(incident.c.id == incident_id, incident.c.status.in_(_OPEN)))).all()
        for r in rows:
            self._scenes[int(r.id)] = (float(r.lon), float(r.lat), tuple(int(d) for d in r.department_ids or ()))
        if incident_id not in self._scenes:
            raise KeyError(f"there is no incident {incident_id}")
        return self._scenes[incident_id]

    def warm_up(self) -> None:
        """Pay the first recommendation's one-off costs (the officer directory, each travel mode's
        compiled network) now, at start-up, not on the dispatcher's first click."""
        if self.roster_source is not None:
            self._directory = _Directory(self.engine)
        if self.search is not None:
            self.search.start()
        if self.graph is not None and int(getattr(self.graph, "n_nodes", 0)):
            lon, lat = (float(v) for v in self.graph.node_lonlat[self.graph.n_nodes // 2])
            self.recommend_at(lon, lat, widen=True, k=1)

    def eligible(self, incident_id: int, *, widen: bool = False, now_s: float | None = None
                 ) -> tuple[tuple[float, float], Any]:
        """(scene lon/lat, routing.Candidates of the eligible officers): what `recommend` ranks,
        for a reference router (the UI benchmark's networkx baseline) to rank the same way."""
        from routing import Candidates

        with self._read() as conn:
            row = conn.execute(select(incident.c.lon, incident.c.lat, incident.c.department_ids)
                               .where(incident.c.id == incident_id)).first()
        if row is None:
            raise KeyError(f"there is no incident {incident_id}")
        now = self.clock() if now_s is None else float(now_s)
        roster = self._roster(tuple(row.department_ids or ()), widen, now)
        return (float(row.lon), float(row.lat)), Candidates(roster.ids, roster.lonlat, roster.modes)

    def _roster(self, department_ids: tuple[int, ...], widen: bool, now: float, fresh: bool = False) -> _Roster:
        """Eligible officers, the rest counted by reason. Vectorised: a full-scale roster (25k
        officers) is read on every recommendation, so no per-row Python beyond the kept rows."""
        if self.roster_source is not None and not fresh:
            return self._roster_from_arrays(self.roster_source(), department_ids, widen, now)
        with self._read() as conn:
            rows = conn.execute(
                select(officer.c.id, officer.c.badge, officer.c.name, officer.c.department_id, officer.c.mode,
                       officer.c.version, officer.c.status, officer.c.on_duty, officer_position.c.lon,
                       officer_position.c.lat,
                       # raw driver values (SQLite text / datetimes), parsed in one go below
                       type_coerce(officer_position.c.fix_time, String).label("fix_time"))
                .outerjoin(officer_position, officer_position.c.officer_id == officer.c.id)
                .where(officer.c.retired_at.is_(None))).all()     # a retired officer is never sent
        n = len(rows)
        cols = list(zip(*rows)) if n else [()] * 11
        on_duty = np.array([bool(v) for v in cols[7]], bool)
        available = np.array([v == OfficerStatus.AVAILABLE.value for v in cols[6]], bool)
        dept = np.array(cols[3], np.int64)
        fix_t = parse_timestamps(list(cols[10]))
        reasons = [("off_duty", ~on_duty), ("busy", ~available)]
        wanted = set(department_ids)
        if wanted and not widen:
            reasons.append(("other_department", ~np.isin(dept, list(wanted))))
        reasons += [("no_fix", np.isnan(fix_t)), ("stale_fix", now - fix_t > self.stale_after_s)]
        left: Counter = Counter()
        undecided = np.ones(n, bool)
        for reason, hit in reasons:   # the first reason that applies, as the panel explains it
            k = int((hit & undecided).sum())
            if k:
                left[reason] += k
            undecided &= ~hit
        keep = np.flatnonzero(undecided)
        ids = np.array(cols[0], np.int64)[keep] if n else np.zeros(0, np.int64)
        lonlat = (np.column_stack([np.array(cols[8], np.float64)[keep], np.array(cols[9], np.float64)[keep]])
                  if n else np.zeros((0, 2)))
        modes = np.array(cols[4], dtype=object)[keep] if n else np.zeros(0, dtype=object)
        return _Roster(ids, lonlat.reshape(-1, 2), modes, fix_t[keep], _Rows(ids, keep, cols), left)

    def _roster_from_arrays(self, a: RosterArrays, department_ids: tuple[int, ...], widen: bool,
                            now: float) -> _Roster:
        """The same eligibility rules as the store path, over the live arrays."""
        reasons = [("off_duty", ~a.on_duty), ("busy", a.status != OfficerStatusCode.AVAILABLE)]
        if department_ids and not widen:
            reasons.append(("other_department", ~np.isin(a.department, np.asarray(department_ids))))
        no_fix = np.isnan(a.fix_t) | ~np.isfinite(a.lonlat).all(axis=1)
        reasons += [("no_fix", no_fix), ("stale_fix", now - np.where(no_fix, now, a.fix_t) > self.stale_after_s)]
        left: Counter[str] = Counter()
        undecided = np.ones(len(a.ids), bool)
        for reason, hit in reasons:   # the first reason that applies, as the store path counts them
            k = int((hit & undecided).sum())
            if k:
                left[reason] += k
            undecided &= ~hit
        ids = a.ids[undecided]
        directory = self._directory
        if directory is None or not directory.covers(ids):      # first use, or officers added since
            directory = self._directory = _Directory(self.engine)
        known = np.isin(ids, directory.ids)
        return _Roster(ids[known], a.lonlat[undecided][known], directory.modes_of(ids[known]),
                       a.fix_t[undecided][known], _LiveRows(directory, self._read), left)

    def recommend_at(self, lon: float, lat: float, department_ids: tuple[int, ...] = (), *, k: int = 5,
                     widen: bool = False, now_s: float | None = None,
                     incident_id: int | None = None, fresh: bool = False) -> Recommendation:
        """Top `k` eligible officers for a scene; see the module docstring."""
        now = self.clock() if now_s is None else float(now_s)
        roster = self._roster(tuple(department_ids), widen, now, fresh)
        base: dict[str, Any] = dict(incident_id=incident_id, scene_lonlat=(float(lon), float(lat)),
                                    target_s=self.target_s, widened=widen, department_ids=tuple(department_ids))
        if len(roster.ids) == 0:
            return Recommendation(status="none_available", candidates=(), can_meet_target=False,
                                  left_out=dict(roster.left_out), **base)
        if self.graph is None:
            picks, status, extra = self._straight_line(roster, lon, lat, k)
        else:
            picks, status, extra = self._by_road(roster, lon, lat, k)
        left = roster.left_out + extra
        cands = []
        roster.rows.prefetch([int(p[0]) for p in picks])
        for officer_id, eta, dist, route, how in picks:
            badge, name, dept_id, mode, version = roster.rows[officer_id]
            age = now - float(roster.fix_t[np.flatnonzero(roster.ids == officer_id)[0]])
            dept = self._dept_names.get(dept_id, str(dept_id))
            cands.append(Candidate(officer_id, badge, name, dept_id, dept, mode, version, eta, dist, age,
                                   f"{dept}, {mode}, fix {age:.0f} s old; {how}", route, eta <= self.target_s))
        return Recommendation(status=status, candidates=tuple(cands),
                              can_meet_target=any(c.within_target for c in cands), left_out=dict(left),
                              estimated=self.graph is None, **base)

    def _by_road(self, roster: _Roster, lon: float, lat: float, k: int):  # type: ignore[no-untyped-def]
        from routing import Candidates
        from routing.remote import rank_nearest

        modes = tuple(sorted(set(roster.modes.tolist())))
        cands = Candidates(roster.ids, roster.lonlat, roster.modes)
        # the same picks as searching everyone (nearest_pruned); in the search process when this
        # seat has one, so the UI thread's painting does not slow the search down
        search = self.search
        ranking = search.rank((lon, lat), cands, k, modes) if search is not None and search.serves(self.graph) else None
        if ranking is None:
            ranking = rank_nearest(self.graph, (lon, lat), cands, k, modes)
        return [tuple(p) for p in ranking.picked], ranking.status, ranking.left_out

    def close(self) -> None:
        """Stop the search process, if this recommender has one."""
        if self.search is not None:
            self.search.close()

    def _straight_line(self, roster: _Roster, lon: float, lat: float, k: int):  # type: ignore[no-untyped-def]
        d = haversine_m(roster.lonlat[:, 0], roster.lonlat[:, 1], np.full(len(roster.ids), lon),
                        np.full(len(roster.ids), lat)) * _DETOUR
        speed = np.array([_FALLBACK_SPEED_MPS.get(m, 5.0) for m in roster.modes.tolist()])
        eta = d / speed
        order = np.lexsort((roster.ids, eta))[:k]
        picks = [(int(roster.ids[i]), float(eta[i]), float(d[i]),
                  ((float(roster.lonlat[i, 0]), float(roster.lonlat[i, 1])), (float(lon), float(lat))),
                  "straight-line estimate (no road network)") for i in order]
        return picks, "ok", Counter()
