"""The main window built from a model, as napari tests its viewer: a fake snapshot provider, no store.

Change the model (the next snapshot), assert the view (status bar, map layers).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from PySide6.QtWidgets import QApplication

from commandmap.domain.snapshot import IncidentStatusCode, OfficerStatusCode, OperationSnapshot
from commandmap.ui.language import apply_language
from commandmap.ui.live_feed import LiveFeed
from commandmap.ui.main_window import MainWindow
from layers.themes import get_theme
from tests.layers.factories import synthetic_city, synthetic_snapshot



class FakeProvider:
    """Hands out whatever snapshot the test put in."""

    def __init__(self, snap: OperationSnapshot) -> None:
        self.snap = snap

    def __call__(self) -> OperationSnapshot:
        return self.snap


def test_window_shows_what_the_model_holds_and_follows_it(qtbot) -> None:
    apply_language(QApplication.instance(), "en")
    city = synthetic_city()
    snap = synthetic_snapshot()
    provider = FakeProvider(snap)
    window = MainWindow(get_theme("workstation"))
    qtbot.addWidget(window)
    window.set_city(city)
    feed = LiveFeed(provider, interval_ms=50, parent=window)
    window.attach_feed(feed)
    window.resize(1200, 800)
    window.show()
    feed.start()
    try:
        open_now = int(np.isin(snap.incidents.status, IncidentStatusCode.open_codes()).sum())
        qtbot.waitUntil(lambda: f"incidents {open_now:,}" in window.status_live.text(), timeout=3000)
        assert f"officers {len(snap.officers.ids):,}" in window.status_live.text()
        assert window.canvas.layer("officers").officers is snap.officers
        assert window.roster.model.rowCount() == len(snap.officers.ids)

        # the model changes: every officer goes off duty, every incident is closed
        o = dataclasses.replace(snap.officers, status=np.full_like(snap.officers.status, OfficerStatusCode.OFF_DUTY))
        i = dataclasses.replace(snap.incidents,
                                status=np.full_like(snap.incidents.status, IncidentStatusCode.CLOSED))
        provider.snap = dataclasses.replace(snap, sequence=snap.sequence + 1, officers=o, incidents=i)
        qtbot.waitUntil(lambda: "incidents 0" in window.status_live.text(), timeout=3000)
        assert window.canvas.layer("officers").officers is o
        qtbot.waitUntil(lambda: "0 available" in window.roster.count.text(), timeout=3000)
    finally:
        feed.stop()
        window.close()
        apply_language(QApplication.instance(), "zh_CN")
