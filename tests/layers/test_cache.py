"""The static cache is rebuilt off the UI thread, and the UI keeps painting meanwhile."""

from __future__ import annotations

import threading

from PySide6.QtCore import QPointF
from PySide6.QtGui import QPainter

from layers.base import Layer, RenderContext
from layers.canvas import MapCanvas
from layers.stack import LayerStack

from .conftest import wait_cache
from .factories import CX, CY, tiny_city


class _GateLayer(Layer):
    """A static layer that records its painting thread and can be held."""

    name = "gate"
    static = True
    default_z = 5

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.threads: list[int] = []

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        self.threads.append(threading.get_ident())
        self.gate.wait(10)


def test_rebuild_runs_in_a_worker_while_the_ui_paints_the_old_image(qtbot) -> None:
    gate = _GateLayer()
    stack = LayerStack()
    stack.add(gate)
    canvas = MapCanvas(stack=stack)
    canvas.show_decorations = False
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    canvas.set_city(tiny_city())
    wait_cache(qtbot, canvas)
    assert gate.threads and threading.get_ident() not in gate.threads
    old = canvas.cache.current

    gate.gate.clear()                                  # the next rebuild blocks in the worker
    canvas.zoom_by(2.0, QPointF(200, 150))
    qtbot.waitUntil(lambda: canvas.cache.busy, timeout=5000)
    image = canvas.grab().toImage()                    # the UI thread is free: it paints now
    assert image.width() == 400 and canvas.cache.current is old
    assert canvas.last_frame_ms < 1000
    with qtbot.waitSignal(canvas.sig_cache_rebuilt, timeout=10_000):
        gate.gate.set()
    wait_cache(qtbot, canvas)
    assert canvas.cache.current is not old
    assert threading.get_ident() not in gate.threads


def test_requests_during_a_rebuild_collapse_into_the_newest_view(qtbot) -> None:
    gate = _GateLayer()
    stack = LayerStack()
    stack.add(gate)
    canvas = MapCanvas(stack=stack)
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    canvas.set_city(tiny_city())
    wait_cache(qtbot, canvas)
    before = canvas.cache.rebuilds
    gate.gate.clear()
    canvas.center_on(CX + 5000, CY)          # far outside the cached margin
    qtbot.waitUntil(lambda: canvas.cache.busy, timeout=5000)
    for k in range(5):                        # five more views while the worker is held
        canvas.center_on(CX + 6000 + 1000 * k, CY)
    gate.gate.set()
    wait_cache(qtbot, canvas)
    assert canvas.cache.current.view.contains_view(canvas.view)
    assert canvas.cache.rebuilds - before <= 2   # the held one + one for the newest view
