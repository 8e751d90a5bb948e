"""The OsmAnd / Traccar Client protocol: one request's parameters or JSON body to one `Report`.

Pure (no I/O): the server hands in what arrived and gets back a `Report` with
every unit normalised at the boundary (m/s, metres, degrees, percent, epoch
seconds) or a `FeedError` carrying the HTTP status and one line naming the
problem. Anything a client sends that has no column is kept as an attribute.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

KNOT_MPS = 1852.0 / 3600.0
#: integer timestamps below this are seconds, from it on milliseconds (as Traccar decides)
SECONDS_LIMIT = 2_147_483_647
DEFAULT_ZONE = "Asia/Shanghai"
MAX_ATTRIBUTES = 40
MAX_VALUE_CHARS = 512
MAX_DEVICE_ID_CHARS = 64
_TIME_KEYS = ("timestamp",)
_CORE_KEYS = frozenset({"id", "deviceid", "timestamp", "lat", "lon", "location", "speed", "bearing", "heading",
                        "altitude", "accuracy", "batt", "charge", "valid", "mock", "hdop"})
# '+' in an unencoded query string arrives as a space: "…T08:00:00 08:00" means +08:00
_SPACE_OFFSET = re.compile(r"^(.*\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
_NUMERIC = re.compile(r"\d+(\.\d+)?")


class FeedError(ValueError):
    """A request the server refuses: `status` is the HTTP answer, the message names why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(slots=True)
class Report:
    """One position report, units normalised; None = not reported."""

    device_id: str
    time_s: float | None = None          # epoch seconds; None = use the time received
    lat: float | None = None
    lon: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    accuracy_m: float | None = None
    battery_pct: float | None = None
    charging: bool | None = None
    mock: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def _bad(what: str, value: object) -> FeedError:
    shown = str(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return FeedError(400, f"{what}: {shown!r} is not valid")


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise _bad(name, text) from None
    if not math.isfinite(value):
        raise _bad(name, text)
    return value


def _flag(name: str, text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise _bad(name, text)


def parse_time(text: str, zone: ZoneInfo) -> float:
    """Epoch seconds from a numeric (seconds below 2^31-1, else milliseconds), ISO-8601 (Z or offset) or
    'yyyy-MM-dd HH:mm:ss' (in `zone`) timestamp."""
    raw = text.strip()
    if (raw.isascii() and raw.isdigit()) or _NUMERIC.fullmatch(raw):
        value = float(raw)
        seconds = value if value < SECONDS_LIMIT else value / 1000.0
        if not math.isfinite(seconds) or seconds >= 253_402_300_800:   # year 10000
            raise _bad("timestamp", text)
        return seconds
    m = _SPACE_OFFSET.match(raw)
    if m and "T" in raw:
        raw = f"{m.group(1)}+{m.group(2)}"
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad("timestamp", text) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    return at.timestamp()


def _device_id(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _bad("device id", value)
    ident = str(value).strip()
    if not ident or len(ident) > MAX_DEVICE_ID_CHARS or not ident.isprintable() or " " in ident:
        raise _bad("device id", value)
    return ident


def _attribute(value: str) -> str:
    return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS]


def parse_params(params: Mapping[str, str], zone: ZoneInfo, now_s: float | None = None) -> Report:
    """A query string's or form body's parameters (first value of each key) as a Report."""
    del now_s
    if len(params) > MAX_ATTRIBUTES + len(_CORE_KEYS):
        raise FeedError(400, f"too many parameters ({len(params)})")
    get = params.get
    ident = get("id") or get("deviceid")
    if ident is None or not ident.strip():
        raise FeedError(400, "id: missing (send id or deviceid)")
    device_id = _device_id(ident)
    attrs: dict[str, Any] = {}
    stamp = get("timestamp")
    time_s = parse_time(stamp, zone) if stamp else None
    lat = lon = None
    if "lat" in params or "lon" in params:
        if "lat" not in params or "lon" not in params:
            raise FeedError(400, "lat/lon: both are needed")
        lat, lon = _number("lat", params["lat"]), _number("lon", params["lon"])
    elif get("location"):
        parts = params["location"].split(",")
        if len(parts) != 2:
            raise _bad("location", params["location"])
        lat, lon = _number("location", parts[0]), _number("location", parts[1])
    text = get("speed")
    speed = _number("speed", text) * KNOT_MPS if text else None
    heading_text = get("bearing") or get("heading")
    heading = _number("bearing", heading_text) if heading_text else None
    text = get("accuracy")
    accuracy = _number("accuracy", text) if text else None
    if get("altitude"):
        attrs["altitude_m"] = _number("altitude", params["altitude"])
    if get("hdop"):
        attrs["hdop"] = _number("hdop", params["hdop"])
    text = get("batt")
    battery = _number("batt", text) if text else None
    if battery is not None and not 0.0 <= battery <= 100.0:
        raise _bad("batt", params["batt"])
    charging = _flag("charge", params["charge"]) if get("charge") else None
    mock = _flag("mock", params["mock"]) if get("mock") else False
    if get("valid") and not _flag("valid", params["valid"]):
        attrs["invalid_fix"] = True       # the phone says its fix is not valid: never moves the officer
        lat = lon = None
    if not _CORE_KEYS.issuperset(params):
        for key, value in params.items():
            if key not in _CORE_KEYS:
                attrs[key[:64]] = _attribute(value)
    return _finish(Report(device_id, time_s, lat, lon, speed, heading, accuracy, battery, charging, mock, attrs))


_NUM = rb"-?\d+(?:\.\d+)?"
_FLAG = rb"true|false"
#: the Traccar Client's own query (its keys in its order, plain numbers, no escapes): what nearly every
#: request is. Each key at most once and in one order, so "the first value of each key" is the only one.
#: Unbounded repeats match faster than bounded ones: the lengths are checked after the match.
_TRACCAR_QUERY = re.compile(
    rb"id=([A-Za-z0-9_.:~-]+)"
    rb"(?:&timestamp=(\d+))?"
    rb"&lat=(" + _NUM + rb")&lon=(" + _NUM + rb")"
    rb"(?:&speed=(" + _NUM + rb"))?"
    rb"(?:&bearing=(" + _NUM + rb"))?"
    rb"(?:&altitude=(" + _NUM + rb"))?"
    rb"(?:&accuracy=(" + _NUM + rb"))?"
    rb"(?:&batt=(" + _NUM + rb"))?"
    rb"(?:&charge=(" + _FLAG + rb"))?"
    rb"(?:&mock=(" + _FLAG + rb"))?")


def parse_traccar_query(query: bytes) -> Report | None:
    """The common case of `parse_params`, straight from the raw query bytes: the Report `parse_params` makes
    of the query's first values, or None for anything outside the Traccar Client's plain shape (other keys
    or order, escapes, repeated keys, a value the general parser would refuse or read differently), which
    then goes the general way. Why: the general way (split, unquote, a dict, a lookup per key) was the
    largest piece of a request's Python; this is a fifth of it. Equality with the general parser,
    attributes' order included, is a property test (test_osmand_fast_path)."""
    m = _TRACCAR_QUERY.fullmatch(query)
    if m is None:
        return None
    ident, stamp, lat_b, lon_b, speed_b, bearing_b, altitude_b, accuracy_b, batt_b, charge, mock_b = m.groups()
    if len(ident) > MAX_DEVICE_ID_CHARS:
        return None
    lat, lon = float(lat_b), float(lon_b)
    speed = None if speed_b is None else float(speed_b) * KNOT_MPS
    heading = None if bearing_b is None else float(bearing_b)
    accuracy = None if accuracy_b is None else float(accuracy_b)
    altitude = None if altitude_b is None else float(altitude_b)
    battery = None if batt_b is None else float(batt_b)
    # one sum: finite only when every term is (a term past 1e308 is the general parser's to judge)
    if not math.isfinite(lat + lon + (speed or 0.0) + (heading or 0.0) + (accuracy or 0.0) + (altitude or 0.0)):
        return None
    time_s = None
    if stamp is not None:
        if len(stamp) > 13:               # up to 13 digits: never past the year 10000
            return None
        time_s = float(stamp)
        if time_s >= SECONDS_LIMIT:
            time_s /= 1000.0
    # the attributes `parse_params` and `_finish` write, in their order (located: never "outdated")
    attrs: dict[str, Any] = {} if altitude is None else {"altitude_m": altitude}
    if battery is not None:
        if not 0.0 <= battery <= 100.0:
            return None                   # the general parser's 400
        attrs["battery_pct"] = battery
    charging = None
    if charge is not None:
        attrs["charging"] = charging = charge == b"true"
    mock = mock_b == b"true"
    if mock:
        attrs["mock"] = True
    return Report(ident.decode("ascii"), time_s, lat, lon, speed, heading, accuracy, battery, charging, mock, attrs)


def _finish(report: Report) -> Report:
    """Attributes that echo the columns, so a stored fix shows what the phone said about itself."""
    attrs = report.attributes
    if report.battery_pct is not None:
        attrs["battery_pct"] = report.battery_pct
    if report.charging is not None:
        attrs["charging"] = report.charging
    if report.mock:
        attrs["mock"] = True
    if not report.located:
        attrs["outdated"] = True          # no coordinates: the officer keeps the last known location
    return report


def _json_number(name: str, value: object, *, optional: bool = True) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise _bad(name, value)
    return float(value)


def _json_flag(name: str, value: object) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _bad(name, value)
    return value


def parse_json(body: bytes | str, zone: ZoneInfo) -> Report:
    """The Traccar Client's JSON body (device_id, location{timestamp, coords, battery, ...})."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise FeedError(400, "body: not valid JSON") from None
    if not isinstance(doc, dict):
        raise FeedError(400, "body: a JSON object is expected")
    if doc.get("device_id") is None:
        raise FeedError(400, "device_id: missing")
    device_id = _device_id(doc["device_id"])
    loc = doc.get("location")
    if not isinstance(loc, dict):
        raise FeedError(400, "location: missing or not an object (one position per request)")
    attrs: dict[str, Any] = {}
    stamp = loc.get("timestamp")
    if stamp is not None and not isinstance(stamp, str):
        raise _bad("location.timestamp", stamp)
    time_s = parse_time(stamp, zone) if stamp else None
    coords = loc.get("coords")
    lat = lon = speed = heading = accuracy = None
    if coords is not None:
        if not isinstance(coords, dict):
            raise _bad("location.coords", coords)
        lat = _json_number("coords.latitude", coords.get("latitude"))
        lon = _json_number("coords.longitude", coords.get("longitude"))
        if (lat is None) != (lon is None):
            raise FeedError(400, "coords: latitude and longitude are both needed")
        speed = _json_number("coords.speed", coords.get("speed"))
        speed = speed if speed is not None and speed >= 0 else None
        heading = _json_number("coords.heading", coords.get("heading"))
        heading = heading if heading is not None and heading >= 0 else None
        accuracy = _json_number("coords.accuracy", coords.get("accuracy"))
        altitude = _json_number("coords.altitude", coords.get("altitude"))
        if altitude is not None:
            attrs["altitude_m"] = altitude
    battery_pct = charging = None
    battery = loc.get("battery", doc.get("battery"))
    if battery is not None:
        if not isinstance(battery, dict):
            raise _bad("battery", battery)
        level = _json_number("battery.level", battery.get("level"))
        if level is not None and level >= 0:
            if level > 1.0:
                raise _bad("battery.level", level)
            battery_pct = round(level * 100.0, 1)
        charging = _json_flag("battery.is_charging", battery.get("is_charging"))
    mock = bool(_json_flag("mock", loc.get("mock", doc.get("mock"))))
    for key, name in (("is_moving", "is_moving"), ("event", "event")):
        if loc.get(key) is not None:
            attrs[name] = loc[key] if isinstance(loc[key], (bool, int, float)) else _attribute(str(loc[key]))
    odometer = _json_number("odometer", loc.get("odometer"))
    if odometer is not None:
        attrs["odometer_m"] = odometer
    activity = loc.get("activity")
    if isinstance(activity, dict) and activity.get("type") is not None:
        attrs["activity"] = _attribute(str(activity["type"]))
    extras = loc.get("extras", doc.get("extras"))
    if isinstance(extras, dict) and extras:
        try:
            text = json.dumps(extras, ensure_ascii=False, allow_nan=False, default=str)
        except (ValueError, RecursionError):
            raise _bad("extras", "(not plain JSON)") from None
        attrs["extras"] = json.loads(text) if len(text) <= 4 * MAX_VALUE_CHARS else _attribute(text)
    return _finish(Report(device_id, time_s, lat, lon, speed, heading, accuracy, battery_pct, charging, mock, attrs))


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:
        raise ValueError(f"time zone: {name!r} is not known") from exc
