"""A running ingest service on a tiny city, and a plain HTTP client for it (tests only)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import Engine

from commandmap.domain.access import Actor, Role
from commandmap.services.devices import add_device
from commandmap.services.feeds.runner import IngestOptions, IngestService
from tests.live.citykit import CENTER, OfficerSpec, build_city

LON, LAT = CENTER


def city_with_devices(engine: Engine, n: int = 3) -> dict[int, str]:
    """Officers 1..n with phones dev-1..dev-n; returns officer id -> token."""
    build_city(engine, [OfficerSpec(i, LON, LAT, mode="car", fix_age_s=None) for i in range(1, n + 1)])
    admin = Actor("admin", Role.ADMINISTRATOR, "test")
    return {i: add_device(engine, f"dev-{i}", str(i), actor=admin) for i in range(1, n + 1)}


@contextmanager
def running(engine: Engine, **options: object) -> Iterator[IngestService]:
    opts = {"port": 0, "tick_s": 0.01, "device_refresh_s": 0.0, **options}
    service = IngestService(engine, IngestOptions(**opts)).start_in_thread()  # type: ignore[arg-type]
    try:
        yield service
    finally:
        service.stop()


@contextmanager
def unlimited_server(folder: Path) -> Iterator[tuple[IngestService, dict[int, str]]]:
    """A fresh SQLite store in `folder` with registered devices, served with no rate limit (fuzzing
    sends far more than a phone would): (service, tokens by officer)."""
    from commandmap.store.migrate import open_store

    engine = open_store(f"sqlite:///{folder / 's.sqlite3'}")
    tokens = city_with_devices(engine)
    try:
        with running(engine, rate_per_s=1e6, burst=1e6) as svc:
            yield svc, tokens
    finally:
        engine.dispose()


class Client:
    """Keep-alive HTTP/1.1, as the phone app sends."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)

    def send(self, method: str = "GET", path: str = "/", params: dict[str, object] | None = None,
             body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
        url = path + ("?" + urlencode(params) if params else "")
        self.conn.request(method, url, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")

    def osmand(self, token: str, **params: object) -> int:
        return self.send("POST", f"/{token}", params)[0]

    def json(self, token: str | None, doc: object, content_type: str = "application/json") -> int:
        headers = {"Content-Type": content_type}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.send("POST", "/", body=json.dumps(doc).encode(), headers=headers)[0]

    def close(self) -> None:
        self.conn.close()
