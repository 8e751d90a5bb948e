"""The UI thread's garbage collector: generations on Python's thresholds, a full collection only
once the oldest generation grew by a quarter (it walks every live object: with a city loaded that
held the UI thread for hundreds of milliseconds)."""

from __future__ import annotations

import gc
import weakref

from commandmap.ui.gc_guard import FULL_GROWTH, UiThreadGarbageCollector


class _Node:
    def __init__(self) -> None:
        self.me = self          # a reference cycle: only the cycle collector frees it


def _cycle_in_oldest_generation() -> weakref.ref[_Node]:
    node = _Node()
    ref = weakref.ref(node)
    gc.collect(1)               # survivors of generation 1 move to the oldest generation
    del node
    return ref


def test_a_full_collection_waits_until_the_oldest_generation_grew_by_a_quarter(qapp) -> None:
    gc.collect()
    guard = UiThreadGarbageCollector()
    guard._thresholds = (-1, -1, -1)       # every generation due on each call
    garbage = _cycle_in_oldest_generation()
    guard.collect_due()
    assert guard.full_collections == 0 and garbage() is not None   # no growth: the oldest is left alone
    keep = [[i] for i in range(int(guard._long_lived * (FULL_GROWTH - 1)) + 1000)]
    gc.collect(1)
    guard._next_check = 0.0
    guard.collect_due()
    assert guard.full_collections == 1 and garbage() is None
    assert guard._long_lived >= len(keep)


def test_while_installed_python_never_collects_by_itself(qapp) -> None:
    was = gc.isenabled()
    guard = UiThreadGarbageCollector()
    guard.install()
    try:
        assert not gc.isenabled()
    finally:
        guard.uninstall()
    assert gc.isenabled() == was
