"""The Traccar Client's plain query read by the fast path (`parse_traccar_query`) gives exactly the Report the
general parser gives (`parse_params` of the query's first values: same fields, same float bits, the same
attributes in the same order, hence the same stored JSON), and anything else is left to the general parser."""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commandmap.services.feeds.http import _first_values
from commandmap.services.feeds.osmand import FeedError, Report, parse_params, parse_traccar_query

SH = ZoneInfo("Asia/Shanghai")
ORDER = ("id", "timestamp", "lat", "lon", "speed", "bearing", "altitude", "accuracy", "batt", "charge", "mock")


def general(query: str) -> Report | None:
    try:
        return parse_params(_first_values(query), SH)
    except FeedError:
        return None


def same(a: Report, b: Report) -> bool:
    """Equal down to the float bits (-0.0 is not 0.0) and the attributes' order."""
    return repr(a) == repr(b) and list(a.attributes) == list(b.attributes)


def test_the_benchmark_and_traccar_queries_take_the_fast_path_and_match() -> None:
    for query in [
        urlencode({"id": "dev-1", "timestamp": 1764748800, "lat": "29.870001", "lon": "121.550002", "speed": "3.1",
                   "bearing": "90", "accuracy": "8", "batt": "80"}),
        "id=862345678901234&timestamp=1764748800&lat=29.87&lon=121.55&speed=0.0&bearing=0.0&altitude=12.5"
        "&accuracy=8.0&batt=77.0&charge=true&mock=false",
        "id=a&lat=-0.0&lon=0&batt=100",
        "id=a&timestamp=1764748800123&lat=1&lon=2",          # milliseconds
    ]:
        fast = parse_traccar_query(query.encode())
        slow = general(query)
        assert fast is not None and slow is not None and same(fast, slow), query


@pytest.mark.parametrize("query", [
    "id=a&lat=1&lon=2&batt=100.5",          # out of range: the general parser's 400
    "lat=1&lon=2&id=a",                     # another order
    "id=a&lat=1&lon=2&lat=3",               # a repeated key (the first one wins there)
    "id=a&lat=1e1&lon=2", "id=a&lat=1&lon=nan", "id=a&lat=+1&lon=2", "id=a%2Db&lat=1&lon=2",
    "id=a&lat=1&lon=2&heading=4", "id=a&lat=1&lon=2&valid=false", "ID=a&lat=1&lon=2", "id=a&batt=5",
    "id=a&timestamp=2025-12-03T08:00:00Z&lat=1&lon=2", "id=a&lat=1&lon=2&", "id=a b&lat=1&lon=2",
    "id=a&lat=1&lon=2&charge=1", "id=&lat=1&lon=2", "id=" + "x" * 65 + "&lat=1&lon=2",
])
def test_anything_else_goes_the_general_way(query: str) -> None:
    assert parse_traccar_query(query.encode()) is None


def _mostly(plain: st.SearchStrategy[str], odd: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """`plain` nine times in ten (so the fast path's shape is drawn often), else `odd`."""
    return st.integers(0, 9).flatmap(lambda i: odd if i == 0 else plain)


_NUMBER = _mostly(
    st.one_of(st.from_regex(r"-?[0-9]{1,3}(\.[0-9]{1,8})?", fullmatch=True),
              st.from_regex(r"-?[0-9]{1,16}(\.[0-9]{1,16})?", fullmatch=True)),
    st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
              st.sampled_from(["", "-", ".5", "1.", "1_0", " 1", "0x10", "1e5", "+1", "\u0661", "-0", "1.0E-5"])))
_VALUE = {
    "id": _mostly(st.from_regex(r"[A-Za-z0-9_.:~-]{1,66}", fullmatch=True),
                  st.text(alphabet="ab9_.:~- %+\u00e9&=\t", max_size=8)),
    "timestamp": _mostly(st.from_regex(r"[0-9]{1,14}", fullmatch=True),
                         st.sampled_from(["", "2025-12-03T08:00:00Z", "2025-12-03 16:00:00", "1.5", "-1"])),
    "batt": _mostly(st.one_of(st.integers(0, 100).map(str), st.floats(0, 100).map(repr)),
                    st.one_of(st.sampled_from(["100", "100.0", "100.01", "-0", "-0.0", "-1", "101"]), _NUMBER)),
    "charge": _mostly(st.sampled_from(["true", "false"]), st.sampled_from(["True", "1", "0", "yes", "", "maybe"])),
    "mock": _mostly(st.sampled_from(["true", "false"]), st.sampled_from(["TRUE", "on", "", "1"])),
}


@st.composite
def queries(draw: st.DrawFn) -> str:
    """Mostly the Traccar Client's shape with optional fields left out; sometimes shuffled, repeated, or
    with keys it never sends."""
    keys = [k for k in ORDER if k in ("id", "lat", "lon") or draw(st.booleans())]
    if draw(st.integers(0, 9)) == 0:
        keys = draw(st.permutations(keys))
    if draw(st.integers(0, 9)) == 0:
        keys = keys + [draw(st.sampled_from(ORDER + ("heading", "hdop", "valid", "deviceid", "x", "Lat")))]
    pairs = [f"{k}={draw(_VALUE.get(k, _NUMBER))}" for k in keys]
    if draw(st.integers(0, 19)) == 0:
        pairs.insert(draw(st.integers(0, len(pairs))), draw(st.sampled_from(["", "lat", "=1", "a=b=c"])))
    return "&".join(pairs)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries())
def test_fast_path_equals_the_general_parser(query: str) -> None:
    fast = parse_traccar_query(query.encode("utf-8"))
    if fast is not None:
        slow = general(query)
        assert slow is not None and same(fast, slow), query


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ORDER), st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True)),
                max_size=3))
def test_plain_traccar_queries_are_not_left_to_the_slow_way(extra: list[tuple[str, str]]) -> None:
    """Guards the point of the fast path: a plain query in the client's order is taken (with the fields a
    client may leave out left out), and read as the general parser reads it."""
    fields = {"id": "dev-7", "lat": "29.5", "lon": "121.25"} | {k: v for k, v in extra if k not in ("id", "lat", "lon")}
    fields = {k: ("true" if k in ("charge", "mock") else "50" if k == "batt" else v.partition(".")[0] if
                  k == "timestamp" else v) for k, v in fields.items()}
    query = "&".join(f"{k}={fields[k]}" for k in ORDER if k in fields)
    fast = parse_traccar_query(query.encode())
    slow = general(query)
    assert fast is not None and slow is not None and same(fast, slow), query
