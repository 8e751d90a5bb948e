"""HTTP ingest: fixes per second through `commandmap ingest` processes, as phones send them.

25,000 devices, each fix one OsmAnd request (POST, parameters in the query,
token in the path) on keep-alive connections from a local load generator (a
hand-written asyncio protocol, so the generator costs as little CPU as
possible on the same machine). The servers are real `commandmap ingest`
processes on a scratch store. After each case the store is checked: every
answered fix is in position_fix (none lost), the change feed's batches replay
to the same positions as officer_position (a seat ends equal to the table).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import numpy as np

from .roster import CENTER, seed_roster

_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)


@dataclass
class HttpCase:
    backend: str
    fixes_per_s: float | None
    requests: int
    processes: int
    connections: int
    note: str = ""
    server_cpu_us: float | None = None      # CPU of the server processes per request (user + system)
    client_cpu_us: float | None = None      # CPU of the load generator per request


def seed_devices(engine, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    """One device per officer (dev-1 … dev-n), tokens stored as hashes; returns the tokens."""
    from datetime import UTC, datetime

    from ..services.devices import token_hash
    from ..store import schema

    tokens = [secrets.token_urlsafe(32) for _ in range(n)]
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(schema.device.insert(), [
            {"device_id": f"dev-{i + 1}", "officer_id": i + 1, "token_sha256": token_hash(t), "created_at": now,
             "created_by": "bench"} for i, t in enumerate(tokens)])
    return tokens


def build_requests(tokens: list[str], rounds: int, t0: float) -> list[list[bytes]]:
    """rounds × devices requests (round-major, so one device's fixes arrive in time order)."""
    rng = np.random.default_rng(11)
    n = len(tokens)
    lon = CENTER[0] + rng.uniform(-0.2, 0.2, n)
    lat = CENTER[1] + rng.uniform(-0.2, 0.2, n)
    out = []
    for k in range(rounds):
        lon = lon + rng.normal(0, 2e-5, n)
        lat = lat + rng.normal(0, 2e-5, n)
        reqs = []
        for i in range(n):
            query = urlencode({"id": f"dev-{i + 1}", "timestamp": int(t0 + k), "lat": f"{lat[i]:.6f}",
                               "lon": f"{lon[i]:.6f}", "speed": "3.1", "bearing": "90", "accuracy": "8",
                               "batt": "80"})
            reqs.append(f"POST /{tokens[i]}?{query} HTTP/1.1\r\nHost: bench\r\nContent-Length: 0\r\n\r\n".encode())
        out.append(reqs)
    return out


class _Conn(asyncio.Protocol):
    def __init__(self, source, statuses: dict[int, int], done: asyncio.Future[None]) -> None:  # type: ignore[no-untyped-def]
        self.source = source
        self.statuses = statuses
        self.done = done
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        self._next()

    def _next(self) -> None:
        try:
            req = next(self.source)
        except StopIteration:
            assert self.transport is not None
            self.transport.close()
            if not self.done.done():
                self.done.set_result(None)
            return
        assert self.transport is not None
        self.transport.write(req)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            m = _LENGTH.search(self.buf, 0, end)
            size = int(m.group(1)) if m else 0
            if len(self.buf) < end + 4 + size:
                return
            status = int(self.buf[9:12])
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.buf = self.buf[end + 4 + size:]
            self._next()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def _load(ports: list[int], rounds: list[list[bytes]], connections: int) -> tuple[dict[int, int], float]:
    """Send every request. Connection c talks to ports[c % len(ports)] and owns devices c, c+C, …, sending
    their fixes round after round, one request at a time (so one device's fixes arrive in time order, as
    from one phone); all connections are open at once, as thousands of phones are."""
    loop = asyncio.get_running_loop()
    statuses: dict[int, int] = {}
    n = len(rounds[0])
    futures = []
    protocols = []
    for c in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        mine = [reqs[i] for reqs in rounds for i in range(c, n, connections)]
        protocols.append((iter(mine), done, ports[c % len(ports)]))
        futures.append(done)
    started = time.perf_counter()
    for chunk in range(0, connections, 100):
        await asyncio.gather(*[loop.create_connection(lambda m=m, d=d: _Conn(m, statuses, d),  # type: ignore[misc]
                                                      "127.0.0.1", port)
                               for m, d, port in protocols[chunk:chunk + 100]])
    await asyncio.gather(*futures)
    return statuses, time.perf_counter() - started


def _run_fast(coro):  # type: ignore[no-untyped-def]
    """The load generator on uvloop when installed: it shares the machine with the servers it measures."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_servers(url: str, count: int, one_port: bool = False) -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    """`count` ingest processes, each on its own port, or all on one port (`--reuse-port`)."""
    procs, ports = [], []
    env = dict(os.environ)
    shared = _free_port() if one_port else None
    for _ in range(count):
        port = shared or _free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "commandmap.cli", "ingest", "--db", url, "--port",
                                       str(port), "--rate", "1000"] + (["--reuse-port"] if one_port else []),
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        ports.append(port)
    deadline = time.monotonic() + 60
    for proc, port in zip(procs, ports):
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ingest server exited: {proc.stderr.read().decode()[-300:] if proc.stderr else ''}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("ingest server did not start") from None
                time.sleep(0.1)
    return procs, ports


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc; None elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


def check_store(engine, expected_fixes: int, seat) -> None:  # type: ignore[no-untyped-def]
    """No fix lost (every 200 is a good row); the seat that was live before the load, replaying the change
    feed's batches, ends equal to a seat that rescans officer_position."""
    from sqlalchemy import func, select

    from ..live import LiveState
    from ..store import schema

    with engine.connect() as conn:
        stored = int(conn.execute(select(func.count()).select_from(schema.position_fix)
                                  .where(schema.position_fix.c.verdict == "good")).scalar_one())
    if stored != expected_fixes:
        raise RuntimeError(f"{expected_fixes} fixes answered 200 but {stored} stored as good")
    stats = seat.refresh()
    rescanning = LiveState(engine, max_replay_fixes=0)
    rescanning.refresh()
    if stats.reloaded:
        raise RuntimeError(f"the live seat rescanned {stats.reloaded} instead of replaying the feed")
    a, b = seat.snapshot().officers, rescanning.snapshot().officers
    if not (np.array_equal(a.ids, b.ids) and np.array_equal(a.xy, b.xy, equal_nan=True)):
        raise RuntimeError("the seat replaying the change feed differs from officer_position")


def run_http_case(url: str, backend: str, n: int, rounds: int, processes: int, connections: int,
                  one_port: bool = False) -> HttpCase:
    from ..live import LiveState
    from ..store.migrate import open_store

    engine = open_store(url)
    try:
        now0 = time.time()
        seed_roster(engine, n, now0)
        tokens = seed_devices(engine, n)
        seat = LiveState(engine)
        seat.refresh()
        reqs = build_requests(tokens, rounds, now0 - 120)
        procs, ports = _start_servers(url, processes, one_port)
        try:
            before = [_cpu_s(p.pid) for p in procs]
            mine = time.process_time()
            statuses, elapsed = _run_fast(_load(sorted(set(ports)), reqs, connections))
            client_s = time.process_time() - mine
            after = [_cpu_s(p.pid) for p in procs]
        finally:
            _stop(procs)
        total = n * rounds
        if statuses.get(200, 0) != total:
            raise RuntimeError(f"answers {statuses}, expected {total} × 200")
        check_store(engine, total, seat)
        known = [(a, b) for a, b in zip(after, before) if a is not None and b is not None]
        server_s = sum(a - b for a, b in known) if len(known) == len(procs) else None
        return HttpCase(backend, total / elapsed, total, processes, connections,
                        server_cpu_us=None if server_s is None else server_s / total * 1e6,
                        client_cpu_us=client_s / total * 1e6)
    finally:
        engine.dispose()
