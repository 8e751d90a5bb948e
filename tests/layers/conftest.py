"""Fixtures for map tests: a real MapCanvas on the offscreen platform."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage

from commandmap.ui.language import apply_language
from layers.canvas import MapCanvas
from layers.themes import WORKSTATION

from .factories import tiny_city


@pytest.fixture(autouse=True)
def _chinese_ui(qapp):
    """Map texts come from the installed Chinese catalogue, as in the app."""
    apply_language(qapp, "zh_CN")
    yield
    apply_language(qapp, "zh_CN")


@pytest.fixture
def canvas(qtbot) -> MapCanvas:
    c = MapCanvas(theme=WORKSTATION)
    c.show_decorations = False
    qtbot.addWidget(c)
    c.resize(480, 360)
    c.show()
    qtbot.waitExposed(c)
    return c


@pytest.fixture
def city_canvas(qtbot, canvas: MapCanvas) -> MapCanvas:
    canvas.set_city(tiny_city())
    wait_cache(qtbot, canvas)
    return canvas


def wait_cache(qtbot, canvas: MapCanvas) -> None:
    """Until the static layers for the current view are in the cache (built by the worker)."""
    qtbot.waitUntil(lambda: canvas.cache_is_current() and not canvas.cache.busy, timeout=10_000)


def grab(canvas: MapCanvas) -> QImage:
    return canvas.grab().toImage().convertToFormat(QImage.Format.Format_ARGB32)


def rgb(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    c = image.pixelColor(int(round(x)), int(round(y)))
    return c.red(), c.green(), c.blue()


def near(actual: tuple[int, int, int], expected: QColor | str, tol: int = 12) -> bool:
    e = QColor(expected) if isinstance(expected, str) else expected
    return all(abs(a - b) <= tol for a, b in zip(actual, (e.red(), e.green(), e.blue())))
