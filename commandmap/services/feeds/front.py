"""The ingest port's HTTP front: position reports answered without a web framework.

Why: aiohttp's own request cycle cost ~100 µs a request on this machine (a
request object, a handler task, a response object, header serialisation),
more than parsing, checking and storing the fix together; one process could
not go past ~4,500 requests/s. Here each connection is one asyncio.Protocol
fed to MagicStack's `httptools` (llhttp, what uvicorn uses); a position report
is judged by the same `OsmAndServer` code as before (parsers, tokens, rate
limit, statuses and log lines) and queued into the tick writer with a callback;
the answer is prebuilt bytes written once the tick has committed (200 still
means stored). Keep-alive, pipelining (answers in request order), chunked and
Content-Length bodies, HTTP/1.0 and `Connection: close` are llhttp's parsing
plus the bookkeeping below.

Everything else goes to aiohttp, on the same socket: a connection whose first
request targets the officers' pages (/m/...), or any target we do not read
ourselves (percent-escapes or dot segments in the path, absolute or `*` forms),
is handed over whole — the transport is given to an aiohttp `RequestHandler`
with the bytes read so far — so the pages, their forms and their event streams
run exactly as before, and the page code still sees the phone's own address
(its per-address limits depend on it; a loopback relay would hide it). A
position report posted to a page's URL (/m/<token>, Traccar Client enrolled by
QR code) stays here, decided by the pages' own rule (`position_shaped`). A page
request arriving later on a connection the front already serves is rebuilt
(request line, headers, body) and handed over with `Connection: close`: the
connection ends after its answer, and a client resends what it had pipelined
after it, as HTTP allows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import unquote_plus
from email.utils import formatdate
from http import HTTPStatus

import httptools

from .http import MAX_BODY_BYTES, FeedError, OsmAndServer, Refused, token_of
from .mobile_page import PREFIX as PAGE_PREFIX
from .mobile_page import position_shaped

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 8190          # request target, as aiohttp's limit
MAX_HEAD_BYTES = 32 * 1024     # request line and headers together
MAX_HEADERS = 100
MAX_RELAYED_BODY = 1024 ** 2   # a page request rebuilt mid-connection (aiohttp's own default limit)
MAX_WAITING = 64               # answers queued on one connection before it stops reading (pipelining)
SWEEP_S = 25.0                 # idle connections close after 2-3 sweeps without a byte (aiohttp: 75 s)
IDLE_SWEEPS = 3
_PAGE = PAGE_PREFIX.encode()
# one byte looked for as its int: `b"%" in data` first tries the operand as an int, fails, and formats a
# TypeError it then drops (~0.3 µs); `37 in data` is a tenth of that. Per request, four of them added up.
_PERCENT, _BACKSLASH, _HASH = b"%\\#"


class _Stop(Exception):
    """Raised inside a parser callback to stop reading this connection: answer `status` (if any) and close."""

    def __init__(self, status: int | None = None, reason: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _HandOff(Exception):
    """Raised inside a parser callback: the request just read goes to aiohttp, then the connection ends."""


class _HandOver(Exception):
    """Raised inside a parser callback: the connection's first request is aiohttp's; so is the connection."""


def needs_aiohttp(target: bytes, pages: bool = True) -> bool:
    """Whether aiohttp reads this request target: the officers' pages (when served), and any path we would
    have to normalise to decide (so both servers always agree on what is a page): a target that does not
    start with one "/" (absolute or `*` form, empty), or a path with a percent-escape, dot segment or
    backslash. A position report sent to a page's URL is ours again (`page_position`)."""
    path = target.partition(b"?")[0]
    if b"#" in path:
        path = path.partition(b"#")[0]
    return (path[:1] != b"/" or path[:2] == b"//" or (pages and path.startswith(_PAGE)) or b"%" in path
            or b"/." in path or b"\\" in path)


def page_position(target: bytes, method: bytes, content_type: bytes, content_length: int) -> bool:
    """A position report sent to /m/<token> (Traccar Client enrolled by QR code): the pages' own rule."""
    path, _, query = target.partition(b"?")
    if b"#" in path or not path.startswith(_PAGE) or b"%" in path or b"/." in path or b"\\" in path \
            or path[:2] == b"//":
        return False
    rest = path[len(_PAGE):].partition(b"/")[2]
    keys = [unquote_plus(part.partition("=")[0], errors="replace")
            for part in query.partition(b"#")[0].decode("utf-8", "replace").split("&") if part]
    return position_shaped(rest.decode("utf-8", "replace"), content_type.decode("latin-1"), keys,
                           method.decode("latin-1"), content_length if content_length > 0 else None)


def _date() -> bytes:
    return formatdate(usegmt=True).encode()


def response(status: int, reason: str, date: bytes, *, close: bool, head_only: bool = False,
             keep_alive_header: bool = False) -> bytes:
    """One answer: status line, length, date, the reason as text/plain (none for a 200)."""
    body = reason.encode("utf-8", "replace") if status != 200 else b""
    lines = [b"HTTP/1.1 %d %s" % (status, HTTPStatus(status).phrase.encode()),
             b"Content-Length: %d" % len(body)]
    if body:
        lines.append(b"Content-Type: text/plain; charset=utf-8")
    lines.append(b"Date: " + date)
    if close:
        lines.append(b"Connection: close")
    elif keep_alive_header:
        lines.append(b"Connection: keep-alive")
    return b"\r\n".join(lines) + b"\r\n\r\n" + (b"" if head_only else body)


_QUIET = frozenset({"good", "duplicate", "outdated"})     # verdicts not worth a log line (OsmAndServer.stored)


class _Answer:
    """One request's place in its connection's answer queue (answers leave in request order)."""

    __slots__ = ("conn", "data", "close", "device_id", "method", "head", "keep_header")

    def __init__(self, conn: _Connection, close: bool, device_id: str = "", method: str = "POST",
                 head: bool = False, keep_header: bool = False) -> None:
        self.conn = conn
        self.method = method
        self.data: bytes | None = None
        self.close = close
        self.device_id = device_id
        self.head = head
        self.keep_header = keep_header

    def stored(self, verdict: str | None, exc: BaseException | None) -> None:
        """The tick writer's callback: 200 once committed, 503 when the tick failed (the client resends)."""
        conn = self.conn
        front = conn.front
        if exc is None and verdict in _QUIET and not (self.close or self.keep_header):   # the common answer
            answers = front.feed.answers
            answers[200] = answers.get(200, 0) + 1
            self.data = front.ok
            conn.flush()
            return
        feed = front.feed
        if exc is not None:
            reason = f"not stored ({type(exc).__name__}); send again"
            feed.count(503, self.method, conn.peer, reason, self.device_id)
            self.data = response(503, reason, conn.front.date, close=self.close, head_only=self.head,
                                 keep_alive_header=self.keep_header)
        else:
            feed.stored(self.device_id, verdict or "")
            feed.count(200, "", conn.peer)
            self.data = (conn.front.ok if not (self.close or self.keep_header) else
                         response(200, "", conn.front.date, close=self.close, keep_alive_header=self.keep_header))
        conn.flush()


class _Connection(asyncio.Protocol):
    """One client connection: parse, judge, queue, answer in order; or hand the connection to aiohttp."""

    def __init__(self, front: HttpFront) -> None:
        self.front = front
        self.transport: asyncio.Transport | None = None
        self.peer: object = "?"
        self.parser: httptools.HttpRequestParser | None = httptools.HttpRequestParser(self)
        self.raw: bytes | None = b""       # what arrived until the first request's headers were read
        self.answers: deque[_Answer] = deque()
        self.seen = front.epoch
        self.reading = True                # False once we stop taking requests (close, hand-off, error)
        self.paused_queue = False
        self.paused_write = False
        self.eof = False
        self.handoff: bytes | None = None  # a rebuilt request waiting for earlier answers to leave
        self._reset()

    def _reset(self) -> None:
        self.url = b""
        self.path = self.query = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.ctype = b""
        self.auth = b""
        self.length = -1
        self.expect = False
        self.body: list[bytes] = []
        self.body_len = 0
        self.head_len = 0
        self.relay = False

    # -- asyncio.Protocol ----------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if isinstance(peer, tuple) and peer else peer
        self.front.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.front.connections.discard(self)
        self.reading = False
        self.answers.clear()

    def pause_writing(self) -> None:
        self.paused_write = True
        self._pause()

    def resume_writing(self) -> None:
        self.paused_write = False
        self._resume()

    def eof_received(self) -> bool:
        self.eof = True
        return bool(self.answers)         # keep the socket open until the queued answers are written

    def data_received(self, data: bytes) -> None:
        self.seen = self.front.epoch
        parser = self.parser
        if parser is None:
            return
        if self.raw is not None:
            self.raw += data
        hand_over = False
        try:
            parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            stop = exc.__context__
            if isinstance(stop, _HandOver):
                hand_over = True             # outside this except: aiohttp's errors are not ours
            elif isinstance(stop, _HandOff):
                self._stop_reading()
                self.flush()
            elif isinstance(stop, _Stop):
                self._refuse(stop.status, stop.reason)
            else:
                log.error("request from %s not handled: %s", self.peer, stop or exc, exc_info=stop)
                self._refuse(500, "internal error")
        except httptools.HttpParserUpgrade:
            self._refuse(None, "")          # no upgrades here: answer what was asked, then close
        except httptools.HttpParserError as exc:
            self._refuse(400, f"malformed request ({str(exc)[:80]})")
        if hand_over:
            raw, self.raw = self.raw, None
            self._give_to_aiohttp(raw or b"")

    # -- httptools callbacks -------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        self._reset()

    def on_url(self, url: bytes) -> None:
        self.url += url
        if len(self.url) > MAX_LINE_BYTES:
            raise _Stop(400, f"request target longer than {MAX_LINE_BYTES} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_len += len(name) + len(value) + 4
        headers = self.headers
        headers.append((name, value))
        if self.head_len > MAX_HEAD_BYTES or len(headers) > MAX_HEADERS:
            raise _Stop(400, "request headers too large")
        if not 12 <= len(name) <= 14:
            if len(name) == 6 and name.lower() == b"expect" and value.strip().lower() == b"100-continue":
                self.expect = True
            return
        low = name.lower()
        if low == b"content-type":
            if not self.ctype:
                self.ctype = value
        elif low == b"authorization":
            if not self.auth:
                self.auth = value
        elif low == b"content-length":
            self.length = int(value) if value.strip().isdigit() else -1

    def on_headers_complete(self) -> None:
        url = self.url
        path, _, query = url.partition(b"?")
        self.path = path
        self.query = query.partition(b"#")[0] if _HASH in query else query
        pages = self.front.pages
        plain = (path[:1] == b"/" and path[:2] != b"//" and not (pages and path.startswith(_PAGE))
                 and _PERCENT not in path and path.find(b"/.") < 0 and _BACKSLASH not in path and _HASH not in path)
        if not plain and needs_aiohttp(url, pages) and not (
                pages and page_position(url, self.parser.get_method(), self.ctype,  # type: ignore[union-attr]
                                        self.length)):
            if self.raw is not None:
                raise _HandOver              # the connection's first request: the connection is aiohttp's
            self.relay = True
            if self.length > MAX_RELAYED_BODY:
                raise _Stop(413, f"body larger than {MAX_RELAYED_BODY} bytes")
        else:
            self.raw = None
            if self.length > MAX_BODY_BYTES:
                raise _Stop(413, f"body larger than {MAX_BODY_BYTES} bytes")
            if self.expect and not self.answers and self.transport is not None:
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")   # the client waits for it to send the body

    def on_body(self, body: bytes) -> None:
        self.body_len += len(body)
        if self.body_len > (MAX_RELAYED_BODY if self.relay else MAX_BODY_BYTES):
            raise _Stop(413, f"body larger than {MAX_RELAYED_BODY if self.relay else MAX_BODY_BYTES} bytes")
        self.body.append(body)

    def on_message_complete(self) -> None:
        parser = self.parser
        assert parser is not None
        keep = parser.should_keep_alive()
        method = parser.get_method()
        if self.relay:
            self.handoff = self._rebuilt(method, parser.get_http_version())
            raise _HandOff
        version = parser.get_http_version()
        self._judge(method, not keep, keep and version == "1.0")
        if not keep:
            raise _Stop(None, "")   # the client closes after this one: read no further

    # -- a position report ---------------------------------------------------------------------------
    def _judge(self, method_b: bytes, close: bool, keep_header: bool) -> None:
        feed = self.front.feed
        path, query = self.path, self.query
        body = b"".join(self.body) if self.body else b""
        head = method_b == b"HEAD"
        try:
            report, is_json = feed.report_of_raw(self.ctype, query, body)
            token = token_of(self.auth.decode("latin-1"), path.decode("utf-8", "replace"))
            grant = feed.admit(report, is_json, token, time.monotonic())
        except FeedError as exc:
            device_id = exc.device_id if isinstance(exc, Refused) else ""
            feed.count(exc.status, method_b.decode("latin-1"), self.peer, exc.reason, device_id)
            answer = _Answer(self, close)
            answer.data = response(exc.status, exc.reason, self.front.date, close=close, head_only=head,
                                   keep_alive_header=keep_header)
            self.answers.append(answer)
            self.flush()
            return
        answer = _Answer(self, close, report.device_id, "POST" if method_b == b"POST" else method_b.decode("latin-1"),
                         head, keep_header)
        self.answers.append(answer)
        if len(self.answers) >= MAX_WAITING:
            self.paused_queue = True
            self._pause()
        feed.writer.enqueue(grant, report, answer.stored)

    # -- answering -------------------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every answer that is ready, in request order, in one write."""
        answers = self.answers
        transport = self.transport
        if transport is None or transport.is_closing():
            answers.clear()
            return
        out: list[bytes] = []
        close = False
        while answers:
            first = answers[0]
            if first.data is None:
                break
            answers.popleft()
            out.append(first.data)
            if first.close:
                close = True
                answers.clear()
                break
        if out:
            transport.write(out[0] if len(out) == 1 else b"".join(out))
        if close:
            transport.close()
            return
        if self.paused_queue and len(answers) <= MAX_WAITING // 2:
            self.paused_queue = False
            self._resume()
        if answers:
            return
        if self.handoff is not None:
            raw, self.handoff = self.handoff, None
            self._give_to_aiohttp(raw)
        elif self.eof or not self.reading:
            transport.close()

    def _refuse(self, status: int | None, reason: str) -> None:
        """Stop reading; answer `status` after the answers already queued, then close."""
        self._stop_reading()
        if status is not None:
            self.front.feed.count(status, "?", self.peer, reason)
            answer = _Answer(self, True)
            answer.data = response(status, reason, self.front.date, close=True)
            self.answers.append(answer)
        self.flush()

    def _stop_reading(self) -> None:
        self.reading = False
        self.parser = None

    def _pause(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def _resume(self) -> None:
        if self.paused_queue or self.paused_write or self.transport is None or self.transport.is_closing():
            return
        self.transport.resume_reading()

    # -- the aiohttp path --------------------------------------------------------------------------------
    def _rebuilt(self, method: bytes, version: str) -> bytes:
        """The request just parsed, as bytes aiohttp reads the same way, asking it to close afterwards."""
        skip = {b"content-length", b"transfer-encoding", b"connection"}
        body = b"".join(self.body)
        head = [b"%s %s HTTP/%s" % (method, self.url, version.encode())]
        head += [name + b": " + value for name, value in self.headers if name.lower() not in skip]
        head += [b"Content-Length: %d" % len(body), b"Connection: close"]
        return b"\r\n".join(head) + b"\r\n\r\n" + body

    def _give_to_aiohttp(self, raw: bytes) -> None:
        transport = self.transport
        self.front.connections.discard(self)
        self._stop_reading()
        if transport is None or transport.is_closing():
            return
        self.front.handed_over += 1
        if self.paused_queue or self.paused_write:
            self.paused_queue = self.paused_write = False
            transport.resume_reading()
        handler = self.front.fallback()
        transport.set_protocol(handler)
        handler.connection_made(transport)
        if raw:
            handler.data_received(raw)
        if self.eof:
            handler.eof_received()


class HttpFront:
    """The listening socket's protocol factory, the shared answer bytes and the idle sweep."""

    def __init__(self, feed: OsmAndServer, fallback: Callable[[], asyncio.Protocol]) -> None:
        self.feed = feed
        self.fallback = fallback
        self.pages = feed.pages is not None     # /m/ is the pages' (else it is one more position path)
        self.connections: set[_Connection] = set()
        self.handed_over = 0
        self.epoch = 0
        self.date = _date()
        self.ok = response(200, "", self.date, close=False)
        self._server: asyncio.base_events.Server | None = None
        self._ticker: asyncio.Task[None] | None = None

    def __call__(self) -> _Connection:
        return _Connection(self)

    async def start(self, host: str, port: int, *, backlog: int = 1024, reuse_port: bool = False) -> int:
        """Listen; returns the bound port."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self, host, port, reuse_address=True, backlog=backlog,
                                                reuse_port=reuse_port or None)
        self._ticker = loop.create_task(self._tick())
        return int(self._server.sockets[0].getsockname()[1])

    async def _tick(self) -> None:
        """Once a second: the Date header; every SWEEP_S: close connections idle for IDLE_SWEEPS sweeps."""
        next_sweep = time.monotonic() + SWEEP_S
        while True:
            await asyncio.sleep(1.0)
            self.date = _date()
            self.ok = response(200, "", self.date, close=False)
            if time.monotonic() >= next_sweep:
                next_sweep += SWEEP_S
                self.epoch += 1
                for conn in list(self.connections):
                    if not conn.answers and self.epoch - conn.seen >= IDLE_SWEEPS and conn.transport is not None:
                        conn.transport.close()

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.close()
        if self._server is not None:
            await self._server.wait_closed()
