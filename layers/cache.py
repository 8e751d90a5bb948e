"""The static-layer cache: an image of the view plus a margin, rebuilt off the UI thread.

While the user pans inside the margin the canvas only blits this image; when
the view leaves it, or the zoom, theme or static data change, one rebuild runs
in a worker thread (QPainter on a QImage is thread-safe) and the canvas keeps
showing the old image shifted/scaled until the new one arrives. At most one
rebuild runs at a time; requests made meanwhile collapse into the newest one.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRectF, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPainter

from .base import Layer, RenderContext
from .themes import Theme, qcolor
from .viewport import Viewport

log = logging.getLogger(__name__)


def margin_px(view: Viewport) -> int:
    """Margin around the view kept in the cache: room to pan without a rebuild."""
    return int(round(max(view.width, view.height) * 0.08))


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
    opaque: bool = False     # every pixel opaque (the theme's background is): the canvas may copy it


class _Emitter(QObject):
    sig_done = Signal(object)      # CachedImage or None (failed)


class _RebuildJob(QRunnable):
    def __init__(self, stack, layers: list[Layer], view: Viewport, dpr: float, theme: Theme,
                 version: int, serial: int, emitter: _Emitter, buffers: _Buffers) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self._args = (stack, layers, view, dpr, theme, version, serial)
        self._emitter = emitter
        self._buffers = buffers

    def run(self) -> None:
        try:
            result = render_static(*self._args, buffers=self._buffers)
        except Exception:  # never let a paint bug kill the worker silently
            log.exception("static map layer rebuild failed")
            result = None
        self._emitter.sig_done.emit(result)


class _Buffers:
    """Image memory reused from one rebuild to the next: touching 50 MB of
    fresh pages for a 4K cache costs more than painting half the map."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spare: list[QImage] = []
        self._overlay: QImage | None = None

    def image(self, w: int, h: int) -> QImage:
        with self._lock:
            for k, img in enumerate(self._spare):
                if img.width() == w and img.height() == h:
                    return self._spare.pop(k)
        return QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)

    def overlay(self, w: int, h: int) -> QImage:
        with self._lock:
            img, self._overlay = self._overlay, None
        if img is None or img.width() != w or img.height() != h:
            img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        return img

    def give_back(self, image: QImage | None = None, overlay: QImage | None = None) -> None:
        with self._lock:
            if image is not None and not image.isNull():
                self._spare = [image] + self._spare[:1]
            if overlay is not None:
                self._overlay = overlay


def render_static(stack, layers: list[Layer], view: Viewport, dpr: float, theme: Theme,
                  version: int = 0, serial: int = 0, buffers: _Buffers | None = None) -> CachedImage:
    """Paint the static layers of `view` into an image, and their labels into
    small transparent stamps (any thread)."""
    t0 = time.perf_counter()
    w_dev = max(1, int(round(view.width * dpr)))
    h_dev = max(1, int(round(view.height * dpr)))
    image = buffers.image(w_dev, h_dev) if buffers is not None else \
        QImage(w_dev, h_dev, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(dpr)
    image.fill(qcolor(theme.background))      # a memset; painter.fillRect would blend
    ctx = RenderContext(view=view, theme=theme, dpr=dpr)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        stack.paint_static(painter, ctx, layers, labels=False, background=False)
    finally:
        painter.end()
    overlay = buffers.overlay(w_dev, h_dev) if buffers is not None else \
        QImage(w_dev, h_dev, QImage.Format.Format_ARGB32_Premultiplied)
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
    if buffers is not None:
        buffers.give_back(overlay=overlay)
    return CachedImage(image, view, dpr, theme.name, version, (time.perf_counter() - t0) * 1000.0, serial, stamps,
                       opaque=qcolor(theme.background).alpha() == 255)


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
        self._emitter = _Emitter(self)       # after the pool: deleted with the cache, after its job
        self._emitter.sig_done.connect(self._on_job_done)
        self.current: CachedImage | None = None
        self._job: _RebuildJob | None = None
        self._pending: tuple[Viewport, float, Theme] | None = None
        self.version = 0
        self.rebuilds = 0
        self._serial = 0
        self._buffers = _Buffers()

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
        self._job = _RebuildJob(self._stack, layers, target, dpr, theme, self.version, self._serial, self._emitter,
                                self._buffers)
        self._pool.start(self._job)

    def _on_job_done(self, result: CachedImage | None) -> None:
        self._job = None
        if result is not None and (self.current is None or result.serial > self.current.serial):
            self._retire(self.current)
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
        result = render_static(self._stack, layers, target, dpr, theme, self.version, self._serial, self._buffers)
        self._retire(self.current)
        self.current = result
        self.rebuilds += 1
        return self.current

    def _retire(self, old: CachedImage | None) -> None:
        """The image no longer shown becomes the next rebuild's canvas (UI thread:
        nothing paints the old image after this point)."""
        if old is not None:
            image = old.image
            object.__setattr__(old, "image", QImage())    # drop our reference so it is not shared
            self._buffers.give_back(image=image)

    def wait(self) -> None:
        """Block until the worker is idle (shutdown and tests)."""
        self._pool.waitForDone()
