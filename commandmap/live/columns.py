"""Rows of one entity as parallel numpy columns, kept sorted by id (the live state's storage)."""

from __future__ import annotations

from typing import Any

import numpy as np


class ColumnTable:
    """Rows of one entity as parallel numpy columns, kept sorted by id; text columns as lists."""

    def __init__(self, columns: dict[str, Any]) -> None:
        self.dtypes = columns
        self.ids = np.zeros(0, np.int64)
        self.cols: dict[str, np.ndarray] = {k: np.zeros(0, dt) for k, dt in columns.items()}
        self.text: dict[str, list[Any]] = {}

    def index_of(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id; -1 where absent."""
        ids = np.asarray(ids, np.int64)
        if len(self.ids) == 0:
            return np.full(len(ids), -1, np.int64)
        pos = np.minimum(np.searchsorted(self.ids, ids), len(self.ids) - 1)
        return np.where(self.ids[pos] == ids, pos, -1)

    def replace_all(self, ids: np.ndarray, cols: dict[str, np.ndarray], text: dict[str, list[Any]]) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids = np.asarray(ids, np.int64)[order]
        self.cols = {k: np.asarray(cols[k], self.dtypes[k])[order] for k in self.dtypes}
        self.text = {k: [v[i] for i in order] for k, v in text.items()}

    def upsert(self, ids: np.ndarray, cols: dict[str, np.ndarray], text: dict[str, list[Any]],
               gone: np.ndarray) -> None:
        """Rows `ids` now hold `cols`; rows `gone` disappear."""
        ids = np.asarray(ids, np.int64)
        rows = self.index_of(ids)
        if len(gone) == 0 and (rows >= 0).all() and set(text) <= set(self.text):
            # the usual change (a status, a position): written in place, not 25,000 rows rebuilt
            for k in self.dtypes:
                self.cols[k][rows] = np.asarray(cols[k], self.dtypes[k])
            for k, values in text.items():
                column = self.text[k]
                for r, v in zip(rows.tolist(), values):
                    column[r] = v
            return
        keep = ~np.isin(self.ids, np.concatenate([ids, gone]).astype(np.int64))
        all_ids = np.concatenate([self.ids[keep], ids])
        merged = {k: np.concatenate([self.cols[k][keep], np.asarray(cols[k], self.dtypes[k])]) for k in self.dtypes}
        kept = np.flatnonzero(keep)
        merged_text = {k: [self.text[k][i] for i in kept] + list(text[k]) for k in text}
        self.replace_all(all_ids, merged, merged_text)

    def load(self, ids: np.ndarray, cols: dict[str, np.ndarray], text: dict[str, list[Any]],
             asked: np.ndarray | None) -> None:
        """Rows read for `asked` ids (None: the whole table): asked rows that came back empty are gone."""
        if asked is None:
            self.replace_all(ids, cols, text)
        else:
            self.upsert(ids, cols, text, np.setdiff1d(asked, ids))
