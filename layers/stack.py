"""The ordered set of layers of one map, and the two passes that paint them.

Static pass (roads, boundaries, sites…) → cached image, off the UI thread.
Dynamic pass (officers, incidents, routes, overlays) → every frame.
Both the canvas and exports paint through here, so they cannot drift apart.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterable

from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter

from commandmap.domain.snapshot import CityStatic, OperationSnapshot

from .admin import AdminLayer, DistrictLayer, GridLayer, TownLayer
from .base import Feature, Layer, RenderContext
from .basemap import BaseMapLayer
from .incidents import IncidentLayer
from .officers import OfficerLayer
from .rasters import CoverageLayer, HeatmapLayer
from .roads import RoadLayer
from .routes import RouteLayer
from .selection import SelectionLayer
from .sites import SiteLayer
from .themes import Theme, qcolor
from .viewport import Viewport

# which kinds win a click: markers before areas, most specific area first
HIT_PRIORITY = {"officers": 100, "incidents": 90, "sites": 80, "grids": 30, "towns": 20, "districts": 10}

Listener = Callable[[Layer, bool], None]


class LayerStack:
    def __init__(self, layers: Iterable[Layer] | None = None) -> None:
        self._layers: list[Layer] = []
        self._listeners: list[Callable[[], Listener | None]] = []   # see add_listener
        self.city: CityStatic | None = None
        self.snapshot: OperationSnapshot | None = None
        self.selection = SelectionLayer(self.find)
        for layer in (layers if layers is not None else default_layers()):
            self.add(layer)
        self.add(self.selection)

    # membership -----------------------------------------------------------
    def add(self, layer: Layer) -> None:
        if self.find(layer.name) is not None:
            raise ValueError(f"a layer named {layer.name!r} is already on the map")
        self._layers.append(layer)
        self._layers.sort(key=lambda lyr: lyr.z)
        layer.add_listener(self._on_layer_changed)
        if self.city is not None:
            layer.update(self.city)
        if self.snapshot is not None:
            layer.update(self.snapshot)

    def find(self, name: str) -> Layer | None:
        for layer in self._layers:
            if layer.name == name:
                return layer
        return None

    def __getitem__(self, name: str) -> Layer:
        layer = self.find(name)
        if layer is None:
            raise KeyError(f"no layer named {name!r}; layers: {', '.join(lyr.name for lyr in self._layers)}")
        return layer

    @property
    def layers(self) -> list[Layer]:
        return list(self._layers)

    def static_layers(self) -> list[Layer]:
        return [lyr for lyr in self._layers if lyr.static]

    def dynamic_layers(self) -> list[Layer]:
        return [lyr for lyr in self._layers if not lyr.static]

    # change notification ----------------------------------------------------
    def add_listener(self, fn: Listener) -> None:
        """Call `fn(layer, static)` when a layer changes. A bound method is held weakly:
        the canvas listens to its own stack, and a strong reference would make the pair a
        cycle that Python's garbage collector may free from any thread — deleting a Qt
        widget off the UI thread corrupts Qt's timers. Held weakly, a canvas is freed
        where its last reference goes."""
        if inspect.ismethod(fn):
            self._listeners.append(weakref.WeakMethod(fn))
        else:
            self._listeners.append(lambda: fn)

    def _on_layer_changed(self, layer: Layer, static: bool) -> None:
        for ref in list(self._listeners):
            fn = ref()
            if fn is None:
                self._listeners.remove(ref)
            else:
                fn(layer, static)

    # data -------------------------------------------------------------------------
    def set_city(self, city: CityStatic) -> None:
        self.city = city
        for layer in self._layers:
            layer.update(city)
        self._on_layer_changed(self._layers[0], True)

    def set_snapshot(self, snapshot: OperationSnapshot) -> bool:
        """Feed one tick to every layer; True when a static layer changed too."""
        self.snapshot = snapshot
        static_changed = False
        for layer in self._layers:
            if layer.update(snapshot) and layer.static:
                static_changed = True
        return static_changed

    # painting -------------------------------------------------------------------
    def paint_static(self, painter: QPainter, ctx: RenderContext, layers: list[Layer] | None = None,
                     labels: bool = True, background: bool = True) -> None:
        """Background and every visible static layer's geometry; then their
        labels unless `labels` is False (the cache keeps labels apart so they
        can be drawn above the moving markers)."""
        if background:
            painter.fillRect(QRectF(0, 0, ctx.view.width + 1, ctx.view.height + 1), qcolor(ctx.theme.background))
        todo = self._visible(layers)
        for layer in todo:
            painter.save()
            layer.paint(painter, ctx)
            painter.restore()
        if labels:
            self.paint_static_labels(painter, ctx, todo)

    def paint_static_labels(self, painter: QPainter, ctx: RenderContext, layers: list[Layer] | None = None) -> None:
        """Names of the static layers, most important first (they claim space in ctx.labels)."""
        for layer in sorted(self._visible(layers), key=lambda lyr: -lyr.label_priority):
            painter.save()
            layer.paint_labels(painter, ctx)
            painter.restore()

    def _visible(self, layers: list[Layer] | None) -> list[Layer]:
        return [lyr for lyr in (layers if layers is not None else self.static_layers()) if lyr.visible]

    def paint_dynamic(self, painter: QPainter, ctx: RenderContext, layers: list[Layer] | None = None) -> None:
        for layer in (self._layers if layers is None else layers):
            if layer.static or not layer.visible:
                continue
            painter.save()
            layer.paint(painter, ctx)
            painter.restore()

    def banded_dynamic(self) -> tuple[list[Layer], list[Layer]]:
        """The visible dynamic layers split in two, in z order: the bottom run
        that may be painted band by band, and the rest (from the first layer
        that may not)."""
        todo = [lyr for lyr in self._layers if not lyr.static and lyr.visible]
        k = 0
        while k < len(todo) and todo[k].band_safe:
            k += 1
        return todo[:k], todo[k:]

    def wants_bands(self, view: Viewport) -> bool:
        return any(lyr.visible and lyr.wants_bands(view) for lyr in self._layers)

    def animating(self, view: Viewport) -> bool:
        return any(lyr.visible and lyr.animating(view) for lyr in self._layers)

    # picking ----------------------------------------------------------------------
    def hit_test(self, view: Viewport, theme: Theme, x: float, y: float, radius_px: float = 6.0) -> Feature | None:
        """The feature a click at world (x, y) means: the nearest marker within
        `radius_px`, else the most specific visible area under the point."""
        best: tuple[float, int, Feature] | None = None
        for layer in self._layers:
            prio = HIT_PRIORITY.get(layer.name)
            if prio is None or prio < 50 or not layer.visible:
                continue
            f = layer.hit_test(view, theme, x, y, radius_px)
            if f is not None and (best is None or (f.distance_px, -prio) < (best[0], -best[1])):
                best = (f.distance_px, prio, f)
        if best is not None:
            return best[2]
        areas = [lyr for lyr in self._layers if HIT_PRIORITY.get(lyr.name, 100) < 50 and lyr.visible]
        for layer in sorted(areas, key=lambda lyr: -HIT_PRIORITY[lyr.name]):
            if isinstance(layer, AdminLayer) and view.m_per_px > layer.max_outline_m_per_px:
                continue
            f = layer.hit_test(view, theme, x, y, radius_px)
            if f is not None:
                return f
        return None


def default_layers() -> list[Layer]:
    """The layers of the command map, bottom to top."""
    return [BaseMapLayer(), RoadLayer(), GridLayer(), TownLayer(), DistrictLayer(), SiteLayer(),
            HeatmapLayer(visible=False), CoverageLayer(visible=False), RouteLayer(), IncidentLayer(),
            OfficerLayer()]
