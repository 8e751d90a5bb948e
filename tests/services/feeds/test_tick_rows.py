"""The tick writer's per-fix rows: the attributes' JSON text is what `json` itself writes, and the
multi-row statements receive the rows' values in row order however they are handed in."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine

from commandmap.services.devices import Grant
from commandmap.services.feeds.osmand import Report
from commandmap.services.feeds.ticks import _JSON, _attributes_json, _Pending
from commandmap.store.sqlite_rows import insert_columns, insert_values


def pending(attrs: dict) -> _Pending:
    return _Pending(Grant("dev-é", 1), Report("dev-é", attributes=attrs), time.time(), lambda v, e: None)


_JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                        max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=5), _JSONISH, max_size=4), min_size=1, max_size=4))
def test_attributes_json_is_the_json_encoders_text(docs: list[dict]) -> None:
    rows = [pending(dict(d)) for d in docs]
    assert _attributes_json(rows) == [_JSON.encode({**d, "device_id": "dev-é"}) for d in docs]


def test_attributes_json_keeps_the_encoders_rules() -> None:
    at = datetime(2026, 12, 3, tzinfo=UTC)
    assert json.loads(_attributes_json([pending({"at": at})])[0] or "") == {"at": str(at), "device_id": "dev-é"}
    with pytest.raises(ValueError):                  # allow_nan=False, as before
        _attributes_json([pending({"x": float("nan")})])
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError):                  # a cycle is refused, not recursed into
        _attributes_json([pending({"x": loop})])
    assert _attributes_json([pending({"ok": 1})]) == ['{"ok": 1, "device_id": "dev-\u00e9"}']   # a new tick is clean


@pytest.mark.parametrize("n", [1, 2, 255, 256, 257, 700])
def test_insert_columns_stores_what_insert_values_stores(n: int) -> None:
    engine = create_engine("sqlite://")
    rows = [(i, f"r{i}", i / 3 if i % 5 else None) for i in range(n)]
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE a (i INTEGER, s TEXT, f REAL)")
        conn.exec_driver_sql("CREATE TABLE b (i INTEGER, s TEXT, f REAL)")
        insert_values(conn, "INSERT INTO a (i, s, f)", rows)
        insert_columns(conn, "INSERT INTO b (i, s, f)", [list(c) for c in zip(*rows)])
        a = conn.exec_driver_sql("SELECT i, s, f FROM a ORDER BY rowid").all()
        b = conn.exec_driver_sql("SELECT i, s, f FROM b ORDER BY rowid").all()
    assert [tuple(r) for r in a] == [tuple(r) for r in b] == rows


def test_rate_limiter_bucket() -> None:
    """A burst at once, then the sustained rate; refusals spend nothing; keys are independent."""
    from commandmap.services.feeds.ticks import RateLimiter

    limiter = RateLimiter(rate_per_s=2.0, burst=3.0)
    assert [limiter.allow("a", 10.0) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b", 10.0)
    assert not limiter.allow("a", 10.25)         # half a token back
    assert limiter.allow("a", 10.5)              # one token back: the refusal cost nothing
    assert not limiter.allow("a", 10.5)
    assert [limiter.allow("a", 100.0) for _ in range(4)] == [True, True, True, False]   # never above the burst
