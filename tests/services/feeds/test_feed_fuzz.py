"""Hypothesis fuzzing of the feed parsers and the live endpoint: no input crashes; each bad input gets its
status code and a logged reason."""

from __future__ import annotations

import json
import logging
import math
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commandmap.services.feeds.osmand import FeedError, Report, parse_json, parse_params
from tests.services.feeds.server_kit import Client, unlimited_server

SH = ZoneInfo("Asia/Shanghai")
KEYS = ["id", "deviceid", "timestamp", "lat", "lon", "location", "speed", "bearing", "heading", "altitude",
        "accuracy", "hdop", "batt", "charge", "valid", "mock", "alarm", "cell", "wifi"]
values = st.one_of(st.text(max_size=30), st.integers().map(str), st.floats().map(str),
                   st.sampled_from(["", "nan", "inf", "-0", "1e308", "true", "2025-12-03 08:00:00",
                                    "2025-12-03T08:00:00Z", "9999999999999999999", "29.8,121.5", "dev-1"]))
params = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), values, max_size=12)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12))
json_docs = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["device_id", "location", "timestamp", "coords", "latitude", "longitude", "speed", "heading",
         "battery", "level", "is_charging", "mock", "extras", "activity", "type", "odometer"]), inner, max_size=6)),
    max_leaves=20)


def _judge(report: Report) -> None:
    for v in (report.lat, report.lon, report.speed_mps, report.heading_deg, report.accuracy_m, report.time_s):
        assert v is None or math.isfinite(v)
    assert report.device_id and len(report.device_id) <= 64
    json.dumps(report.attributes, allow_nan=False, default=str)     # always storable


@settings(max_examples=400, deadline=None)
@given(params)
def test_query_parser_returns_a_report_or_a_400(p: dict[str, str]) -> None:
    try:
        _judge(parse_params(p, SH))
    except FeedError as exc:
        assert exc.status == 400 and exc.reason


@settings(max_examples=400, deadline=None)
@given(st.one_of(json_docs.map(lambda d: json.dumps(d).encode()), st.binary(max_size=60)))
def test_json_parser_returns_a_report_or_a_400(body: bytes) -> None:
    try:
        _judge(parse_json(body, SH))
    except FeedError as exc:
        assert exc.status == 400 and exc.reason


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    with unlimited_server(tmp_path_factory.mktemp("fuzz")) as served:
        yield served


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(p=params, as_json=st.booleans(), doc=json_docs, raw=st.binary(max_size=40))
def test_the_server_answers_every_input_with_a_status_and_a_reason(live, caplog, p, as_json, doc, raw) -> None:
    svc, tokens = live
    caplog.clear()
    caplog.set_level(logging.INFO)
    c = Client(svc.port)
    try:
        if as_json:
            status, _ = c.send("POST", f"/{tokens[1]}", body=json.dumps(doc).encode() + raw[:3],
                               headers={"Content-Type": "application/json"})
        else:
            status, _ = c.send("POST", f"/{tokens[1]}", p)
    finally:
        c.close()
    assert status in (200, 400, 401, 404)
    if status != 200:
        assert f"{status} POST" in caplog.text
    # the server still serves a valid fix afterwards
    c = Client(svc.port)
    assert c.osmand(tokens[2], id="dev-2", batt=50) == 200
    c.close()
