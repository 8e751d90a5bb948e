"""The store's SQLite timestamp text: the few-values path (a tick's received-at, small ticks) writes exactly
what the vectorised path writes."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from commandmap.services.clock import sqlite_timestamps

_PAD = np.full(70, 1.7e9)          # more than the few-values limit: forces the array path


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-3e10, max_value=3e11, allow_nan=False), min_size=1, max_size=64))
def test_few_values_equal_the_array_path(values: list[float]) -> None:
    few = np.array(values)
    assert sqlite_timestamps(few) == sqlite_timestamps(np.concatenate([few, _PAD]))[:len(few)]


def test_known_values() -> None:
    assert sqlite_timestamps(np.array([0.0, -1.5, 1e9 + 0.9999995])) == [
        "1970-01-01 00:00:00.000000", "1969-12-31 23:59:58.500000", "2001-09-09 01:46:41.000000"]
    assert sqlite_timestamps(np.array([])) == []
