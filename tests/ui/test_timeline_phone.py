"""The workstation's timeline says when a step came from the officer's phone, and how long it took."""

from __future__ import annotations

from commandmap.services.board import Board
from commandmap.ui.language import apply_language
from commandmap.ui.timeline_dock import TimelineDock
from tests.mobile.scene import add_site_incident, build_scene, dispatch_to
from tests.services.feeds.server_kit import Client, running


def test_timeline_shows_acknowledged_on_the_phone_with_the_time_it_took(qtbot, qapp, sqlite_engine) -> None:
    scene = build_scene(sqlite_engine)
    add_site_incident(scene, 1, node=150)
    tid = dispatch_to(scene, 1, 1)
    with running(sqlite_engine) as service:       # the officer taps 接单 on the phone's page
        client = Client(service.port)
        status, _ = client.send("POST", f"/m/{scene.tokens[1]}/task/{tid}/ack", body=b"note=",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
        client.close()
    assert status == 303
    entries = Board(sqlite_engine).timeline()
    ack = next(e for e in entries if e.action == "task.acknowledge")
    took = ack.took_s
    assert ack.via_phone and took is not None and 0 <= took < 60
    apply_language(qapp, "en")
    dock = TimelineDock()
    qtbot.addWidget(dock)
    dock.set_entries(entries)
    line = next(t for t in dock.texts() if "acknowledged" in t)
    assert f"on the phone after 0:{int(round(took)):02d}" in line and "officer NB00001@phone dev-1" in line
    apply_language(qapp, "zh_CN")
    qtbot.waitUntil(lambda: any("手机端，派单后 0:" in t for t in dock.texts()), timeout=3000)
    apply_language(qapp, "en")
