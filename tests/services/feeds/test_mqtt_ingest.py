"""The MQTT feed against the Mosquitto on this machine: same parser, tokens and validator as HTTP."""

from __future__ import annotations

import itertools
import json
import logging
import socket
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from commandmap.store import schema
from tests.services.feeds.server_kit import LAT, LON, city_with_devices, running
from tests.waiting import wait_until

BROKER = ("127.0.0.1", 1883)
T0 = time.time() - 300
_SECOND = itertools.count()


def _broker_up() -> bool:
    try:
        socket.create_connection(BROKER, timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _broker_up(), reason="no MQTT broker (Mosquitto) on 127.0.0.1:1883")


class Publisher:
    def __init__(self) -> None:
        import paho.mqtt.client as mqtt
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self.client.connect(*BROKER)
        self.client.loop_start()

    def send(self, topic: str, payload: bytes | str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def message(device: str, token: str | None, lat: float, t: float, **extra: object) -> str:
    doc = {"device_id": device, "location": {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
                                             "coords": {"latitude": lat, "longitude": LON, "speed": 1.5},
                                             "battery": {"level": 0.3, "is_charging": True}}, **extra}
    if token is not None:
        doc["token"] = token
    return json.dumps(doc)


def count_fixes(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.position_fix)).scalar_one())


@pytest.fixture
def feed(sqlite_engine):
    from commandmap.store.migrate import ensure_schema
    ensure_schema(sqlite_engine)
    tokens = city_with_devices(sqlite_engine)
    prefix = f"cmtest/{uuid.uuid4().hex[:8]}"
    with running(sqlite_engine, mqtt_url="mqtt://127.0.0.1:1883", mqtt_topic=f"{prefix}/+",
                 rate_per_s=1e6, burst=1e6) as svc:
        pub = Publisher()
        yield sqlite_engine, tokens, prefix, pub, svc
        pub.close()


def test_json_messages_are_stored_and_bad_ones_refused_with_a_reason(feed, caplog) -> None:
    engine, tokens, prefix, pub, svc = feed
    caplog.set_level(logging.INFO)
    now = time.time()
    pub.send(f"{prefix}/dev-1", message("dev-1", tokens[1], LAT + 0.001, now))
    pub.send(f"{prefix}/dev-1", message("dev-1", tokens[1], LAT + 0.001, now))        # resent: duplicate
    pub.send(f"{prefix}/dev-1", message("dev-1", tokens[2], LAT + 0.005, now + 1))    # another device's token
    pub.send(f"{prefix}/dev-2", message("dev-1", tokens[1], LAT + 0.005, now + 1))    # topic mismatch
    pub.send(f"{prefix}/dev-9", message("dev-9", tokens[1], LAT, now))                # unknown device
    pub.send(f"{prefix}/dev-2", b"{broken")
    wait_until(lambda: svc.mqtt.stored == 2 and sum(svc.mqtt.refused.values()) == 4, timeout_s=20)
    with engine.connect() as conn:
        rows = conn.execute(select(schema.position_fix)).all()
        dev = conn.execute(select(schema.device).where(schema.device.c.device_id == "dev-1")).one()
    assert [(r.officer_id, r.source, r.verdict, r.speed_mps) for r in rows] == [(1, "mqtt", "good", 1.5)]
    assert (dev.battery_pct, dev.charging) == (30.0, True)
    assert svc.mqtt.refused == {401: 1, 400: 2, 404: 1}
    assert "device not authorised" in caplog.text and "body: not valid JSON" in caplog.text
    assert tokens[2] not in caplog.text and tokens[1] not in caplog.text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.one_of(st.binary(max_size=80), st.text(max_size=80).map(str.encode),
                         st.dictionaries(st.sampled_from(["device_id", "location", "token", "coords"]),
                                         st.one_of(st.none(), st.integers(), st.text(max_size=5)),
                                         max_size=4).map(lambda d: json.dumps(d).encode())))
def test_no_payload_crashes_the_subscriber(feed, payload: bytes) -> None:
    engine, tokens, prefix, pub, svc = feed
    before = sum(svc.mqtt.refused.values()) + svc.mqtt.stored
    pub.send(f"{prefix}/dev-3", payload)
    wait_until(lambda: sum(svc.mqtt.refused.values()) + svc.mqtt.stored >= before + 1, timeout_s=20)
    stored = svc.mqtt.stored
    pub.send(f"{prefix}/dev-3", message("dev-3", tokens[3], LAT, T0 + next(_SECOND)))   # a new second each time
    wait_until(lambda: svc.mqtt.stored == stored + 1, timeout_s=20)   # still serving
    assert count_fixes(engine) == stored + 1
