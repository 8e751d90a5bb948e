"""The live state's column storage: an update of known rows is written in place and ends exactly where
rebuilding the table would."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from commandmap.live.columns import ColumnTable


def _table(ids: list[int]) -> ColumnTable:
    t = ColumnTable({"status": np.int8, "lon": np.float64})
    t.replace_all(np.array(ids, np.int64), {"status": np.zeros(len(ids), np.int8),
                                            "lon": np.arange(len(ids), dtype=np.float64)},
                  {"badge": [f"B{i}" for i in ids]})
    return t


def _rebuilt(t: ColumnTable, ids: np.ndarray, cols: dict, text: dict) -> ColumnTable:
    """The general path (rows removed and appended, then sorted), forced with an empty `gone` that
    names an id the table does not hold."""
    out = _table(t.ids.tolist())
    out.cols = {k: v.copy() for k, v in t.cols.items()}
    out.text = {k: list(v) for k, v in t.text.items()}
    out.upsert(ids, cols, text, np.array([-1], np.int64))
    return out


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(1, 500), min_size=1, max_size=40), st.data())
def test_an_update_of_known_rows_in_place_equals_the_rebuild(ids: set[int], data: st.DataObject) -> None:
    t = _table(sorted(ids))
    changed = np.array(data.draw(st.lists(st.sampled_from(sorted(ids)), min_size=1, unique=True)), np.int64)
    cols = {"status": np.full(len(changed), 3, np.int8), "lon": changed * 0.5}
    text = {"badge": [f"X{i}" for i in changed.tolist()]}
    expected = _rebuilt(t, changed, cols, text)
    before_ids = t.ids
    t.upsert(changed, cols, text, np.zeros(0, np.int64))
    assert t.ids is before_ids                        # written in place: no rebuild
    assert t.ids.tolist() == expected.ids.tolist()
    for k in t.dtypes:
        np.testing.assert_array_equal(t.cols[k], expected.cols[k])
    assert t.text == expected.text


def test_a_new_or_gone_row_rebuilds_the_table_in_id_order() -> None:
    t = _table([1, 5, 9])
    t.upsert(np.array([3], np.int64), {"status": np.array([2], np.int8), "lon": np.array([7.0])},
             {"badge": ["B3"]}, np.array([5], np.int64))
    assert t.ids.tolist() == [1, 3, 9] and t.text["badge"] == ["B1", "B3", "B9"]
    assert t.cols["status"].tolist() == [0, 2, 0]
