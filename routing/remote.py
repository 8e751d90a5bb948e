"""The nearest-officer search in a process of its own, for a workstation's UI.

Why: the search is numpy, which lets go of the interpreter lock dozens of times per query and must
take it back each time. In the workstation the UI thread holds that lock for whole Qt calls (a map
frame, a table repaint), so a search that takes ~20 ms alone took 50-100 ms beside a working UI.
A second process has its own interpreter: it loads the same saved graph file once, then answers
each query (the candidates' ids, positions and modes in; the ranked picks out, ~0.5 MB a query for
25,000 officers) while the UI paints. The answers are exactly `nearest_pruned`'s picks: the worker
runs that function (`rank_nearest`), and so does the caller when the worker is unavailable.

A worker that dies, answers late or cannot load the file is not an error for the caller:
`SearchProcess.rank` returns None and the caller ranks in its own process (`rank_nearest`).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

import numpy as np

from .graph import RoadGraph
from .pruned import nearest_pruned
from .search import Candidates

log = logging.getLogger(__name__)

# reasons that only say "someone else was nearer": every officer not picked has one, so they are not
# shipped back (25,000 of them would cost more than the search)
NOT_SHIPPED = frozenset({"not_in_top_k", "beyond_max_time"})
START_TIMEOUT_S = 120.0     # loading a full city's graph file and compiling its modes: a few seconds
QUERY_TIMEOUT_S = 10.0      # a worker that takes longer is presumed stuck: killed, the caller ranks itself


class RankedPick(NamedTuple):
    """One picked candidate as plain values (no graph inside: it crosses a process boundary)."""

    id: int
    eta_s: float
    distance_m: float
    path_lonlat: tuple[tuple[float, float], ...]
    reason: str


@dataclass(frozen=True)
class Ranking:
    """`nearest_pruned`'s answer, reduced to what a recommendation shows."""

    status: str
    picked: tuple[RankedPick, ...]
    left_out: Counter[str]          # why the others were not searched (NOT_SHIPPED reasons excluded)


def rank_nearest(graph: RoadGraph, scene_lonlat: tuple[float, float], candidates: Candidates, k: int,
                 modes: Sequence[str]) -> Ranking:
    """The k soonest arrivals among `candidates` (see `nearest_pruned`), as plain values."""
    result = nearest_pruned(graph, scene_lonlat, candidates, k=k, mode=tuple(modes))
    picked = tuple(RankedPick(int(p.id), float(p.eta_s), float(p.distance_m),
                              tuple((float(x), float(y)) for x, y in p.path_lonlat.tolist()), p.reason)
                   for p in result.picked)
    left = Counter(reason for _, reason in result.left_out if reason not in NOT_SHIPPED)
    return Ranking(result.status, picked, left)


def _serve(conn: Any, path: str) -> None:
    """The worker: load the graph file, compile the modes asked for, answer queries until the pipe
    closes (the parent closed it, or died)."""
    try:
        graph = RoadGraph.load(path)
    except Exception as exc:  # the parent falls back to ranking itself
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("loaded", graph.n_nodes))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        tag, scene, ids, lonlat, modes, max_snap_m, k, searched = message
        try:
            cands = Candidates(ids, lonlat, None if modes is None else np.asarray(modes, dtype=object),
                               max_snap_m=max_snap_m)
            conn.send((tag, rank_nearest(graph, scene, cands, k, searched)))
        except Exception as exc:
            conn.send((tag, f"{type(exc).__name__}: {exc}"))


class SearchProcess:
    """One worker process serving `rank_nearest` for the graph saved at `path`.

    `serves(graph)` tells whether its answers are valid for a graph (the object it was started for:
    after a road-network switch the caller ranks itself). Thread-safe: one query at a time."""

    def __init__(self, graph: RoadGraph, path: str | os.PathLike[str]) -> None:
        self._graph = graph
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Any = None
        self._started = False
        self._broken: str | None = None
        self._tag = 0

    def serves(self, graph: object) -> bool:
        return graph is self._graph and self._broken is None

    @property
    def broken(self) -> str | None:
        """Why the worker is not used (None while it is, or has not started yet)."""
        return self._broken

    def start(self) -> bool:
        """Start the worker and wait until its graph is loaded; False (and logged) when it could not."""
        with self._lock:
            return self._start()

    def _start(self) -> bool:
        if self._started:
            return self._broken is None
        self._started = True
        # a fresh interpreter running this module (not multiprocessing's spawn, which re-imports the
        # caller's main script in the child), talking over a socket pair
        ours, theirs = socket.socketpair()
        try:
            proc = subprocess.Popen([sys.executable, "-m", "routing.remote", str(theirs.fileno()), self.path],
                                    pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        except OSError as exc:
            ours.close()
            return self._give_up(f"cannot start ({exc})")
        finally:
            theirs.close()
        self._proc, self._conn = proc, Connection(ours.detach())
        try:
            if not self._conn.poll(START_TIMEOUT_S):
                return self._give_up(f"no answer in {START_TIMEOUT_S:.0f} s")
            first = self._conn.recv()
        except (EOFError, OSError):
            return self._give_up("exited while loading")
        if first[0] != "loaded":
            return self._give_up(str(first[1]))
        return True

    def rank(self, scene_lonlat: tuple[float, float], candidates: Candidates, k: int,
             modes: Sequence[str]) -> Ranking | None:
        """The worker's answer, or None when the caller should rank in its own process (also for
        candidates with caller exclusions, which this protocol does not carry)."""
        if candidates.excluded:
            return None
        with self._lock:
            if not self._start():
                return None
            self._tag += 1
            tag = self._tag
            mode_list = None if candidates.modes is None else list(np.asarray(candidates.modes).tolist())
            try:
                self._conn.send((tag, (float(scene_lonlat[0]), float(scene_lonlat[1])), candidates.ids,
                                 candidates.lonlat, mode_list, candidates.max_snap_m, int(k), tuple(modes)))
                if not self._conn.poll(QUERY_TIMEOUT_S):
                    self._give_up(f"no answer in {QUERY_TIMEOUT_S:.0f} s")
                    return None
                got_tag, answer = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError) as exc:
                self._give_up(f"lost ({type(exc).__name__})")
                return None
        if got_tag != tag or not isinstance(answer, Ranking):
            log.warning("search process: query failed (%s); ranked in this process", answer)
            return None
        return answer

    def _give_up(self, why: str) -> bool:
        self._broken = why
        log.warning("search process for %s not used: %s", self.path, why)
        self._stop()
        return False

    def _stop(self) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = None
        if conn is not None:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
            conn.close()
        if proc is not None:
            try:
                proc.wait(2.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(2.0)

    def close(self) -> None:
        with self._lock:
            self._broken = self._broken or "closed"
            self._stop()


if __name__ == "__main__":   # the worker: python -m routing.remote FD GRAPH_FILE
    # served by the module under its own name, so what it pickles is routing.remote's Ranking
    from routing.remote import _serve as serve
    serve(Connection(int(sys.argv[1])), sys.argv[2])
