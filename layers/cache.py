"""The static-layer cache: an image of the view plus a margin, rebuilt off the UI thread.

While the user pans inside the margin the canvas only blits this image; when
the view leaves it, or the zoom, theme or static data change, one rebuild runs
in a worker thread (QPainter on a QImage is thread-safe) and the canvas keeps
showing the old image shifted/scaled until the new one arrives. At most one
rebuild runs at a time; requests made meanwhile collapse into the newest one.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRectF, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPainter

from .base import Layer, RenderContext
from .themes import Theme
from .viewport import Viewport

log = logging.getLogger(__name__)


def margin_px(view: Viewport) -> int:
    """Margin around the view kept in the cache: room to pan without a rebuild."""
    return int(round(max(view.width, view.height) * 0.125))


@dataclass(frozen=True)
class LabelStamp:
    rect: QRectF            # logical pixels in the cached image
    image: QImage           # the label (with its halo) on transparent pixels


@dataclass(frozen=True)
class CachedImage:
    image: QImage
    view: Viewport          # the (expanded) view the image shows
    dpr: float
    theme: str
    version: int
    build_ms: float
    serial: int = 0          # start order: a late old result never replaces a newer image
    labels: tuple[LabelStamp, ...] = ()   # drawn after the dynamic layers: names stay readable


class _Emitter(QObject):
    sig_done = Signal(object)      # CachedImage or None (failed)


class _RebuildJob(QRunnable):
    def __init__(self, stack, layers: list[Layer], view: Viewport, dpr: float, theme: Theme,
                 version: int, serial: int, emitter: _Emitter) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._args = (stack, layers, view, dpr, theme, version, serial)
        self._emitter = emitter

    def run(self) -> None:
        try:
            result = render_static(*self._args)
        except Exception:  # never let a paint bug kill the worker silently
            log.exception("static map layer rebuild failed")
            result = None
        self._emitter.sig_done.emit(result)


def render_static(stack, layers: list[Layer], view: Viewport, dpr: float, theme: Theme,
                  version: int = 0, serial: int = 0) -> CachedImage:
    """Paint the static layers of `view` into a new image, and their labels
    into small transparent stamps (any thread)."""
    t0 = time.perf_counter()
    w_dev = max(1, int(round(view.width * dpr)))
    h_dev = max(1, int(round(view.height * dpr)))
    image = QImage(w_dev, h_dev, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    ctx = RenderContext(view=view, theme=theme, dpr=dpr)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        stack.paint_static(painter, ctx, layers, labels=False)
    finally:
        painter.end()
    overlay = QImage(w_dev, h_dev, QImage.Format.Format_ARGB32_Premultiplied)
    overlay.fill(0)
    overlay.setDevicePixelRatio(dpr)
    painter = QPainter(overlay)
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        stack.paint_static_labels(painter, ctx, layers)
    finally:
        painter.end()
    stamps = _cut_stamps(overlay, ctx.labels.rects, dpr)
    return CachedImage(image, view, dpr, theme.name, version, (time.perf_counter() - t0) * 1000.0, serial, stamps)


def _cut_stamps(overlay: QImage, rects: list[QRectF], dpr: float, pad: float = 4.0) -> tuple[LabelStamp, ...]:
    bounds = QRectF(0, 0, overlay.width() / dpr, overlay.height() / dpr)
    stamps = []
    for r in rects:
        box = r.adjusted(-pad, -pad, pad, pad).intersected(bounds)
        if box.isEmpty():
            continue
        x0 = int(box.left() * dpr)
        y0 = int(box.top() * dpr)
        x1 = int(box.right() * dpr + 0.999)
        y1 = int(box.bottom() * dpr + 0.999)
        piece = overlay.copy(x0, y0, x1 - x0, y1 - y0)
        piece.setDevicePixelRatio(dpr)
        stamps.append(LabelStamp(QRectF(x0 / dpr, y0 / dpr, (x1 - x0) / dpr, (y1 - y0) / dpr), piece))
    return tuple(stamps)


class StaticCache(QObject):
    """Owns the cached image and its one worker thread."""

    sig_ready = Signal(float)
    """A rebuilt image is available (argument: build time in ms)."""

    def __init__(self, stack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stack = stack
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._emitter = _Emitter()
        self._emitter.sig_done.connect(self._on_job_done)
        self.current: CachedImage | None = None
        self._job: _RebuildJob | None = None
        self._pending: tuple[Viewport, float, Theme] | None = None
        self.version = 0
        self.rebuilds = 0
        self._serial = 0

    # state -----------------------------------------------------------------------
    def invalidate(self) -> None:
        """Static data, visibility or style changed: the image is out of date."""
        self.version += 1

    def is_current(self, view: Viewport, dpr: float, theme: Theme) -> bool:
        c = self.current
        return (c is not None and c.version == self.version and c.dpr == dpr and c.theme == theme.name
                and c.view.contains_view(view))

    @property
    def busy(self) -> bool:
        return self._job is not None

    # rebuilding -------------------------------------------------------------------
    def request(self, view: Viewport, dpr: float, theme: Theme) -> None:
        """Rebuild for `view` in the worker (coalesced with a running rebuild)."""
        if self._job is not None:
            self._pending = (view, dpr, theme)
            return
        self._start(view, dpr, theme)

    def _start(self, view: Viewport, dpr: float, theme: Theme) -> None:
        target = view.expanded(margin_px(view))
        layers = [lyr for lyr in self._stack.static_layers() if lyr.visible]
        self._serial += 1
        self._job = _RebuildJob(self._stack, layers, target, dpr, theme, self.version, self._serial, self._emitter)
        self._pool.start(self._job)

    def _on_job_done(self, result: CachedImage | None) -> None:
        self._job = None
        if result is not None and (self.current is None or result.serial > self.current.serial):
            self.current = result
            self.rebuilds += 1
        pending, self._pending = self._pending, None
        if pending is not None and not self.is_current(*pending):
            self._start(*pending)
        if result is not None:
            self.sig_ready.emit(result.build_ms)

    def rebuild_now(self, view: Viewport, dpr: float, theme: Theme) -> CachedImage:
        """Synchronous rebuild on the calling thread (exports, benchmarks)."""
        self.wait()
        target = view.expanded(margin_px(view))
        layers = [lyr for lyr in self._stack.static_layers() if lyr.visible]
        self._serial += 1
        self.current = render_static(self._stack, layers, target, dpr, theme, self.version, self._serial)
        self.rebuilds += 1
        return self.current

    def wait(self) -> None:
        """Block until the worker is idle (shutdown and tests)."""
        self._pool.waitForDone()
