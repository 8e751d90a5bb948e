"""The MQTT feed (paho-mqtt): JSON position messages through the same parser, tokens and validator.

Topic `<prefix>/<device_id>`; payload the Traccar Client JSON body plus the
device's `token` (a broker's own ACLs are welcome on top, but the store
decides which phone moves which officer). QoS 1 messages are acknowledged
only after their fix is committed (manual acks), so a crash in between makes
the broker deliver them again; the store treats the repeat as a duplicate. A
refused message is acknowledged too (redelivering it would not change the
answer) and logged with the status the HTTP endpoint would give and why.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from ..devices import DeviceDirectory
from ..ingest import FixIngestor
from .osmand import FeedError, parse_json
from .ticks import RateLimiter, TickWriter

log = logging.getLogger(__name__)


def broker_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp") or not parts.hostname:
        raise ValueError(f"MQTT URL {url!r} must look like mqtt://HOST:PORT")
    return parts.hostname, parts.port or 1883


class MqttFeed:
    """One subscription feeding one TickWriter (source 'mqtt') on the caller's event loop."""

    def __init__(self, ingestor: FixIngestor, directory: DeviceDirectory, url: str, topic: str, *,
                 zone: str, tick_s: float = 0.05, executor: ThreadPoolExecutor | None = None,
                 limiter: RateLimiter | None = None, client_id: str = "") -> None:
        self.host, self.port = broker_address(url)
        self.topic = topic
        self.directory = directory
        self.zone = ZoneInfo(zone)
        self.limiter = limiter or RateLimiter()
        self.writer = TickWriter(ingestor, source="mqtt", tick_s=tick_s, executor=executor)
        self.client_id = client_id
        self.refused: dict[int, int] = {}
        self.stored = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client: Any = None
        self._subscribed = asyncio.Event()

    async def start(self, timeout_s: float = 10.0) -> None:
        import paho.mqtt.client as mqtt

        self._loop = asyncio.get_running_loop()
        self.writer.start()
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, manual_ack=True)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        client.connect(self.host, self.port, keepalive=30)
        client.loop_start()
        self._client = client
        await asyncio.wait_for(self._subscribed.wait(), timeout_s)
        log.info("MQTT: subscribed to %s on %s:%s", self.topic, self.host, self.port)

    async def stop(self) -> None:
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        await self.writer.stop()

    # -- paho's thread ----------------------------------------------------------------------------
    def _on_connect(self, client: Any, _userdata: Any, _flags: Any, reason: Any, _props: Any = None) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT: connection refused: %s", reason)
            return
        client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, *_args: Any) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._subscribed.set)

    def _refuse(self, status: int, topic: str, reason: str, msg: Any) -> None:
        self.refused[status] = self.refused.get(status, 0) + 1
        log.warning("MQTT %s on %s: %s", status, topic[:80], reason)
        self._ack(msg)

    def _ack(self, msg: Any) -> None:
        if msg.qos > 0 and self._client is not None:
            self._client.ack(msg.mid, msg.qos)

    def _on_message(self, _client: Any, _userdata: Any, msg: Any) -> None:
        topic = msg.topic if isinstance(msg.topic, str) else str(msg.topic)
        try:
            report = parse_json(msg.payload, self.zone)
            doc = json.loads(msg.payload)
        except FeedError as exc:
            self._refuse(exc.status, topic, exc.reason, msg)
            return
        topic_device = topic.rsplit("/", 1)[-1]
        if topic_device != report.device_id:
            self._refuse(400, topic, f"device_id {report.device_id!r} does not match the topic", msg)
            return
        if not self.directory.knows(report.device_id):
            self._refuse(404, topic, "unknown device", msg)
            return
        token = doc.get("token") if isinstance(doc.get("token"), str) else None
        grant = self.directory.check(report.device_id, token)
        if grant is None:
            self._refuse(401, topic, "device not authorised", msg)
            return
        if not self.limiter.allow(grant.device_id, time.monotonic()):
            self._refuse(429, topic, "too many reports from this device", msg)
            return
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self._store(grant, report, msg), self._loop)

    async def _store(self, grant: Any, report: Any, msg: Any) -> None:
        try:
            await self.writer.submit(grant, report)
        except Exception as exc:  # noqa: BLE001 - not acknowledged: the broker delivers it again
            log.error("MQTT: fix of %s not stored (%s); left unacknowledged", grant.device_id, type(exc).__name__)
            return
        self.stored += 1
        self._ack(msg)
