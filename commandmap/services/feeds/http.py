"""The OsmAnd / Traccar Client HTTP endpoint: how a request is judged, and its aiohttp handler.

The ingest port is served by `front.HttpFront`, which answers position reports
itself with `report_of`, `admit`, `count` and `stored` below; `handle` is the
aiohttp path for the connections the front hands over (the pages under /m/).

Answers: 200 once the fix is committed (whatever its verdict: resending would
not change it); 400 for a missing id or a malformed value; 404 for an unknown
device on the JSON path; 401 for a missing, wrong, revoked or another device's
token (one answer for all); 429 over the per-device rate; 503 when the store
failed (the client resends). The token comes as `Authorization: Bearer …` or as
the last path segment (the stock client can only set a URL). Access logs are
off: a URL may carry a token, and our own log lines never name it. Paths under
/m/ are the officers' task pages (`mobile_page`), served by the same handler.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import unquote, unquote_plus
from zoneinfo import ZoneInfo

from aiohttp import web

from ..devices import DeviceDirectory, Grant
from .mobile_page import PREFIX as PAGE_PREFIX
from .mobile_page import MobilePages
from .osmand import DEFAULT_ZONE, FeedError, Report, parse_json, parse_params, parse_traccar_query
from .ticks import RateLimiter, TickWriter

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 100


def _first_values(text: str) -> dict[str, str]:
    """The first value of each key of a query string or form body (keys lower-case). Plain pairs skip
    the unquoting (a phone's numbers rarely need it: this is the hot path of every request)."""
    parts = text.split("&")
    if len(parts) > MAX_FIELDS:
        raise FeedError(400, f"too many parameters (more than {MAX_FIELDS})")
    out: dict[str, str] = {}
    escaped = "%" in text or "+" in text
    for part in parts:
        if not part:
            continue
        key, _, value = part.partition("=")
        if escaped and ("%" in part or "+" in part):
            key = unquote_plus(key, errors="replace")
            value = unquote_plus(value, errors="replace")
        if not key.islower() or not key.isalpha():     # "lat", "batt": already as wanted
            key = key.strip().lower()
        if key not in out:
            out[key] = value
    return out


def _split_target(request: web.BaseRequest) -> tuple[str, str]:
    """(raw path, raw query) of the request line, without building URL objects (per request, that cost
    more than parsing the fix)."""
    path, _, query = request.raw_path.partition("?")
    return path, query.partition("#")[0]


def token_of(authorization: str, path: str) -> str | None:
    """The device token: `Authorization: Bearer …`, else the last segment of the raw path."""
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    last = path.rstrip("/").rpartition("/")[2]
    if "%" in last:
        last = unquote(last, errors="replace")
    return last or None


class Refused(FeedError):
    """A report refused after parsing (404, 401, 429): the log line names its device id."""

    def __init__(self, status: int, reason: str, device_id: str) -> None:
        super().__init__(status, reason)
        self.device_id = device_id


class OsmAndServer:
    """One HTTP endpoint writing through one TickWriter."""

    def __init__(self, writer: TickWriter, directory: DeviceDirectory, *, zone: str = DEFAULT_ZONE,
                 limiter: RateLimiter | None = None, pages: MobilePages | None = None) -> None:
        self.writer = writer
        self.pages = pages
        self.directory = directory
        self.zone = ZoneInfo(zone)
        self.limiter = limiter or RateLimiter()
        self.answers: dict[int, int] = {}

    def server(self) -> web.Server:
        """aiohttp's low-level server: one handler for every path and method (no router, no middleware:
        per request they cost more than parsing the fix)."""
        return web.Server(self.handle, access_log=None)

    def count(self, status: int, method: str, remote: object, reason: str = "", device_id: str = "") -> None:
        """Count an answer; log why when it is not a 200 (never the path: it may carry a token)."""
        self.answers[status] = self.answers.get(status, 0) + 1
        if status != 200:
            log.warning("%s %s from %s%s: %s", status, method, remote,
                        f" device {device_id}" if device_id else "", reason)

    def report_of(self, content_type: str, raw_query: str, body: bytes) -> tuple[Report, bool]:
        """(the report, whether it came as JSON) from what arrived; FeedError(400) when malformed. The query
        string wins; the body is read as a form only when the query is empty, as JSON by its content type."""
        if content_type.strip().lower().startswith("application/json"):
            return parse_json(body, self.zone), True
        if raw_query:
            return parse_params(_first_values(raw_query), self.zone), False
        return parse_params(_first_values(body.decode("utf-8", errors="replace")), self.zone), False

    def report_of_raw(self, content_type: bytes, raw_query: bytes, body: bytes) -> tuple[Report, bool]:
        """`report_of` on the bytes as they arrived (the HTTP front): the Traccar Client's plain query is read
        without decoding (`parse_traccar_query`), anything else as `report_of` reads it. A content type that
        does not say json cannot be JSON to `report_of` either, whatever its other bytes."""
        if raw_query and (not content_type or content_type.lower().find(b"json") < 0):
            report = parse_traccar_query(raw_query)
            if report is not None:
                return report, False
        return self.report_of(content_type.decode("latin-1"), raw_query.decode("utf-8", "replace"), body)

    def admit(self, report: Report, is_json: bool, token: str | None, now_s: float) -> Grant:
        """The device's grant, or Refused: 404 unknown device (JSON path), 401 not authorised, 429 too many."""
        if is_json and not self.directory.knows(report.device_id):
            raise Refused(404, "unknown device", report.device_id)
        grant = self.directory.check(report.device_id, token)
        if grant is None:
            raise Refused(401, "device not authorised", report.device_id)
        if not self.limiter.allow(grant.device_id, now_s):
            raise Refused(429, "too many reports from this device", report.device_id)
        return grant

    @staticmethod
    def stored(device_id: str, verdict: str) -> None:
        if verdict not in ("good", "duplicate", "outdated"):
            log.info("device %s: fix stored as %s", device_id, verdict)

    def _answer(self, status: int, request: web.BaseRequest, reason: str = "", device_id: str = "") -> web.Response:
        self.count(status, request.method, request.remote, reason, device_id)
        return web.Response(status=status, text=reason) if status != 200 else web.Response()

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """The aiohttp path: the officers' pages and whatever the fast front hands over (`front`)."""
        if self.pages is not None and request.path.startswith(PAGE_PREFIX):
            page = await self.pages.handle(request)   # the officer's task page; None: a position sent there
            if page is not None:
                return page
        try:
            if (request.content_length or 0) > MAX_BODY_BYTES:
                raise FeedError(413, f"body larger than {MAX_BODY_BYTES} bytes")
            ctype = request.headers.get("Content-Type", "")
            path, raw_query = _split_target(request)
            json_body = ctype.strip().lower().startswith("application/json")
            body = await request.read() if json_body or not raw_query else b""
            report, is_json = self.report_of(ctype, raw_query, body)
            grant = self.admit(report, is_json, token_of(request.headers.get("Authorization", ""), path),
                               time.monotonic())
        except Refused as exc:
            return self._answer(exc.status, request, exc.reason, exc.device_id)
        except FeedError as exc:
            return self._answer(exc.status, request, exc.reason)
        except web.HTTPRequestEntityTooLarge:     # a chunked body past aiohttp's own limit
            return self._answer(413, request, f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            verdict = await self.writer.submit(grant, report)
        except Exception as exc:  # noqa: BLE001 - answered as a temporary failure; the client resends
            return self._answer(503, request, f"not stored ({type(exc).__name__}); send again", report.device_id)
        self.stored(report.device_id, verdict)
        return self._answer(200, request)
