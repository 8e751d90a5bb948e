"""The cached static image with the bottom dynamic layers already painted on it.

While the user drags the map, the snapshot does not change between frames (it
changes a few times a second at most), so the routes and the 25,000 officers
below the incidents paint exactly the same pixels as in the previous frame,
shifted by whole pixels. So once a few frames in a row show the same snapshot
(FRAMES_BEFORE_BUILD: a drag, not a tick or two of pulse animation), a worker
thread paints those layers onto a copy of the cached static image
(its whole extent, margin included); from then on, while the snapshot, the
scale and the layers stay the same, a pan frame is a blit plus the few layers
above (incidents, selection, names). Frames painted before the copy is ready
are painted in full, so no frame waits for it, and a frame for a new snapshot
never pays for it.

Only layers that say what their drawing depends on take part (`Layer.frame_key`:
no labels that compete for space near the screen edges, no animation), and
only while the view sits on whole pixels of the cached image. A single route
preview's ETA box is placed here against the static names as on screen; off
screen it lands in the margin, where nothing sees it.

Layers are plain objects read by both threads. An update while a copy is being
painted changes the layers' keys, so a copy painted from half-old data is never
shown (and an exception from such a race just drops the copy).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable

from PySide6.QtCore import QObject, QPointF, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QImage, QPainter

from .base import Layer, RenderContext
from .cache import CachedImage
from .labels import LabelPlacer

log = logging.getLogger(__name__)

PaintDynamic = Callable[[QPainter, RenderContext, list[Layer]], None]
FRAMES_BEFORE_BUILD = 3      # frames in a row that could use one before a worker paints it


class _Emitter(QObject):
    sig_done = Signal(object, object, float)     # key, QImage or None, build ms


class _Job(QRunnable):
    def __init__(self, key: Hashable, cache: CachedImage, layers: list[Layer], paint: PaintDynamic,
                 ctx: RenderContext, labels: LabelPlacer, target: QImage | None, emitter: _Emitter) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._args = (key, cache, layers, paint, ctx, labels, target)
        self._emitter = emitter

    def run(self) -> None:
        key = self._args[0]
        t0 = time.perf_counter()
        try:
            image = paint_underlay(*self._args[1:])
        except Exception:   # a layer updated under us (the copy would be dropped anyway), or a bug
            log.debug("underlay not made", exc_info=True)
            image = None
        self._emitter.sig_done.emit(key, image, (time.perf_counter() - t0) * 1000.0)


def paint_underlay(cache: CachedImage, layers: list[Layer], paint: PaintDynamic, ctx: RenderContext,
                   labels: LabelPlacer, target: QImage | None = None) -> QImage:
    """A copy of the cached image with `layers` painted on it at the cache's own view
    (any thread). `labels` holds the static names: a box placed here keeps clear of them."""
    src = cache.image
    img = target if target is not None and target.size() == src.size() else \
        QImage(src.size(), QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(src.devicePixelRatio())
    p = QPainter(img)
    try:
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        p.drawImage(QPointF(0, 0), src)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        paint(p, RenderContext(view=cache.view, theme=ctx.theme, time_s=ctx.time_s, dpr=ctx.dpr, labels=labels),
              layers)
    finally:
        p.end()
    return img


class Underlay(QObject):
    """One underlay image, the key of what is painted on it, and its worker (UI thread API)."""

    sig_ready = Signal()
    """A new underlay image is available."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._key: Hashable | None = None
        self._image: QImage | None = None
        self._spare: QImage | None = None         # the image no longer shown: the next copy's memory
        self._seen: Hashable | None = None       # key of the last frame that could have used one
        self._seen_frames = 0                    # frames in a row with that key
        self._busy: Hashable | None = None       # key being painted by the worker
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        # a child made after the pool: on deletion the pool first waits for its job, then a
        # result still queued for the emitter is discarded with it (never delivered to a dead map)
        self._emitter = _Emitter(self)
        self._emitter.sig_done.connect(self._on_done)
        self.builds = 0
        self.last_build_ms = 0.0

    def image_for(self, key: Hashable | None) -> QImage | None:
        """The underlay painted for `key`, if there is one."""
        if key is not None and self._image is not None and key == self._key:
            return self._image
        return None

    def want(self, key: Hashable | None, start: Callable[[QImage | None], _Job]) -> None:
        """Note that a frame could have used an underlay for `key`; on the
        FRAMES_BEFORE_BUILD-th such frame in a row, start painting one (`start` makes
        the job, given spare memory)."""
        if key is None:
            self._seen, self._seen_frames = None, 0
            return
        if key == self._key:
            return
        if key != self._seen:
            self._seen, self._seen_frames = key, 1
        else:
            self._seen_frames += 1
        if self._seen_frames < FRAMES_BEFORE_BUILD or self._busy is not None:
            return                                # one at a time; the next frame asks again
        self._busy = key
        spare, self._spare = self._spare, None
        self._pool.start(start(spare))

    def job(self, key: Hashable, cache: CachedImage, layers: list[Layer], paint: PaintDynamic, ctx: RenderContext,
            labels: LabelPlacer, target: QImage | None) -> _Job:
        return _Job(key, cache, layers, paint, ctx, labels, target, self._emitter)

    def _on_done(self, key: Hashable, image: QImage | None, build_ms: float) -> None:
        self._busy = None
        if image is None:
            return
        if self._image is not None:
            self._spare = self._image
        self._image, self._key = image, key
        self.builds += 1
        self.last_build_ms = build_ms
        self.sig_ready.emit()

    def wait(self) -> None:
        """Block until the worker is idle (shutdown, tests, benchmarks)."""
        self._pool.waitForDone()
