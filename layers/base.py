"""What every map layer is: data in through `update`, pixels out through `paint`.

A layer is a plain Python object (not a QObject) so the static-cache worker
thread can paint it without thread-affinity rules. Layers announce changes to
their listeners (the canvas), saying whether the static cache is affected.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QRectF
from PySide6.QtGui import QPainter

from commandmap.domain.snapshot import CityStatic, OperationSnapshot

from .i18n import QT_TRANSLATE_NOOP
from .labels import LabelPlacer
from .themes import Theme
from .viewport import Viewport


@dataclass
class RenderContext:
    """Everything a layer needs to paint one image of the map."""

    view: Viewport
    theme: Theme
    time_s: float = 0.0
    dpr: float = 1.0             # device pixels per logical pixel (sprites are built at this ratio)
    vector: bool = False         # PDF: draw markers as paths, not sprites
    labels: LabelPlacer = None  # type: ignore[assignment]  # made for the view in __post_init__

    def __post_init__(self) -> None:
        if self.labels is None:
            self.labels = LabelPlacer(self.view.width, self.view.height)

    @property
    def m_per_px(self) -> float:
        return self.view.m_per_px

    def px(self, value: float) -> float:
        """A stroke width scaled for the theme (the wall draws thicker)."""
        return value * self.theme.stroke_scale


@dataclass(frozen=True)
class Feature:
    """One thing on the map the user picked or hovers."""

    layer: str               # layer name, e.g. "officers"
    kind: str                # officer / incident / site / cluster / grid / town / district / route
    id: int
    index: int               # row in the layer's arrays at pick time
    x: float                 # world metres
    y: float
    label: str               # one line for the status bar / tooltip title
    props: Mapping[str, Any] = field(default_factory=dict)
    distance_px: float = 0.0

    def tooltip(self) -> str:
        lines = [self.label]
        lines += [f"{k}: {v}" for k, v in self.props.items()]
        return "\n".join(lines)


@dataclass(frozen=True)
class LegendEntry:
    label: str
    draw: Callable[[QPainter, QRectF], None]   # paints the swatch into the given rect


Listener = Callable[["Layer", bool], None]


class Layer:
    """Base of every map layer. Subclasses set `name`, `title_en`, `static`, `default_z`.

    `title_en` is the English source text, marked for lupdate in context "Layer"
    (`title_en = QT_TRANSLATE_NOOP("Layer", "Roads")`); `title` translates it when
    asked, so the panel shows the current language after a switch."""

    name = "layer"
    title_en = QT_TRANSLATE_NOOP("Layer", "Layer")
    static = False            # True: drawn into the cached image off the UI thread
    default_z = 0
    label_priority = 0        # labels are placed after all geometry, highest priority first
    band_safe = False         # paint() may be recorded and replayed band by band (see bands.py)

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        self._visible = visible
        self.z = self.default_z if z is None else z
        self._listeners: list[Listener] = []

    # --- change notification ---------------------------------------------
    def add_listener(self, fn: Listener) -> None:
        self._listeners.append(fn)

    def remove_listener(self, fn: Listener) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def changed(self) -> None:
        """Tell the canvas to repaint (and rebuild the cache for a static layer)."""
        for fn in list(self._listeners):
            fn(self, self.static)

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        value = bool(value)
        if value != self._visible:
            self._visible = value
            self.changed()

    @property
    def title(self) -> str:
        return QCoreApplication.translate("Layer", self.title_en)

    # --- data and drawing ----------------------------------------------------
    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        """Take new data; return True when what the layer draws changed.
        Layers ignore the kind of data they do not draw."""
        return False

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        raise NotImplementedError

    def paint_labels(self, painter: QPainter, ctx: RenderContext) -> None:
        """Names, drawn after every layer's geometry so no line covers a label."""

    def legend(self, theme: Theme) -> list[LegendEntry]:
        return []

    def hit_test(self, view: Viewport, theme: Theme, x: float, y: float, radius_px: float) -> Feature | None:
        """The feature of this layer nearest world point (x, y) within
        `radius_px` screen pixels at `view`'s scale (marker sizes come from
        `theme`), or None."""
        return None

    def animating(self, view: Viewport) -> bool:
        """True while the layer has something moving on screen (pulses)."""
        return False

    def frame_key(self, view: Viewport) -> Hashable | None:
        """What this layer's drawing over `view` depends on besides where the view is
        (e.g. a counter of its data updates), or None when it must be painted every
        frame (labels placed against the screen edges, animation). While the key stays
        the same the canvas may reuse the layer's pixels from an earlier frame
        (underlay.py). The theme, scale and pixel ratio are the canvas's part of the key."""
        return None

    def wants_bands(self, view: Viewport) -> bool:
        """True when this layer draws enough large sprites at `view` that a large frame
        is faster painted band by band (bands.py); small dots close together are not."""
        return False

    def locate(self, feature: Feature) -> tuple[float, float] | None:
        """Where `feature` is now (officers move); None when it is gone."""
        return (feature.x, feature.y)
