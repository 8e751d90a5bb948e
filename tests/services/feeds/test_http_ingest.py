"""The HTTP endpoint end to end: real requests into a real store, tokens, status codes, stored units."""

from __future__ import annotations

import json
import logging
import time

import pytest
from sqlalchemy import select

from commandmap.domain.access import Actor, Role
from commandmap.services.board import Board
from commandmap.services.clock import to_epoch
from commandmap.services.devices import revoke_device
from commandmap.store import schema
from tests.services.feeds.server_kit import LAT, LON, Client, city_with_devices, running

KNOT = 1852.0 / 3600.0


@pytest.fixture
def city(store_engine):
    return store_engine, city_with_devices(store_engine)


def fixes(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(select(schema.position_fix).order_by(schema.position_fix.c.received_at,
                                                                  schema.position_fix.c.fix_time)).all()


def where(engine, officer_id: int):
    with engine.connect() as conn:
        return conn.execute(select(schema.officer_position)
                            .where(schema.officer_position.c.officer_id == officer_id)).first()


def test_query_fix_is_stored_with_units_and_moves_its_officer(city) -> None:
    engine, tokens = city
    now = int(time.time())
    with running(engine) as svc:
        c = Client(svc.port)
        assert c.osmand(tokens[1], id="dev-1", timestamp=now, lat=LAT + 0.001, lon=LON, speed=20, bearing=90,
                        altitude=15, accuracy=6, batt=64, charge="true", alarm="sos") == 200
        c.close()
    [row] = fixes(engine)
    assert (row.officer_id, to_epoch(row.fix_time), row.verdict, row.source) == (1, now, "good", "osmand")
    assert row.speed_mps == pytest.approx(20 * KNOT) and (row.heading_deg, row.accuracy_m) == (90.0, 6.0)
    assert row.attributes["altitude_m"] == 15.0 and row.attributes["alarm"] == "sos"
    assert row.attributes["battery_pct"] == 64.0 and row.attributes["device_id"] == "dev-1"
    assert (where(engine, 1).lat, where(engine, 1).lon) == (pytest.approx(LAT + 0.001), pytest.approx(LON))
    with engine.connect() as conn:
        dev = conn.execute(select(schema.device).where(schema.device.c.device_id == "dev-1")).one()
    assert (dev.battery_pct, dev.charging, dev.mock_at) == (64.0, True, None)


def test_form_body_only_when_the_query_is_empty_and_json_body(city) -> None:
    engine, tokens = city
    now = int(time.time())
    with running(engine) as svc:
        c = Client(svc.port)
        form = f"id=dev-2&timestamp={now}&lat={LAT}&lon={LON}".encode()
        assert c.send("POST", f"/{tokens[2]}", body=form,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 200
        doc = {"device_id": "dev-3", "location": {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "coords": {"latitude": LAT, "longitude": LON + 0.001, "speed": 2.5, "heading": -1},
            "battery": {"level": 0.5, "is_charging": False}, "mock": True}}
        assert c.json(tokens[3], doc, "application/json; charset=utf-8") == 200
        c.close()
    rows = {r.officer_id: r for r in fixes(engine)}
    assert set(rows) == {2, 3}
    assert rows[3].speed_mps == 2.5 and rows[3].heading_deg is None and rows[3].attributes["mock"] is True
    with engine.connect() as conn:
        dev = conn.execute(select(schema.device).where(schema.device.c.device_id == "dev-3")).one()
    assert dev.battery_pct == 50.0 and dev.mock_at is not None       # the commander sees a mock location
    info = Board(engine).officer_directory()
    assert (info[3].battery_pct, info[3].charging, info[3].device_id) == (50.0, False, "dev-3")
    assert info[3].mock_at_s is not None and info[2].mock_at_s is None and info[2].battery_pct is None


def test_status_codes(city, caplog) -> None:
    engine, tokens = city
    caplog.set_level(logging.INFO)
    with running(engine) as svc:
        c = Client(svc.port)
        assert c.osmand(tokens[1], lat=LAT, lon=LON) == 400                       # no id
        assert c.osmand(tokens[1], id="dev-1", lat="north", lon=LON) == 400       # malformed
        assert c.json(tokens[1], {"device_id": "nobody", "location": {}}) == 404  # unknown device, JSON path
        assert c.osmand(tokens[1], id="nobody", lat=LAT, lon=LON) == 401          # unknown device, query path
        assert c.send("POST", "/", {"id": "dev-1", "lat": LAT, "lon": LON})[0] == 401   # no token at all
        c.close()
    assert fixes(engine) == []
    assert "lat: 'north' is not valid" in caplog.text
    assert all(t not in caplog.text for t in tokens.values())                   # tokens never logged


def test_wrong_revoked_and_another_devices_token_get_the_same_401(city) -> None:
    engine, tokens = city
    now = int(time.time())
    with running(engine) as svc:
        c = Client(svc.port)
        answers = {c.send("POST", f"/{tokens[2]}", {"id": "dev-1", "lat": LAT, "lon": LON, "timestamp": now}),
                   c.send("POST", "/x" + tokens[1][1:], {"id": "dev-1", "lat": LAT, "lon": LON, "timestamp": now}),
                   c.send("POST", "/", {"id": "dev-1", "lat": LAT, "lon": LON, "timestamp": now},
                          headers={"Authorization": f"Bearer {tokens[3]}"})}
        assert answers == {(401, "device not authorised")}
        assert c.osmand(tokens[1], id="dev-1", lat=LAT, lon=LON, timestamp=now) == 200
        revoke_device(engine, "dev-1", actor=Actor("admin", Role.ADMINISTRATOR))
        assert c.osmand(tokens[1], id="dev-1", lat=LAT, lon=LON, timestamp=now + 5) == 401
        c.close()
    assert [(r.officer_id, to_epoch(r.fix_time)) for r in fixes(engine)] == [(1, now)]


def test_spoofed_fixes_cannot_move_another_officer(city) -> None:
    """Two consistent fixes with officer 2's token but officer 1's id: officer 1 stays put."""
    engine, tokens = city
    now = int(time.time())
    with running(engine) as svc:
        c = Client(svc.port)
        assert c.osmand(tokens[1], id="dev-1", lat=LAT, lon=LON, timestamp=now - 10) == 200
        for k in range(2):
            assert c.osmand(tokens[2], id="dev-1", lat=LAT + 0.01, lon=LON, timestamp=now + k) == 401
        c.close()
    assert where(engine, 1).lat == pytest.approx(LAT)


def test_resent_and_out_of_order_fixes(city) -> None:
    engine, tokens = city
    now = int(time.time())
    with running(engine) as svc:
        c = Client(svc.port)
        for _ in range(3):      # the client resends until acknowledged
            assert c.osmand(tokens[1], id="dev-1", lat=LAT + 0.002, lon=LON, timestamp=now) == 200
        assert c.osmand(tokens[1], id="dev-1", lat=LAT - 0.002, lon=LON, timestamp=now - 30) == 200
        assert c.osmand(tokens[1], id="dev-1", batt=12) == 200        # no coordinates: last location kept
        c.close()
    assert [(to_epoch(r.fix_time), r.verdict) for r in fixes(engine)] == [(now, "good"), (now - 30, "out_of_order")]
    pos = where(engine, 1)
    assert (pos.lat, to_epoch(pos.fix_time)) == (pytest.approx(LAT + 0.002), now)


def test_rate_limit_per_device(city) -> None:
    engine, tokens = city
    now = int(time.time())
    with running(engine, rate_per_s=0.001, burst=3) as svc:
        c = Client(svc.port)
        codes = [c.osmand(tokens[1], id="dev-1", lat=LAT, lon=LON, timestamp=now + k) for k in range(5)]
        assert codes == [200, 200, 200, 429, 429]
        assert c.osmand(tokens[2], id="dev-2", lat=LAT, lon=LON, timestamp=now) == 200   # others unaffected
        c.close()


def test_logged_reasons_do_not_echo_path_tokens(city, caplog) -> None:
    engine, tokens = city
    caplog.set_level(logging.DEBUG)
    with running(engine) as svc:
        c = Client(svc.port)
        assert c.send("GET", f"/{tokens[1]}", {"id": "dev-1", "lat": "x", "lon": 1})[0] == 400
        assert c.send("GET", f"/{tokens[1]}", {"id": "dev-2", "lat": LAT, "lon": LON})[0] == 401
        c.close()
    assert tokens[1] not in caplog.text and "device dev-2" in caplog.text
    assert json.dumps(tokens[1]) not in caplog.text
