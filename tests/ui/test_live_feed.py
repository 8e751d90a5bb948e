"""The 4 Hz snapshot pump between a provider (LiveState) and the map."""

from __future__ import annotations

from commandmap.ui.live_feed import LiveFeed

from ..layers.factories import snapshot


def test_feed_emits_each_provided_snapshot(qtbot) -> None:
    snaps = [snapshot(time_s=float(t)) for t in range(3)]
    it = iter(snaps)
    feed = LiveFeed(lambda: next(it), interval_ms=10)
    got = []
    feed.sig_snapshot.connect(got.append)
    feed.start()
    qtbot.waitUntil(lambda: len(got) == 3, timeout=3000)
    feed.stop()
    assert [s.time_s for s in got] == [0.0, 1.0, 2.0] and feed.last is snaps[-1]


def test_a_failing_provider_reports_once_and_keeps_polling(qtbot) -> None:
    calls = {"n": 0}

    def provider():
        calls["n"] += 1
        if calls["n"] < 4:
            raise ConnectionError("database is restarting")
        return snapshot()

    feed = LiveFeed(provider, interval_ms=5)
    errors, snaps = [], []
    feed.sig_error.connect(errors.append)
    feed.sig_snapshot.connect(snaps.append)
    feed.start()
    qtbot.waitUntil(lambda: len(snaps) >= 1, timeout=3000)
    feed.stop()
    assert errors == ["live data unavailable: database is restarting"]


def test_no_provider_means_no_ticks(qtbot) -> None:
    feed = LiveFeed(None)
    assert feed.poll_once() is None and feed.ticks == 0
