"""The ingest port's HTTP front, driven over a raw socket: every request form of the OsmAnd / Traccar
protocol, the status codes, keep-alive, pipelining, chunked and oversized bodies, HTTP/1.0, malformed
requests, and the officers' pages (and their event stream) handed over to aiohttp on the same port."""

from __future__ import annotations

import json
import logging
import socket
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from commandmap.services.clock import to_epoch
from commandmap.services.feeds.front import needs_aiohttp, page_position
from commandmap.services.feeds.http import MAX_BODY_BYTES
from commandmap.store import schema
from tests.services.feeds.server_kit import LAT, LON, city_with_devices, running, unlimited_server

KNOT = 1852.0 / 3600.0


@pytest.fixture
def city(store_engine):
    return store_engine, city_with_devices(store_engine)


class Raw:
    """A plain socket speaking bytes, reading answers one at a time (status, headers, body)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buf += chunk
        return bool(chunk)

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"closed before an answer (had {self.buf!r})")
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        size = int(headers.get("content-length", "0"))
        while len(self.buf) < size:
            if not self._fill():
                raise ConnectionError("closed inside a body")
        body, self.buf = self.buf[:size], self.buf[size:]
        return status, headers, body

    def closed(self) -> bool:
        """True when the server closed the connection (nothing more to read)."""
        try:
            return not self._fill() and not self.buf
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


def post(target: str, body: bytes = b"", headers: dict[str, str] | None = None, version: str = "1.1") -> bytes:
    lines = [f"POST {target} HTTP/{version}", "Host: phone"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if "Transfer-Encoding" not in (headers or {}) and "Content-Length" not in (headers or {}):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def fixes(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(schema.position_fix).order_by(schema.position_fix.c.fix_time)).all()


def test_every_request_form_on_one_keep_alive_connection(city) -> None:
    """Query, form body (only when the query is empty), JSON (charset suffix), token in the path or as a
    Bearer header: five 200s on one connection, each stored with its units normalised."""
    engine, tokens = city
    now = int(time.time()) - 100
    with running(engine) as svc:
        c = Raw(svc.port)
        q = urlencode({"id": "dev-1", "timestamp": now, "lat": LAT, "lon": LON, "speed": 10, "batt": 50})
        c.send(post(f"/{tokens[1]}?{q}"))
        assert c.answer()[0] == 200
        form = urlencode({"id": "dev-1", "timestamp": now + 1, "location": f"{LAT},{LON + 0.001}"}).encode()
        c.send(post(f"/{tokens[1]}", form, {"Content-Type": "application/x-www-form-urlencoded"}))
        assert c.answer()[0] == 200
        q = urlencode({"deviceid": "dev-1", "timestamp": now + 2, "lat": LAT, "lon": LON, "heading": 45})
        c.send(post(f"/?{q}", b"id=nobody", {"Authorization": f"Bearer {tokens[1]}"}))    # the query wins
        assert c.answer()[0] == 200
        doc = {"device_id": "dev-1", "location": {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3)),
            "coords": {"latitude": LAT, "longitude": LON, "speed": 4.0, "heading": -1},
            "battery": {"level": 0.5, "is_charging": True}}}
        c.send(post("/", json.dumps(doc).encode(), {"Content-Type": "application/json; charset=utf-8",
                                                   "Authorization": f"Bearer {tokens[1]}"}))
        assert c.answer()[0] == 200
        c.send(post(f"/{tokens[1]}?{urlencode({'id': 'dev-1', 'timestamp': f'{now + 4}000'})}"))   # ms, no coords
        status, headers, body = c.answer()
        assert (status, body) == (200, b"") and "close" not in headers.get("connection", "")
        assert svc.front is not None and svc.front.handed_over == 0
        c.close()
    rows = fixes(engine)
    assert [to_epoch(r.fix_time) for r in rows] == [now, now + 1, now + 2, now + 3]   # the last kept no position
    assert rows[0].speed_mps == pytest.approx(10 * KNOT) and rows[0].attributes["battery_pct"] == 50.0
    assert rows[1].lon == pytest.approx(LON + 0.001)
    assert rows[2].heading_deg == 45.0
    assert rows[3].speed_mps == pytest.approx(4.0) and rows[3].heading_deg is None
    assert rows[3].attributes["battery_pct"] == 50.0 and rows[3].attributes["charging"] is True


def test_status_codes_and_reasons(city, caplog) -> None:
    engine, tokens = city
    with running(engine, rate_per_s=0.001, burst=1) as svc:
        c = Raw(svc.port)
        cases = [
            (post(f"/{tokens[1]}?lat=1&lon=2"), 400, b"id: missing"),
            (post(f"/{tokens[1]}?id=dev-1&lat=north&lon=2"), 400, b"lat: 'north' is not valid"),
            (post("/", b'{"device_id": "nobody", "location": {}}', {"Content-Type": "application/json"}), 404,
             b"unknown device"),
            (post(f"/{tokens[2]}?id=dev-1&lat={LAT}&lon={LON}"), 401, b"device not authorised"),
            (post(f"/?id=dev-1&lat={LAT}&lon={LON}"), 401, b"device not authorised"),
            (post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}"), 200, b""),
            (post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}&timestamp=1"), 429, b"too many reports"),
        ]
        for request, status, reason in cases:
            c.send(request)
            got, headers, body = c.answer()
            assert (got, body[:len(reason)]) == (status, reason)
            if status != 200:
                assert headers["content-type"].startswith("text/plain")
        c.close()
    assert all(t not in caplog.text for t in tokens.values())         # tokens never logged
    assert svc.http.answers == {400: 2, 404: 1, 401: 2, 200: 1, 429: 1}


def test_a_failed_tick_is_a_503_and_the_client_may_resend(city, monkeypatch) -> None:
    engine, tokens = city
    with running(engine) as svc:
        def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise OSError("disk gone")
        monkeypatch.setattr(svc.ingestor, "ingest", broken)
        c = Raw(svc.port)
        c.send(post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}"))
        status, _, body = c.answer()
        assert status == 503 and b"send again" in body
        monkeypatch.undo()
        c.send(post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}"))
        assert c.answer()[0] == 200
        c.close()
    assert len(fixes(engine)) == 1


def test_pipelined_requests_are_answered_in_order(city) -> None:
    """A fast refusal queued behind a fix waiting for its tick still leaves after it."""
    engine, tokens = city
    now = int(time.time()) - 50
    with running(engine, tick_s=0.2) as svc:
        c = Raw(svc.port)
        c.send(post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}&timestamp={now}")
               + post(f"/{tokens[1]}?lat={LAT}")
               + post(f"/{tokens[2]}?id=dev-2&lat={LAT}&lon={LON}&timestamp={now}")
               + post(f"/{tokens[3]}?id=dev-1&lat={LAT}&lon={LON}"))
        assert [c.answer()[0] for _ in range(4)] == [200, 400, 200, 401]
        c.close()
    assert sorted(r.officer_id for r in fixes(engine)) == [1, 2]


def test_chunked_body_and_http10(city) -> None:
    engine, tokens = city
    now = int(time.time()) - 50
    with running(engine) as svc:
        c = Raw(svc.port)
        form = urlencode({"id": "dev-1", "timestamp": now, "lat": LAT, "lon": LON}).encode()
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(form[i:i + 7]), form[i:i + 7]) for i in range(0, len(form), 7))
        c.send(post(f"/{tokens[1]}", chunks + b"0\r\n\r\n", {"Transfer-Encoding": "chunked"}))
        assert c.answer()[0] == 200
        c.close()
        c = Raw(svc.port)                 # HTTP/1.0 asking to keep the connection: kept
        c.send(post(f"/{tokens[2]}?id=dev-2&lat={LAT}&lon={LON}&timestamp={now}", version="1.0",
                    headers={"Connection": "keep-alive"}))
        status, headers, _ = c.answer()
        assert status == 200 and headers["connection"].lower() == "keep-alive"
        c.send(post(f"/{tokens[2]}?id=dev-2&lat={LAT}&lon={LON}&timestamp={now + 1}", version="1.0"))
        status, headers, _ = c.answer()   # plain HTTP/1.0: answered, then closed
        assert status == 200 and headers["connection"].lower() == "close" and c.closed()
        c.close()
        c = Raw(svc.port)                 # HTTP/1.1 with Connection: close
        c.send(post(f"/{tokens[3]}?id=dev-3&lat={LAT}&lon={LON}&timestamp={now}", headers={"Connection": "close"}))
        assert c.answer()[0] == 200 and c.closed()
        c.close()
    assert sorted(r.officer_id for r in fixes(engine)) == [1, 2, 2, 3]


def test_expect_100_continue_gets_its_interim_answer(city) -> None:
    engine, tokens = city
    with running(engine) as svc:
        c = Raw(svc.port)
        form = f"id=dev-1&lat={LAT}&lon={LON}".encode()
        head = post(f"/{tokens[1]}", form, {"Expect": "100-continue",
                                             "Content-Type": "application/x-www-form-urlencoded"})
        c.send(head[:-len(form)])                  # the head alone: the client waits for 100 Continue
        assert c.answer()[0] == 100
        c.send(form)
        assert c.answer()[0] == 200
        c.close()
    assert len(fixes(engine)) == 1


def test_idle_connections_are_closed(city, monkeypatch) -> None:
    from commandmap.services.feeds import front
    monkeypatch.setattr(front, "SWEEP_S", 0.1)
    monkeypatch.setattr(front, "IDLE_SWEEPS", 1)
    engine, tokens = city
    with running(engine) as svc:
        c = Raw(svc.port)
        c.send(post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}"))
        assert c.answer()[0] == 200
        assert c.closed()                           # blocks until the sweep closes the quiet connection
        c.close()


def test_oversized_and_malformed_requests_are_refused_and_the_connection_closed(city) -> None:
    engine, tokens = city
    with running(engine) as svc:
        c = Raw(svc.port)
        c.send(post(f"/{tokens[1]}", b"", {"Content-Length": str(MAX_BODY_BYTES + 1),
                                            "Content-Type": "application/json"}))
        assert c.answer()[0] == 413 and c.closed()
        c.close()
        c = Raw(svc.port)
        big = b"id=dev-1&x=" + b"y" * MAX_BODY_BYTES
        c.send(post(f"/{tokens[1]}", b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big), {"Transfer-Encoding": "chunked"}))
        assert c.answer()[0] == 413 and c.closed()
        c.close()
        for junk in (b"THIS IS NOT HTTP\r\n\r\n", b"POST /x HTTP/9.9.9\r\n\r\n", b"GET /\x00 HTTP/1.1\r\n\r\n",
                     b"POST /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n"):
            c = Raw(svc.port)
            c.send(junk)
            assert c.answer()[0] == 400 and c.closed()
            c.close()
        c = Raw(svc.port)                 # the server still serves
        c.send(post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}"))
        assert c.answer()[0] == 200
        c.close()


def test_pages_and_their_event_stream_are_aiohttps_on_the_same_port(sqlite_engine) -> None:
    from tests.mobile.scene import build_scene
    scene = build_scene(sqlite_engine)
    token = scene.tokens[1]
    with running(sqlite_engine) as svc:
        assert svc.front is not None
        c = Raw(svc.port)                 # a browser: the page twice on one connection, both from aiohttp
        for _ in range(2):
            c.send(f"GET /m/{token} HTTP/1.1\r\nHost: phone\r\n\r\n".encode())
            status, headers, body = c.answer()
            assert status == 200 and headers["content-type"].startswith("text/html") and b"<html" in body.lower()
        c.close()
        assert svc.front.handed_over == 1
        c = Raw(svc.port)                 # the event stream streams through
        c.send(f"GET /m/{token}/events HTTP/1.1\r\nHost: phone\r\n\r\n".encode())
        while b"data: " not in c.buf:
            assert c._fill()
        assert c.buf.startswith(b"HTTP/1.1 200") and b"text/event-stream" in c.buf
        c.close()
        c = Raw(svc.port)                 # a fix first, then the page on the same connection: answered, closed
        c.send(post(f"/{token}?id=dev-1&lat={LAT}&lon={LON}"))
        assert c.answer()[0] == 200
        c.send(f"GET /m/{token} HTTP/1.1\r\nHost: phone\r\n\r\n".encode())
        status, headers, body = c.answer()
        assert status == 200 and b"<html" in body.lower() and headers["connection"].lower() == "close"
        assert c.closed()
        c.close()
        handed = svc.front.handed_over
        c = Raw(svc.port)                 # a phone enrolled by QR posts its JSON to /m/<token>: the front's
        doc = {"device_id": "dev-1", "location": {"timestamp": "2026-11-25T06:00:00Z",
                                                  "coords": {"latitude": 29.87, "longitude": 121.55}}}
        c.send(post(f"/m/{token}", json.dumps(doc).encode(), {"Content-Type": "application/json"}))
        assert c.answer()[0] == 200
        c.send(post(f"/m/{scene.tokens[2]}", json.dumps(doc).encode(), {"Content-Type": "application/json"}))
        assert c.answer()[0] == 401
        c.close()
        assert svc.front.handed_over == handed


@pytest.mark.parametrize(("target", "aiohttp"), [
    (b"/tok?id=1&t=a%3Ab", False), (b"/m/tok", True), (b"/m", False), (b"/mx/tok", False), (b"//x", True),
    (b"http://h/m/x", True), (b"*", True), (b"/a%2Fm", True), (b"/./m/x", True), (b"/a\\b", True), (b"", True),
    (b"/tok?x=/./", False), (b"/tok#frag", False)])
def test_what_the_front_hands_to_aiohttp(target: bytes, aiohttp: bool) -> None:
    assert needs_aiohttp(target) is aiohttp
    assert needs_aiohttp(target, pages=False) is (aiohttp and not target.startswith(b"/m/"))


def test_positions_sent_to_a_page_url_follow_the_pages_rule() -> None:
    assert page_position(b"/m/tok", b"POST", b"application/json", -1)
    assert page_position(b"/m/tok?lat=1&lon=2", b"GET", b"", -1)
    assert page_position(b"/m/tok", b"POST", b"application/x-www-form-urlencoded", 12)
    assert not page_position(b"/m/tok", b"GET", b"", -1)                 # the page itself
    assert not page_position(b"/m/tok/events", b"GET", b"application/json", -1)
    assert not page_position(b"/m/tok/task/1/accept", b"POST", b"", 7)


# -- fuzzing the front ------------------------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with unlimited_server(tmp_path_factory.mktemp("front")) as served:
        yield served


def _exchange(port: int, data: bytes) -> bytes:
    """Send, half-close, read to the end: what the server said before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def _answers_or_closes(out: bytes) -> None:
    """Nothing (closed) or answers (other versions than 1.1 in a status line are aiohttp's, echoing the
    request's, for the requests the front handed over)."""
    if out:
        parts = out.split(b" ", 2)
        assert parts[0].startswith(b"HTTP/") and len(parts) == 3 and parts[1].isdigit(), out[:80]


def _still_serves(svc, tokens) -> None:  # type: ignore[no-untyped-def]
    out = _exchange(svc.port, post(f"/{tokens[1]}?id=dev-1&lat={LAT}&lon={LON}", headers={"Connection": "close"}))
    assert out.startswith(b"HTTP/1.1 200"), out[:80]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_random_bytes_get_a_status_or_a_close(live, caplog, data: bytes) -> None:
    svc, tokens = live
    caplog.clear()
    _answers_or_closes(_exchange(svc.port, data))
    _still_serves(svc, tokens)
    _no_internal_error(caplog)


def _no_internal_error(caplog) -> None:  # type: ignore[no-untyped-def]
    """The front never failed inside (that would be its 500 and an error line)."""
    assert not [r for r in caplog.records if r.name.endswith("feeds.front") and r.levelno >= logging.ERROR]


methods = st.one_of(st.sampled_from(["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "CONNECT", "PATCH"]),
                    st.text(max_size=8))
targets = st.one_of(st.text(max_size=60), st.builds(lambda p, q: f"/{p}?{q}", st.text(max_size=20),
                                                      st.text(max_size=40)),
                    st.sampled_from(["/", "*", "/m/", "/m/x/events", "http://a/b", "/%zz", "/a/../m/b"]))
headers = st.lists(st.tuples(st.sampled_from(["Content-Length", "Transfer-Encoding", "Content-Type", "Connection",
                                              "Authorization", "Upgrade", "Expect", "X"]),
                             st.one_of(st.text(max_size=20), st.sampled_from(
                                 ["0", "5", "-1", "99999999999", "chunked", "application/json", "close",
                                  "keep-alive", "Bearer x", "websocket", "100-continue"]))), max_size=5)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=methods, target=targets, version=st.sampled_from(["1.1", "1.0", "0.9", "2", "1.1x"]),
       hdrs=headers, body=st.binary(max_size=60), again=st.booleans())
def test_random_requests_get_a_status_or_a_close(live, caplog, method, target, version, hdrs, body, again) -> None:
    svc, tokens = live
    caplog.clear()
    head = f"{method} {target} HTTP/{version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs) + "\r\n"
    request = head.encode("utf-8", "surrogateescape") + body
    _answers_or_closes(_exchange(svc.port, request * (2 if again else 1)))
    _still_serves(svc, tokens)
    _no_internal_error(caplog)
