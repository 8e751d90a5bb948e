"""The task page in a real headless Chromium at 390×844: what the officer sees and taps."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from commandmap.live.state import LiveState
from commandmap.services.board import Board
from commandmap.store.schema import task
from tests.mobile.browser import HEIGHT, MISSING, WIDTH, phone_browser, tap, type_text
from tests.mobile.scene import add_site_incident, build_scene, dispatch_to
from tests.services.feeds.server_kit import running
from tests.waiting import wait_until

pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


def _by(kind: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    return getattr(By, kind)


def _wait(browser, predicate, timeout_s: float = 10.0):  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(browser, timeout_s, poll_frequency=0.05).until(lambda _d: predicate())


def _task_status(engine, task_id: int) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        row = conn.execute(select(task.c.status, task.c.acknowledged_at).where(task.c.id == task_id)).one()
    return row.status, row.acknowledged_at


def _live_status(live: LiveState, task_id: int) -> str | None:
    ids = list(live.tasks.ids)
    return live.tasks.text["status"][ids.index(task_id)] if task_id in ids else None


def test_tap_accept_with_javascript_updates_in_place_and_every_seat(sqlite_engine) -> None:
    scene = build_scene(sqlite_engine)
    add_site_incident(scene, 1, node=150)
    tid = dispatch_to(scene, 1, 1)
    seat = LiveState(sqlite_engine)          # a second seat, following the same store
    seat.load()
    assert _live_status(seat, tid) == "dispatched"
    with running(sqlite_engine) as service, phone_browser() as browser:
        browser.get(f"http://127.0.0.1:{service.port}/m/{scene.tokens[1]}")
        size = browser.execute_script("return [window.innerWidth, window.innerHeight]")
        assert size == [WIDTH, HEIGHT]
        body = browser.find_element(_by("TAG_NAME"), "body").text
        assert "NB-20261125-0001" in body and "待接单" in body and "占道经营" in body
        accept = browser.find_element(_by("CSS_SELECTOR"), 'button[data-action="ack"]')
        assert accept.text == "接单" and accept.is_displayed() and accept.size["height"] >= 60
        url_before = browser.current_url
        accept.click()
        _wait(browser, lambda: browser.find_element(_by("ID"), "flash").text == "已接单 ✓")
        assert browser.current_url == url_before            # updated in place, no navigation
        assert "已接单" in browser.find_element(_by("CSS_SELECTOR"), ".status").text
        assert not browser.find_element(_by("CSS_SELECTOR"), 'button[data-action="ack"]').is_enabled()
        tapped = time.monotonic()
        status, acked = _task_status(sqlite_engine, tid)
        assert status == "acknowledged" and acked is not None
        wait_until(lambda: (seat.refresh(), _live_status(seat, tid))[1] == "acknowledged", timeout_s=1.0)
        assert time.monotonic() - tapped <= 1.0


def test_form_path_without_javascript(sqlite_engine) -> None:
    scene = build_scene(sqlite_engine)
    add_site_incident(scene, 1, node=150)
    tid = dispatch_to(scene, 1, 1)
    with running(sqlite_engine) as service, phone_browser(javascript=False, lang="en-US") as browser:
        browser.get(f"http://127.0.0.1:{service.port}/m/{scene.tokens[1]}")
        assert service.pages is not None and service.pages.listeners == 0   # scripts are off: no live channel
        tap(browser, browser.find_element(_by("CSS_SELECTOR"), 'button[data-action="ack"]'))
        _wait(browser, lambda: "r=done" in browser.current_url)        # a real POST, 303, GET
        assert _task_status(sqlite_engine, tid)[0] == "acknowledged"
        _wait(browser, lambda: browser.find_element(_by("ID"), "flash").text == "Accepted ✓")
        type_text(browser, browser.find_element(_by("CSS_SELECTOR"), "textarea#note"), "two stalls on the pavement")
        tap(browser, browser.find_element(_by("CSS_SELECTOR"), 'button[data-action="en_route"]'))
        _wait(browser, lambda: "a=en_route" in browser.current_url)
        _wait(browser, lambda: browser.find_element(_by("ID"), "flash").text == "On your way ✓")
        assert _task_status(sqlite_engine, tid)[0] == "en_route"
        notes = [e.detail.get("note") for e in Board(sqlite_engine).timeline() if e.action == "task.start_route"]
        assert notes == ["two stalls on the pavement"]
        for action in ("arrived", "resolved"):
            _wait(browser, lambda: browser.find_element(_by("ID"), "flash").text.endswith("✓"))
            tap(browser, browser.find_element(_by("CSS_SELECTOR"), f'button[data-action="{action}"]'))
            _wait(browser, lambda a=action: f"a={a}" in browser.current_url)
        _wait(browser, lambda: "Resolved ✓" in browser.find_element(_by("ID"), "flash").text)
        assert _task_status(sqlite_engine, tid)[0] == "completed"
        assert "No task" in browser.find_element(_by("TAG_NAME"), "body").text


def test_a_new_dispatch_appears_on_an_open_page_within_2_s_and_vibrates(sqlite_engine) -> None:
    scene = build_scene(sqlite_engine)
    add_site_incident(scene, 1, node=150)
    with running(sqlite_engine) as service, phone_browser() as browser:
        browser.get(f"http://127.0.0.1:{service.port}/m/{scene.tokens[1]}")
        assert "暂无任务" in browser.find_element(_by("TAG_NAME"), "body").text
        browser.execute_script("window.__buzz=[]; navigator.vibrate=function(p){window.__buzz.push(p);return true;};")
        # the page's event stream is connected before we dispatch
        _wait(browser, lambda: browser.execute_script("return document.body.dataset.live") == "1")
        dispatch_to(scene, 1, 1)
        sent = time.monotonic()
        _wait(browser, lambda: "NB-20261125-0001" in browser.find_element(_by("TAG_NAME"), "body").text,
              timeout_s=2.0)
        assert time.monotonic() - sent <= 2.0
        assert browser.execute_script("return window.__buzz.length") == 1
        assert browser.find_element(_by("CSS_SELECTOR"), 'button[data-action="ack"]').is_enabled()
        # the contact clock counts down on the phone, second by second
        clock = browser.find_element(_by("CSS_SELECTOR"), ".clock .clock-value")
        first = clock.text
        assert re.fullmatch(r"剩余 (0:[0-5]\d|1:00)", first), first
        _wait(browser, lambda: browser.find_element(_by("CSS_SELECTOR"), ".clock .clock-value").text != first,
              timeout_s=3.0)
