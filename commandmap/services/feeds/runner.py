"""Run the ingest endpoints: in the foreground (`commandmap ingest`) or on a background thread (tests,
benchmarks). Binds to loopback unless told otherwise: put TLS in front with a reverse proxy."""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass

from sqlalchemy import Engine

from ..devices import DeviceDirectory
from ..ingest import FixIngestor
from .front import HttpFront
from .http import OsmAndServer
from .mobile_page import MobilePages
from .mqtt import MqttFeed
from .osmand import DEFAULT_ZONE
from .ticks import RateLimiter, TickWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestOptions:
    host: str = "127.0.0.1"
    port: int = 5055
    zone: str = DEFAULT_ZONE
    tick_s: float = 0.05
    max_batch: int = 5000
    rate_per_s: float = 5.0
    burst: float = 60.0
    device_refresh_s: float = 5.0
    mqtt_url: str | None = None
    mqtt_topic: str = "commandmap/positions/#"
    pages: bool = True           # the officers' task pages under /m/<token>
    reuse_port: bool = False     # several processes on one port (SO_REUSEPORT; the kernel spreads connections)


class IngestService:
    """The HTTP endpoint (and optionally the MQTT subscriber) on one event loop."""

    def __init__(self, engine: Engine, options: IngestOptions = IngestOptions(),
                 ingestor: FixIngestor | None = None) -> None:
        self.engine = engine
        self.options = options
        self.ingestor = ingestor or FixIngestor(engine)
        self.directory = DeviceDirectory(engine, refresh_s=options.device_refresh_s)
        self.directory.reload()
        self.writer = TickWriter(self.ingestor, source="osmand", tick_s=options.tick_s, max_batch=options.max_batch)
        self.pages = MobilePages(engine, self.directory) if options.pages else None
        self.http = OsmAndServer(self.writer, self.directory, zone=options.zone,
                                 limiter=RateLimiter(options.rate_per_s, options.burst), pages=self.pages)
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.mqtt: MqttFeed | None = None
        self.front: HttpFront | None = None

    async def serve(self) -> None:
        """Serve until `stop()` (or cancellation)."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.writer.start()
        fallback = self.http.server()           # aiohttp: the pages, and requests the front hands over
        self.front = HttpFront(self.http, fallback)
        try:
            self.port = await self.front.start(self.options.host, self.options.port, backlog=1024,
                                               reuse_port=self.options.reuse_port)
            if self.options.mqtt_url:
                self.mqtt = MqttFeed(self.ingestor, self.directory, self.options.mqtt_url, self.options.mqtt_topic,
                                     zone=self.options.zone, tick_s=self.options.tick_s, executor=self.writer.executor)
                await self.mqtt.start()
            log.info("ingest listening on http://%s:%s/", self.options.host, self.port)
            self._ready.set()
            await self._stop.wait()
        finally:
            if self.mqtt is not None:
                await self.mqtt.stop()
            if self.pages is not None:
                self.pages.close()
            await self.front.close()
            fallback.pre_shutdown()
            await fallback.shutdown(5.0)
            await self.writer.stop()

    # -- on a background thread -------------------------------------------------------------------
    def start_in_thread(self, timeout_s: float = 30.0) -> IngestService:
        def run() -> None:
            try:
                asyncio.run(self.serve())
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                self._error = exc
                self._ready.set()

        self._thread = threading.Thread(target=run, name="ingest-service", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise TimeoutError("ingest service did not start")
        if self._error is not None:
            raise self._error
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.writer.executor.shutdown(wait=True)
        if self.pages is not None:
            self.pages.shutdown()
