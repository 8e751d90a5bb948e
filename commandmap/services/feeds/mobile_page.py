"""`/m/<token>`: the officer's task page, served by the ingest server beside the position feed.

Routes (all under the device token, which is the only credential and the only
source of the officer's identity — a form never names an officer):

- `GET /m/<token>` — the page (the officer's current open task, or "no task");
- `POST /m/<token>/task/<task id>/<action>` (`ack`, `en_route`, `arrived`, `resolved`) — one step through
  the lifecycle service, then `303` back to the page with the outcome in the query string; a repeated,
  out-of-order or stale tap changes nothing and the page says the task's real state;
- `GET /m/<token>/events` — server-sent events: the signature of the officer's current task, sent again
  whenever the change feed shows a task changed (the page then reloads its task in place).

A request to `/m/<token>` that carries a position (a JSON body, or OsmAnd parameters) is left to the
position feed, so one URL both configures Traccar Client and opens the page. A missing, wrong or revoked
token, or a task of another officer, gets one identical 401 page. Requests are rate-limited per token and
address, failed tokens per address. Store reads and writes run on a small thread pool, never on the loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from aiohttp import web
from sqlalchemy import Engine

from ...domain.access import Actor, Role
from ...domain.transitions import PHONE_STEP_FROM
from ...store.changes import changes_since, latest_seq
from ...store.engine import READ_ONLY_OPTION
from ...store.repos import city_crs
from .. import lifecycle
from ..city_categories import city_catalogue
from ..clock import wall_clock
from ..devices import DeviceDirectory, Grant
from .mobile_html import ACTIONS, UNAUTHORISED_HTML, flash_text, pick_language, render_page
from .mobile_map import RoadIndex, route_svg
from .mobile_read import (OfficerCard, PhoneTask, current_task_id, officer_card, phone_task, task_owner_status,
                          task_signature)
from .ticks import RateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")

PREFIX = "/m/"
MAX_FORM_BYTES = 4096
MAX_NOTE_CHARS = 200
MAX_STREAMS_PER_DEVICE = 4
_POSITION_KEYS = ("lat", "lon", "location", "timestamp", "deviceid", "speed", "batt")
_TASK_PATH = re.compile(r"^task/(\d{1,12})/([a-z_]{1,16})$")
_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                                       "img-src data:; connect-src 'self'; form-action 'self'; base-uri 'none'"}
_STEP: dict[str, Callable[..., lifecycle.ActionResult]] = {
    "ack": lifecycle.acknowledge, "en_route": lifecycle.start_route, "arrived": lifecycle.arrive,
    "resolved": lifecycle.resolve,
}
assert set(_STEP) == set(ACTIONS)


def officer_actor(card: OfficerCard, grant: Grant) -> Actor:
    """The identity of a tap: the officer of the token, on that device (what the audit and seats show)."""
    return Actor(f"officer {card.badge}", Role.OFFICER, f"phone {grant.device_id}")


class _Unauthorised(Exception):
    pass


def position_shaped(rest: str, content_type: str, query_keys: Iterable[str], method: str,
                    content_length: int | None) -> bool:
    """Whether a request to /m/<token>[/rest] is a position report (the HTTP front asks the same)."""
    if rest:
        return False
    if content_type.strip().lower().startswith("application/json"):
        return True
    keys = {k.lower() for k in query_keys}
    if any(k in keys for k in _POSITION_KEYS):
        return True
    return method not in ("GET", "HEAD") and bool(content_length)


class MobilePages:
    """The page handlers and their shared state (rate limits, the change watcher, the map cache)."""

    def __init__(self, engine: Engine, directory: DeviceDirectory, *, poll_s: float = 0.25,
                 limiter: RateLimiter | None = None, failures: RateLimiter | None = None,
                 workers: int = 2, keepalive_s: float = 15.0) -> None:
        self.engine = engine
        self.directory = directory
        self.poll_s = poll_s
        self.keepalive_s = keepalive_s
        self.limiter = limiter or RateLimiter(rate_per_s=2.0, burst=30.0)
        self.failures = failures or RateLimiter(rate_per_s=0.2, burst=20.0)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mobile-page")
        self._maps: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._roads: RoadIndex | None = None
        self._roads_tried = False
        self._crs: str | None = None
        self._items: dict[str, dict[str, str]] | None = None
        self._lock = threading.Lock()
        self._roads_lock = threading.Lock()
        self._wake: asyncio.Event | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._watching: asyncio.Event | None = None     # set once the watcher knows where the feed stands
        self._streams: dict[str, int] = {}              # open event streams per device
        self._closing = False
        self.listeners = 0

    # -- plumbing ---------------------------------------------------------------------------------
    async def _io(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def _unauthorised(self, request: web.BaseRequest) -> web.Response:
        log.warning("401 %s from %s: mobile page not authorised", request.method, request.remote)
        return web.Response(status=401, text=UNAUTHORISED_HTML, content_type="text/html", charset="utf-8",
                            headers=_HEADERS)

    def _grant(self, request: web.BaseRequest, token: str) -> Grant:
        grant = self.directory.grant(token)
        if grant is None:
            raise _Unauthorised
        return grant

    @staticmethod
    def is_position(request: web.BaseRequest, rest: str) -> bool:
        """A position report sent to the page's URL (Traccar Client configured from the QR code)."""
        return position_shaped(rest, request.headers.get("Content-Type", ""), request.rel_url.query,
                               request.method, request.content_length)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse | None:
        """The answer to a request under /m/, or None for a position report (the feed answers it)."""
        token, _, rest = request.path[len(PREFIX):].partition("/")
        if self.is_position(request, rest):
            return None
        now = time.monotonic()
        try:
            grant = self._grant(request, token)
        except _Unauthorised:
            if not self.failures.allow(f"ip:{request.remote}", now):
                return web.Response(status=429, text="too many requests", headers=_HEADERS)
            return self._unauthorised(request)
        if not self.limiter.allow(f"{grant.device_id}|{request.remote}", now):
            return web.Response(status=429, text="too many requests; wait a moment", headers=_HEADERS)
        base = PREFIX + token
        try:
            if rest == "" and request.method in ("GET", "HEAD"):
                return await self._page(request, grant, base)
            if rest == "events" and request.method == "GET":
                return await self._events(request, grant)
            match = _TASK_PATH.match(rest)
            if match and request.method == "POST":
                return await self._act(request, grant, base, int(match.group(1)), match.group(2))
        except _Unauthorised:
            return self._unauthorised(request)
        except ConnectionResetError:
            raise
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="form too large", headers=_HEADERS)
        except Exception as exc:  # noqa: BLE001 - the store failed: the phone tries again
            log.warning("503 %s from %s: task page not served (%s)", request.method, request.remote,
                        type(exc).__name__)
            return web.Response(status=503, text="temporarily unavailable; try again", headers=_HEADERS)
        return web.Response(status=404, text="not found", headers=_HEADERS)

    # -- the page ---------------------------------------------------------------------------------
    def _item_text(self, lang: str) -> Callable[[str], str]:
        """Check item code -> its words in `lang` (the city's catalogue, loaded once; unknown codes as they are)."""
        with self._lock:
            if self._items is None:
                try:
                    items = city_catalogue(self.engine).check_items
                    self._items = {"zh": {i.code: i.text for i in items}, "en": {i.code: i.text_en for i in items}}
                except Exception as exc:  # noqa: BLE001 - no catalogue: the codes are shown
                    log.info("task page without check item texts: %s", exc)
                    self._items = {}
            words = self._items.get(lang, {})
        return lambda code: words.get(code, code)

    def _read_page(self, officer_id: int, lang: str = "zh") -> tuple[OfficerCard | None, PhoneTask | None, str, str]:
        now = wall_clock()
        items = self._item_text(lang)
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            card = officer_card(conn, officer_id)
            tid = current_task_id(conn, officer_id)
            task = phone_task(conn, tid, now, items) if tid is not None else None
            sig = task_signature(conn, officer_id)
            if self._crs is None:
                self._crs = city_crs(conn)
        return card, task, sig, self._map(task) if task is not None else ""

    def _map(self, task: PhoneTask) -> str:
        """The route map of a task, drawn once per (task, version of the route) and cached."""
        key = (task.task_id, len(task.route_lonlat))
        with self._lock:
            if key in self._maps:
                self._maps.move_to_end(key)
                return self._maps[key]
        if self._crs is None:
            return ""
        svg = route_svg(self._crs, task.route_lonlat, (task.lon, task.lat), self._road_index())
        with self._lock:
            self._maps[key] = svg
            while len(self._maps) > 256:
                self._maps.popitem(last=False)
        return svg

    def _road_index(self) -> RoadIndex | None:
        """The city's roads, loaded once (by the first page that needs them; the others wait for it)."""
        with self._roads_lock:
            if not self._roads_tried:
                self._roads_tried = True
                try:
                    from ..city import load_road_graph
                    self._roads = RoadIndex.build(load_road_graph(self.engine))
                except Exception as exc:  # noqa: BLE001 - no road network: the map shows the route alone
                    log.info("task page maps without roads: %s", exc)
            return self._roads

    async def _page(self, request: web.BaseRequest, grant: Grant, base: str) -> web.Response:
        lang = pick_language(request.headers.get("Accept-Language"))
        card, task, sig, svg = await self._io(self._read_page, grant.officer_id, lang)
        if card is None:
            raise _Unauthorised
        q = request.rel_url.query
        flash = flash_text(lang, q.get("r"), q.get("a"), q.get("s"))
        html = render_page(lang, base, card, task, svg, wall_clock(), flash=flash, signature=sig)
        return web.Response(text=html, content_type="text/html", charset="utf-8", headers=_HEADERS)

    # -- a tap --------------------------------------------------------------------------------------
    def _step(self, grant: Grant, task_id: int, action: str, note: str) -> tuple[bool, str]:
        """(changed, the task's status now); _Unauthorised when the task is not this officer's."""
        with self.engine.connect() as conn:
            owner = task_owner_status(conn, task_id)
            card = officer_card(conn, grant.officer_id)
        if owner is None or card is None or owner[0] != grant.officer_id:
            raise _Unauthorised
        detail: dict[str, Any] = {"source": "phone", "device_id": grant.device_id}
        if note:
            detail["note"] = note
        result = _STEP[action](self.engine, task_id, actor=officer_actor(card, grant), officer_id=grant.officer_id,
                               detail=detail, only_from=PHONE_STEP_FROM[ACTIONS[action]])
        if result.conflict == "not_yours":
            raise _Unauthorised
        with self.engine.connect() as conn:
            now = task_owner_status(conn, task_id)
        return result.ok, now[1] if now else ""

    async def _act(self, request: web.BaseRequest, grant: Grant, base: str, task_id: int,
                   action: str) -> web.Response:
        if action not in _STEP:
            return web.Response(status=404, text="not found", headers=_HEADERS)
        if (request.content_length or 0) > MAX_FORM_BYTES:
            return web.Response(status=413, text="form too large", headers=_HEADERS)
        body = await request.read()          # bounded by aiohttp's client_max_size when chunked
        if len(body) > MAX_FORM_BYTES:
            return web.Response(status=413, text="form too large", headers=_HEADERS)
        form = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
        note = " ".join((form.get("note") or [""])[0].split())[:MAX_NOTE_CHARS]
        changed, status = await self._io(self._step, grant, task_id, action, note)
        query = {"r": "done", "a": action} if changed else {"r": "same", "a": action, "s": status}
        return web.Response(status=303, headers={**_HEADERS, "Location": f"{base}?{urlencode(query)}"})

    # -- live updates -------------------------------------------------------------------------------
    def _task_changes(self, seq: int) -> tuple[int, bool]:
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            rows = changes_since(conn, seq, limit=10_000)
            if not rows:
                return seq, False
            return rows[-1].seq, any(r.entity in ("task", "incident") for r in rows)

    def _latest(self) -> int:
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            return latest_seq(conn)

    async def _watch(self, ready: asyncio.Event) -> None:
        """One reader of the change feed for all open pages: wakes them when a task or incident changed."""
        try:
            seq = await self._io(self._latest)
        finally:
            ready.set()
        while not self._closing and self.listeners > 0:
            await asyncio.sleep(self.poll_s)
            try:
                seq, moved = await self._io(self._task_changes, seq)
            except Exception as exc:  # noqa: BLE001 - a store hiccup: try again next poll
                log.warning("task page watcher: %s", exc)
                continue
            if moved and self._wake is not None:
                self._wake.set()
                self._wake = asyncio.Event()
        self._watcher = None
        self._watching = None

    def _signature(self, officer_id: int) -> str:
        with self.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
            return task_signature(conn, officer_id)

    async def _events(self, request: web.BaseRequest, grant: Grant) -> web.StreamResponse:
        if self._streams.get(grant.device_id, 0) >= MAX_STREAMS_PER_DEVICE:
            return web.Response(status=429, text="too many open pages for this phone", headers=_HEADERS)
        response = web.StreamResponse(headers={**_HEADERS, "Content-Type": "text/event-stream",
                                               "X-Accel-Buffering": "no"})
        await response.prepare(request)
        if self._wake is None:
            self._wake = asyncio.Event()
        self.listeners += 1
        self._streams[grant.device_id] = self._streams.get(grant.device_id, 0) + 1
        if self._watcher is None or self._watching is None:
            self._watching = asyncio.Event()
            self._watcher = asyncio.ensure_future(self._watch(self._watching))
        watching = self._watching
        sent = None
        try:
            # read the signature only once the watcher stands at the feed's head: no change falls between
            await watching.wait()
            await response.write(b"retry: 1000\n\n")
            while not self._closing:
                wake = self._wake
                sig = await self._io(self._signature, grant.officer_id)
                if not self.directory.knows(grant.device_id):   # revoked while open
                    break
                if sig != sent:
                    await response.write(f"data: {json.dumps({'sig': sig})}\n\n".encode())
                    sent = sig
                try:
                    await asyncio.wait_for(wake.wait(), self.keepalive_s)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
        except ConnectionResetError:   # the phone went away
            pass
        finally:
            self.listeners -= 1
            left = self._streams.get(grant.device_id, 1) - 1
            if left > 0:
                self._streams[grant.device_id] = left
            else:
                self._streams.pop(grant.device_id, None)
        return response

    def close(self) -> None:
        """Let open event streams end (called on the loop before the server shuts down)."""
        self._closing = True
        if self._wake is not None:
            self._wake.set()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True)
