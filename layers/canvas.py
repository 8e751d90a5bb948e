"""MapCanvas: the one map widget of the command centre.

Metric coordinates (the city's projected metres), wheel zoom about the cursor,
drag pan, keyboard pan/zoom, fractional zoom, HiDPI. Each frame blits the
cached static image (rebuilt off the UI thread, see cache.py) and draws the
dynamic layers on top in batches; a frame therefore costs the same whether the
city has 2,000 roads or 200,000.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from commandmap.domain.snapshot import CityStatic, OperationSnapshot

from .bands import BandRecorder, use_bands
from .base import Feature, Layer, RenderContext
from .cache import CachedImage, StaticCache
from .decorations import DecorationCache
from .i18n import language
from .labels import LabelPlacer
from .stack import LayerStack
from .themes import WORKSTATION, Theme, qcolor
from .underlay import Underlay, paint_underlay
from .viewport import Viewport

WHEEL_STEP = 2 ** 0.5          # zoom per wheel notch (fractional zoom: touchpads send less)
KEY_ZOOM = 2 ** 0.5
KEY_PAN_FRACTION = 1 / 6
CLICK_SLOP_PX = 4
PICK_RADIUS_PX = 6.0
ZOOM_SETTLE_MS = 110           # rebuild the cache once the wheel stops turning
ANIMATION_MS = 50             # 20 fps for the P1 pulse: smooth enough, light on the CPU


class MapCanvas(QWidget):
    sig_feature_selected = Signal(object)
    """The user picked a feature (`layers.base.Feature`) or cleared the selection (None)."""
    sig_view_changed = Signal(object)
    """The view (`Viewport`) changed: pan, zoom or resize."""
    sig_cursor_moved = Signal(float, float)
    """World coordinates (metres) under the mouse."""
    sig_cache_rebuilt = Signal(float)
    """A static-layer cache rebuild finished (argument: build time in ms)."""

    def __init__(self, parent: QWidget | None = None, theme: Theme = WORKSTATION,
                 stack: LayerStack | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self.stack = stack if stack is not None else LayerStack()
        self.stack.add_listener(self._on_layer_changed)
        self._theme = theme
        self._view = Viewport(0.0, 0.0, 10.0, max(1, self.width()), max(1, self.height()))
        self._home_extent: tuple[float, float, float, float] | None = None
        self._at_home = False      # showing the whole city: keep fitting it as the window resizes
        self._cache = StaticCache(self.stack, self)
        self._cache.sig_ready.connect(self._on_cache_ready)
        self._rebuild_timer = QTimer(self)
        self._rebuild_timer.setSingleShot(True)
        self._rebuild_timer.timeout.connect(self._request_rebuild)
        self._anim_timer = QTimer(self)
        self._anim_timer.setInterval(ANIMATION_MS)
        self._anim_timer.timeout.connect(self.update)
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self.update)
        self._clock_timer.start()
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(180)
        self._hover_timer.timeout.connect(self._on_hover_timeout)
        self._hover_pos: QPointF | None = None
        self._press_pos: QPointF | None = None
        self._press_view: Viewport | None = None
        self._dragging = False
        self.show_decorations = True
        self.show_clock = True
        self.clock_source: Callable[[], float] = time.time
        self.last_frame_ms = 0.0
        self.last_frame_snapshot: OperationSnapshot | None = None   # what the last frame showed
        self._decorations = DecorationCache()
        self._label_base: tuple[CachedImage, LabelPlacer] | None = None   # static names of the cached image
        self.banding = True        # large frames may be painted band by band (bands.py): same picture
        self.underlay = True       # reuse the bottom dynamic layers while the snapshot stays (underlay.py)
        self._underlay = Underlay(self)
        self._underlay.sig_ready.connect(self.update)

    # --- properties ---------------------------------------------------------
    @property
    def view(self) -> Viewport:
        return self._view

    @property
    def theme(self) -> Theme:
        return self._theme

    @property
    def cache(self) -> StaticCache:
        return self._cache

    @property
    def selected(self) -> Feature | None:
        return self.stack.selection.feature

    def dpr(self) -> float:
        return float(self.devicePixelRatioF())

    def layer(self, name: str) -> Layer:
        return self.stack[name]

    def set_theme(self, theme: Theme) -> None:
        if theme is self._theme:
            return
        self._theme = theme
        self._cache.invalidate()
        self._schedule_rebuild(0)
        self.update()

    # --- data -------------------------------------------------------------------
    def set_city(self, city: CityStatic, fit: bool = True) -> None:
        self.stack.set_city(city)
        self._home_extent = city.bounds
        if fit:
            self.zoom_to_extent()

    def set_snapshot(self, snapshot: OperationSnapshot) -> None:
        if self.stack.set_snapshot(snapshot):
            self._cache.invalidate()
            self._schedule_rebuild(0)
        self._sync_animation()
        self.update()

    # --- view -----------------------------------------------------------------------
    def set_view(self, view: Viewport) -> None:
        self._at_home = False
        self._set_view(view)

    def _set_view(self, view: Viewport) -> None:
        old = self._view
        if view == old:
            return
        self._view = view
        if not self._cache.is_current(view, self.dpr(), self._theme):
            zooming = abs(view.m_per_px - old.m_per_px) > 1e-12 * old.m_per_px
            self._schedule_rebuild(ZOOM_SETTLE_MS if zooming else 0)
        self._sync_animation()
        self.sig_view_changed.emit(view)
        self.update()

    def zoom_to_extent(self, extent: tuple[float, float, float, float] | None = None) -> None:
        """Fit `extent` (default: the whole city) in the widget."""
        home = extent is None
        extent = extent or self._home_extent
        if extent is None:
            return
        self._set_view(Viewport.fit(extent, max(1, self.width()), max(1, self.height()), pad_frac=0.02))
        self._at_home = home

    def zoom_by(self, factor: float, anchor: QPointF | tuple[float, float] | None = None) -> None:
        if isinstance(anchor, QPointF):
            anchor = (anchor.x(), anchor.y())
        self.set_view(self._view.zoomed(factor, anchor))

    def pan_by(self, dx_px: float, dy_px: float) -> None:
        self.set_view(self._view.panned(dx_px, dy_px))

    def center_on(self, x: float, y: float, m_per_px: float | None = None) -> None:
        self.set_view(self._view.centred_on(x, y, m_per_px))

    def world_to_screen(self, x: float, y: float) -> QPointF:
        sx, sy = self._view.screen_point(x, y)
        return QPointF(sx, sy)

    def screen_to_world(self, pos: QPointF | QPoint) -> tuple[float, float]:
        return self._view.world_point(float(pos.x()), float(pos.y()))

    # --- selection ---------------------------------------------------------------------
    def feature_at(self, pos: QPointF | QPoint, radius_px: float = PICK_RADIUS_PX) -> Feature | None:
        x, y = self.screen_to_world(pos)
        return self.stack.hit_test(self._view, self._theme, x, y, radius_px)

    def select(self, feature: Feature | None) -> None:
        self.stack.selection.select(feature)
        self.sig_feature_selected.emit(feature)

    # --- cache -----------------------------------------------------------------------------
    def cache_is_current(self) -> bool:
        return self._cache.is_current(self._view, self.dpr(), self._theme)

    def _schedule_rebuild(self, delay_ms: int) -> None:
        if delay_ms == 0 and self._rebuild_timer.isActive() and self._rebuild_timer.interval() > 0:
            return   # a zoom is still settling; its timer will rebuild for the final view
        self._rebuild_timer.start(delay_ms)

    def _request_rebuild(self) -> None:
        if not self.cache_is_current():
            self._cache.request(self._view, self.dpr(), self._theme)

    def _on_cache_ready(self, build_ms: float) -> None:
        self.sig_cache_rebuilt.emit(build_ms)
        if not self.cache_is_current() and not self._cache.busy and not self._rebuild_timer.isActive():
            self._schedule_rebuild(0)
        self.update()

    def _on_layer_changed(self, layer: Layer, static: bool) -> None:
        if static:
            self._cache.invalidate()
            self._schedule_rebuild(0)
        self._sync_animation()
        self.update()

    def _sync_animation(self) -> None:
        want = self.stack.animating(self._view)
        if want and not self._anim_timer.isActive():
            self._anim_timer.start()
        elif not want and self._anim_timer.isActive():
            self._anim_timer.stop()

    # --- painting ---------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        painter = QPainter(self)
        try:
            self.render_frame(painter)
        finally:
            painter.end()

    def render_frame(self, painter: QPainter, time_s: float | None = None) -> None:
        """One frame: cached static image, dynamic layers, decorations."""
        t0 = time.perf_counter()
        view = self._view
        theme = self._theme
        now = self.clock_source() if time_s is None else time_s
        dpr = self.dpr()
        ctx = RenderContext(view=view, theme=theme, time_s=now, dpr=dpr)
        self._reserve_static_labels(ctx)
        under = self._underlay_for(ctx) if self.underlay else None
        if under is not None:
            image, rest = under
            assert self._cache.current is not None
            self._blit(painter, image, self._cache.current)
            self.stack.paint_dynamic(painter, ctx, rest)
            self.draw_cached_labels(painter)
        elif self.banding and self.stack.wants_bands(view) and \
                use_bands(painter, round(view.width * dpr), round(view.height * dpr), dpr):
            self._render_banded(painter, ctx)
        else:
            self._paint_background(painter)
            self.stack.paint_dynamic(painter, ctx)
            self.draw_cached_labels(painter)
        if self.show_decorations:
            self._decorations.paint(painter, view, theme, now, clock=self.show_clock, dpr=dpr)
        self.last_frame_ms = (time.perf_counter() - t0) * 1000.0
        self.last_frame_snapshot = self.stack.snapshot

    def _paint_background(self, painter: QPainter) -> None:
        if not self._cache_covers_view():
            painter.fillRect(QRectF(0, 0, self._view.width, self._view.height), qcolor(self._theme.background))
        self.draw_cached(painter)

    def _underlay_plan(self) -> tuple[Hashable, CachedImage, list[Layer], list[Layer]] | None:
        """(key, cached image, layers an underlay holds, layers still to paint) when
        this frame could use an underlay (underlay.py)."""
        c = self._cache.current
        if c is None or not self._on_cache_pixels(c):
            return None
        todo = [lyr for lyr in self.stack.layers if not lyr.static and lyr.visible]
        keys = []
        for lyr in todo:
            k = lyr.frame_key(c.view)         # over the whole cached extent, margin included
            if k is None:
                break
            keys.append((lyr.name, lyr.z, k))
        if not keys:
            return None
        # dynamic layers draw translated text (fix ages, ETAs), so the language is part of the key
        key = (c.serial, c.version, c.theme, c.dpr, c.view.m_per_px, language(), tuple(keys))
        return key, c, todo[:len(keys)], todo[len(keys):]

    def _underlay_for(self, ctx: RenderContext) -> tuple[QImage, list[Layer]] | None:
        """The underlay for this frame and the layers still to paint, when there is
        one; asks the worker for one when frames in a row could have used it."""
        plan = self._underlay_plan()
        if plan is None:
            self._underlay.want(None, None)  # type: ignore[arg-type]
            return None
        key, c, below, rest = plan
        image = self._underlay.image_for(key)
        if image is not None:
            return image, rest
        labels = LabelPlacer(c.view.width, c.view.height, base=self._static_label_base(c))
        self._underlay.want(key, lambda spare: self._underlay.job(key, c, below, self.stack.paint_dynamic, ctx,
                                                                 labels, spare))
        return None

    def paint_underlay_now(self, time_s: float | None = None) -> QImage | None:
        """Paint the underlay for the current view on this thread and return it (not
        kept): what the worker does, for benchmarks and exports. None when the view
        cannot have one."""
        plan = self._underlay_plan()
        if plan is None:
            return None
        _, c, below, _ = plan
        now = self.clock_source() if time_s is None else time_s
        ctx = RenderContext(view=self._view, theme=self._theme, time_s=now, dpr=self.dpr())
        labels = LabelPlacer(c.view.width, c.view.height, base=self._static_label_base(c))
        return paint_underlay(c, below, self.stack.paint_dynamic, ctx, labels)

    def _on_cache_pixels(self, c: CachedImage) -> bool:
        """The view shows the cached image at its own scale, shifted by whole device pixels."""
        if abs(c.view.m_per_px - self._view.m_per_px) > 1e-9 * self._view.m_per_px or not self._cache_covers_view():
            return False
        x0, _, _, y1 = c.view.extent
        sx0, sy0 = self._view.screen_point(x0, y1)
        d = self.dpr()
        return abs(sx0 * d - round(sx0 * d)) < 1e-6 and abs(sy0 * d - round(sy0 * d)) < 1e-6

    def _render_banded(self, painter: QPainter, ctx: RenderContext) -> None:
        """Cached image, the band-safe dynamic layers (and the static names when
        every dynamic layer is band-safe) painted band by band: see bands.py."""
        banded, rest = self.stack.banded_dynamic()
        rec = BandRecorder()
        self.stack.paint_dynamic(rec, ctx, banded)  # type: ignore[arg-type]  # duck-typed painter
        if not rest:
            self.draw_cached_labels(rec)  # type: ignore[arg-type]
        rec.replay(painter, self._view.width, self._view.height, ctx.dpr, self._paint_background)
        if rest:
            self.stack.paint_dynamic(painter, ctx, rest)
            self.draw_cached_labels(painter)

    def _cache_covers_view(self) -> bool:
        c = self._cache.current
        if c is None:
            return False
        x0, y0, x1, y1 = c.view.extent
        v0, w0, v1, w1 = self._view.extent
        return x0 <= v0 and y0 <= w0 and x1 >= v1 and y1 >= w1

    def draw_cached(self, painter: QPainter) -> None:
        c = self._cache.current
        if c is None:
            return
        same_scale = abs(c.view.m_per_px - self._view.m_per_px) <= 1e-9 * self._view.m_per_px
        if same_scale:
            self._blit(painter, c.image, c)
        else:
            x0, y0, x1, y1 = c.view.extent
            sx0, sy0 = self._view.screen_point(x0, y1)
            sx1, sy1 = self._view.screen_point(x1, y0)
            painter.drawImage(QRectF(sx0, sy0, sx1 - sx0, sy1 - sy0), c.image)

    def _blit(self, painter: QPainter, image: QImage, c: CachedImage) -> None:
        """`image` (the cached image, or the underlay made from it) at the cache's place,
        snapped to device pixels so the blit is a plain copy, not a resample."""
        x0, _, _, y1 = c.view.extent
        sx0, sy0 = self._view.screen_point(x0, y1)
        d = self.dpr()
        at = QPointF(round(sx0 * d) / d, round(sy0 * d) / d)
        if c.opaque:   # every pixel replaces the one below: a copy, no blending arithmetic
            mode = painter.compositionMode()
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
            painter.drawImage(at, image)
            painter.setCompositionMode(mode)
        else:
            painter.drawImage(at, image)

    def _reserve_static_labels(self, ctx: RenderContext) -> None:
        """Badges and ETA boxes keep clear of the street and area names."""
        c = self._cache.current
        if c is None or not c.labels or abs(c.view.m_per_px - self._view.m_per_px) > 1e-9 * self._view.m_per_px:
            return
        x0, _, _, y1 = c.view.extent
        ox, oy = self._view.screen_point(x0, y1)
        ctx.labels = LabelPlacer(self._view.width, self._view.height, base=self._static_label_base(c),
                                 base_offset=(ox, oy))

    def _static_label_base(self, c: CachedImage) -> LabelPlacer:
        """The static names of a cached image as taken label space, in its own coordinates
        (made once per image)."""
        held = self._label_base
        if held is None or held[0] is not c:
            base = LabelPlacer(c.view.width, c.view.height)
            for stamp in c.labels:
                base.take(stamp.rect.adjusted(4, 4, -4, -4))
            held = self._label_base = (c, base)
        return held[1]

    def draw_cached_labels(self, painter: QPainter) -> None:
        """Static names above the moving markers, from stamps cut at rebuild time."""
        c = self._cache.current
        if c is None or not c.labels:
            return
        x0, _, _, y1 = c.view.extent
        ox, oy = self._view.screen_point(x0, y1)
        k = c.view.m_per_px / self._view.m_per_px
        if abs(k - 1.0) <= 1e-9:
            d = self.dpr()
            ox = round(ox * d) / d
            oy = round(oy * d) / d
            for stamp in c.labels:
                painter.drawImage(QPointF(ox + stamp.rect.x(), oy + stamp.rect.y()), stamp.image)
            return
        for stamp in c.labels:   # zooming: labels follow their anchor, keep their size
            r = stamp.rect
            cx = ox + (r.x() + r.width() / 2) * k
            cy = oy + (r.y() + r.height() / 2) * k
            painter.drawImage(QPointF(cx - r.width() / 2, cy - r.height() / 2), stamp.image)

    # --- events -----------------------------------------------------------------------------
    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        """The map's texts (legends, labels, clock) are translated when painted: repaint."""
        QToolTip.hideText()
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        if self._at_home:
            self.zoom_to_extent()
        else:
            self._set_view(self._view.resized(event.size().width(), event.size().height()))
        super().resizeEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120.0
        if steps == 0:
            return
        self.zoom_by(WHEEL_STEP ** steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position()
            self._press_view = self._view
            self._dragging = False
            QToolTip.hideText()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        pos = event.position()
        x, y = self.screen_to_world(pos)
        self.sig_cursor_moved.emit(x, y)
        if self._press_pos is not None and self._press_view is not None and event.buttons() & Qt.MouseButton.LeftButton:
            d = pos - self._press_pos
            if self._dragging or abs(d.x()) + abs(d.y()) > CLICK_SLOP_PX:
                self._dragging = True
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                self.set_view(self._press_view.panned(round(d.x()), round(d.y())))
            return
        self._hover_pos = pos
        self._hover_timer.start()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() != Qt.MouseButton.LeftButton or self._press_pos is None:
            return
        was_drag = self._dragging
        self._press_pos = None
        self._dragging = False
        self.unsetCursor()
        if was_drag:
            return
        feature = self.feature_at(event.position())
        if feature is not None and feature.kind == "cluster":
            self.zoom_by(2.5, self.world_to_screen(feature.x, feature.y))
            return
        self.select(feature)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.zoom_by(2.0, event.position())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        k = Qt.Key
        if key in (k.Key_Plus, k.Key_Equal):
            self.zoom_by(KEY_ZOOM)
        elif key in (k.Key_Minus, k.Key_Underscore):
            self.zoom_by(1 / KEY_ZOOM)
        elif key == k.Key_Left:
            self.pan_by(round(self.width() * KEY_PAN_FRACTION), 0)
        elif key == k.Key_Right:
            self.pan_by(-round(self.width() * KEY_PAN_FRACTION), 0)
        elif key == k.Key_Up:
            self.pan_by(0, round(self.height() * KEY_PAN_FRACTION))
        elif key == k.Key_Down:
            self.pan_by(0, -round(self.height() * KEY_PAN_FRACTION))
        elif key == k.Key_Home:
            self.zoom_to_extent()
        elif key == k.Key_Escape:
            self.select(None)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _on_hover_timeout(self) -> None:
        pos = self._hover_pos
        if pos is None:
            return
        feature = self.feature_at(pos)
        if feature is None or feature.kind in ("district", "town", "grid"):
            QToolTip.hideText()
            self.setToolTip("")
            return
        text = feature.tooltip()
        self.setToolTip(text)
        QToolTip.showText(self.mapToGlobal(pos.toPoint()), text, self)

    def wait_workers(self) -> None:
        """Block until the static-cache and underlay workers are idle (shutdown, tests, benchmarks)."""
        self._cache.wait()
        self._underlay.wait()

    @property
    def underlay_builds(self) -> int:
        """How many underlays (underlay.py) the worker has painted so far."""
        return self._underlay.builds

    def closeEvent(self, event) -> None:  # noqa: N802
        self.wait_workers()
        super().closeEvent(event)
