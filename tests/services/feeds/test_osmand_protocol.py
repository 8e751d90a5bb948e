"""OsmAnd / Traccar Client protocol conformance: each form a real client sends, with the stored units."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from commandmap.services.feeds.osmand import KNOT_MPS, FeedError, parse_json, parse_params, parse_time

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 3, 8, 0, tzinfo=UTC).timestamp()


def test_query_form_with_every_field_in_normalised_units() -> None:
    r = parse_params({"id": "dev-1", "timestamp": str(int(T0)), "lat": "29.87", "lon": "121.55", "speed": "10",
                      "bearing": "90.5", "altitude": "12.5", "accuracy": "8", "hdop": "0.9", "batt": "77",
                      "charge": "true", "valid": "true", "alarm": "sos", "cell": "460,0,1,2", "wifi": "aa-bb"}, SH)
    assert (r.device_id, r.time_s, r.lat, r.lon) == ("dev-1", T0, 29.87, 121.55)
    assert r.speed_mps == pytest.approx(10 * 0.514444, rel=1e-5)        # knots in, m/s stored
    assert (r.heading_deg, r.accuracy_m, r.battery_pct, r.charging, r.mock) == (90.5, 8.0, 77.0, True, False)
    assert r.attributes == {"altitude_m": 12.5, "hdop": 0.9, "alarm": "sos", "cell": "460,0,1,2", "wifi": "aa-bb",
                            "battery_pct": 77.0, "charging": True}


def test_deviceid_location_and_heading_spellings() -> None:
    r = parse_params({"deviceid": "7", "location": "29.5,121.25", "heading": "270"}, SH)
    assert (r.device_id, r.lat, r.lon, r.heading_deg, r.time_s) == ("7", 29.5, 121.25, 270.0, None)


@pytest.mark.parametrize("text, expected", [
    ("1764748800", 1764748800.0),                      # seconds
    ("1764748800123", 1764748800.123),                 # milliseconds (>= 2^31-1)
    ("2147483646", 2147483646.0),                      # the last second-valued number
    ("2025-12-03T08:00:00Z", datetime(2025, 12, 3, 8, tzinfo=UTC).timestamp()),
    ("2025-12-03T16:00:00+08:00", datetime(2025, 12, 3, 8, tzinfo=UTC).timestamp()),
    ("2025-12-03T16:00:00 08:00", datetime(2025, 12, 3, 8, tzinfo=UTC).timestamp()),   # '+' decoded as space
    ("2025-12-03 16:00:00", datetime(2025, 12, 3, 8, tzinfo=UTC).timestamp()),          # Asia/Shanghai
])
def test_timestamp_forms(text: str, expected: float) -> None:
    assert parse_time(text, SH) == pytest.approx(expected)


def test_local_time_follows_the_configured_zone() -> None:
    assert parse_time("2025-12-03 08:00:00", ZoneInfo("UTC")) == datetime(2025, 12, 3, 8, tzinfo=UTC).timestamp()


def test_no_coordinates_keeps_last_location_marked_outdated() -> None:
    r = parse_params({"id": "d", "batt": "40"}, SH)
    assert not r.located and r.attributes["outdated"] is True and r.battery_pct == 40.0


def test_invalid_fix_never_carries_a_location() -> None:
    r = parse_params({"id": "d", "lat": "29.8", "lon": "121.5", "valid": "false"}, SH)
    assert not r.located and r.attributes["invalid_fix"] is True


def test_mock_is_flagged() -> None:
    assert parse_params({"id": "d", "lat": "1", "lon": "2", "mock": "true"}, SH).mock


@pytest.mark.parametrize("params, names", [
    ({}, "id"), ({"id": ""}, "id"), ({"id": "d", "lat": "x", "lon": "1"}, "lat"),
    ({"id": "d", "lat": "nan", "lon": "1"}, "lat"), ({"id": "d", "lat": "1"}, "lat/lon"),
    ({"id": "d", "timestamp": "yesterday"}, "timestamp"), ({"id": "d", "speed": "fast"}, "speed"),
    ({"id": "d", "batt": "140"}, "batt"), ({"id": "d", "charge": "maybe"}, "charge"),
    ({"id": "d", "location": "1;2"}, "location"), ({"id": "a b"}, "device id"),
])
def test_malformed_query_values_are_400_naming_the_field(params: dict[str, str], names: str) -> None:
    with pytest.raises(FeedError) as err:
        parse_params(params, SH)
    assert err.value.status == 400 and err.value.reason.startswith(names)


def traccar_json(**over: object) -> bytes:
    doc: dict[str, object] = {
        "device_id": "dev-9",
        "location": {"timestamp": "2025-12-03T08:00:00.000Z",
                     "coords": {"latitude": 29.87, "longitude": 121.55, "accuracy": 5.5, "speed": 3.2,
                                "heading": 45.0, "altitude": 20.0},
                     "is_moving": True, "odometer": 1234.5, "event": "motionchange",
                     "battery": {"level": 0.85, "is_charging": False}, "activity": {"type": "walking"},
                     "extras": {"shift": "B"}}}
    doc.update(over)
    return json.dumps(doc).encode()


def test_json_body_in_normalised_units() -> None:
    r = parse_json(traccar_json(), SH)
    assert (r.device_id, r.time_s, r.lat, r.lon) == ("dev-9", datetime(2025, 12, 3, 8, tzinfo=UTC).timestamp(),
                                                      29.87, 121.55)
    assert (r.speed_mps, r.heading_deg, r.accuracy_m, r.battery_pct, r.charging) == (3.2, 45.0, 5.5, 85.0, False)
    assert r.attributes == {"altitude_m": 20.0, "is_moving": True, "event": "motionchange", "odometer_m": 1234.5,
                            "activity": "walking", "extras": {"shift": "B"}, "battery_pct": 85.0, "charging": False}


def test_json_negative_speed_heading_and_battery_are_unknown() -> None:
    body = traccar_json(location={"timestamp": "2025-12-03T08:00:00Z",
                                  "coords": {"latitude": 1.0, "longitude": 2.0, "speed": -1, "heading": -1},
                                  "battery": {"level": -1, "is_charging": True}, "mock": True})
    r = parse_json(body, SH)
    assert (r.speed_mps, r.heading_deg, r.battery_pct, r.charging, r.mock) == (None, None, None, True, True)


def test_json_without_coords_is_outdated() -> None:
    r = parse_json(traccar_json(location={"timestamp": "2025-12-03T08:00:00Z"}), SH)
    assert not r.located and r.attributes["outdated"] is True


@pytest.mark.parametrize("body, field", [
    (b"{not json", "body"), (b"[1]", "body"), (json.dumps({"location": {}}).encode(), "device_id"),
    (traccar_json(location=[1, 2]), "location"), (traccar_json(location={"timestamp": 5}), "location.timestamp"),
    (traccar_json(location={"coords": {"latitude": "29", "longitude": 1}}), "coords.latitude"),
    (traccar_json(location={"coords": {"latitude": 29}}), "coords"),
    (traccar_json(location={"battery": {"level": 3}}), "battery.level"),
    (b'{"device_id": "d", "location": {"coords": {"latitude": NaN, "longitude": 1}}}', "coords.latitude"),
])
def test_malformed_json_is_400_naming_the_field(body: bytes, field: str) -> None:
    with pytest.raises(FeedError) as err:
        parse_json(body, SH)
    assert err.value.status == 400 and err.value.reason.startswith(field)
