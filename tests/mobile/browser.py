"""A real headless Chromium with a phone-sized viewport (390×844), driven by Selenium through Debian's
chromedriver. No network beyond loopback, no browser download. Used by the phone-page tests and by
scripts/phone-screenshots.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
MISSING = (None if BROWSER and DRIVER else
           "headless Chromium with its driver is not installed (Debian: apt-get install chromium chromium-driver; "
           "scripts/setup.sh installs them)")
WIDTH, HEIGHT = 390, 844


@contextmanager
def phone_browser(*, lang: str = "zh-CN", javascript: bool = True, pixel_ratio: float = 1.0) -> Iterator[Any]:
    """A Chromium emulating a 390×844 phone in `lang`; JavaScript off when asked."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert BROWSER is not None and DRIVER is not None, MISSING
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--lang={lang}", "--hide-scrollbars"):
        options.add_argument(arg)
    prefs: dict[str, Any] = {"intl.accept_languages": lang}
    if not javascript:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    if not javascript:   # chromedriver waits forever for a navigation it cannot script: the test waits itself
        options.page_load_strategy = "none"
    options.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": pixel_ratio, "touch": True},
        "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/126.0 Mobile Safari/537.36"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()


def tap(browser: Any, element: Any) -> None:
    """A finger's tap at the element's centre, as input events (chromedriver's own click hangs waiting for a
    navigation it cannot script when JavaScript is off)."""
    r = element.rect
    x, y = r["x"] + r["width"] / 2, r["y"] + r["height"] / 2
    for kind in ("mousePressed", "mouseReleased"):
        browser.execute_cdp_cmd("Input.dispatchMouseEvent",
                                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1})


def type_text(browser: Any, element: Any, text: str) -> None:
    """Tap a text field and type into it (the phone's keyboard, as input events)."""
    tap(browser, element)
    browser.execute_cdp_cmd("Input.insertText", {"text": text})
