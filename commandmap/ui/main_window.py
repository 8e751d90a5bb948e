"""The main window: the live map, its layer panel, and a status bar.

Kept thin on purpose: the map is `layers.canvas.MapCanvas`, data arrive from
a `LiveFeed`, and later docks (dispatch, incident list, charts) attach here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QToolBar, QWidget

from layers.base import Feature
from layers.canvas import MapCanvas
from layers.i18n import tr
from layers.render import render_image, render_pdf
from layers.themes import Theme, get_theme
from layers.viewport import Viewport

from ..domain.snapshot import CityStatic, OperationSnapshot
from ..paths import resources_dir
from .layer_panel import LayerPanel
from .live_feed import LiveFeed
from .theme import apply_theme

EXPORT_SIZE = (7680, 4320)


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


class MainWindow(QMainWindow):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowTitle(tr("指挥一张图 · CommandMap", "CommandMap · 指挥一张图"))
        self.setWindowIcon(icon("app"))
        self.canvas = MapCanvas(self, theme=theme)
        self.canvas.setObjectName("MapCanvas")
        self.setCentralWidget(self.canvas)
        self.layer_panel = LayerPanel(self.canvas)
        self.layer_dock = QDockWidget(tr("图层", "Layers"), self)
        self.layer_dock.setObjectName("LayerDock")
        self.layer_dock.setWidget(self.layer_panel)
        self.layer_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                    | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.layer_dock)
        self.resizeDocks([self.layer_dock], [int(theme.font_ui_px * 17)], Qt.Orientation.Horizontal)
        self._crs: str | None = None
        self.prepared: Any = None            # launch.Prepared: engine, city, live state
        self.live_feed: LiveFeed | None = None
        self._feed: LiveFeed | None = None
        self._on_close: list[Callable[[], None]] = []
        self._build_status_bar()
        self._build_toolbar()
        self.canvas.sig_cursor_moved.connect(self._on_canvas_cursor_moved)
        self.canvas.sig_view_changed.connect(self._on_canvas_view_changed)
        self.canvas.sig_feature_selected.connect(self._on_canvas_feature_selected)

    # --- construction -----------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_selection = QLabel(tr("点击地图选择队员、事件或执法对象", "Click the map to pick an officer, incident or site"))
        self.status_live = QLabel(tr("实时数据：未连接", "Live data: not connected"))
        self.status_scale = QLabel("")
        self.status_cursor = QLabel("")
        for w in (self.status_live, self.status_scale, self.status_cursor):
            w.setObjectName("StatusField")
        bar.addWidget(self.status_selection, 1)
        bar.addPermanentWidget(self.status_live)
        bar.addPermanentWidget(self.status_scale)
        bar.addPermanentWidget(self.status_cursor)

    def _action(self, name: str, text: str, slot, shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,  # type: ignore[no-untyped-def]
                checkable: bool = False) -> QAction:
        act = QAction(icon(name), text, self)
        act.setObjectName(f"action_{name}")
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_toolbar(self) -> None:
        tb = QToolBar(tr("地图", "Map"), self)
        tb.setObjectName("MapToolBar")
        tb.setIconSize(QSize(24, 24))
        tb.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.act_zoom_in = self._action("zoom-in", tr("放大", "Zoom in"), lambda: self.canvas.zoom_by(2 ** 0.5))
        self.act_zoom_out = self._action("zoom-out", tr("缩小", "Zoom out"),
                                         lambda: self.canvas.zoom_by(2 ** -0.5))
        self.act_home = self._action("home", tr("全市", "Whole city"), lambda: self.canvas.zoom_to_extent())
        self.act_layers = self.layer_dock.toggleViewAction()
        self.act_layers.setIcon(icon("layers"))
        self.act_layers.setText(tr("图层", "Layers"))
        self.act_wall = self._action("wall", tr("大屏模式", "Wall mode"), self._on_wall_toggled, "F10", True)
        self.act_wall.setChecked(self.canvas.theme.name == "wall")
        self.act_fullscreen = self._action("fullscreen", tr("全屏", "Full screen"), self._on_fullscreen_toggled,
                                           QKeySequence.StandardKey.FullScreen, True)
        self.act_export = self._action("export", tr("导出地图", "Export map"), self._on_export_triggered,
                                       QKeySequence("Ctrl+E"))
        for act in (self.act_zoom_in, self.act_zoom_out, self.act_home, self.act_layers, self.act_wall,
                    self.act_fullscreen, self.act_export):
            tb.addAction(act)

    # --- data --------------------------------------------------------------------------
    def set_city(self, city: CityStatic) -> None:
        self._crs = city.crs
        self.canvas.set_city(city)
        self.layer_panel.rebuild()      # site categories come with the city

    def attach_feed(self, feed: LiveFeed) -> None:
        self._feed = feed
        feed.sig_snapshot.connect(self._on_feed_snapshot)
        feed.sig_error.connect(self._on_feed_error)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Run `fn` when the window closes (stop feeds and threads)."""
        self._on_close.append(fn)

    # --- slots ---------------------------------------------------------------------------
    def _on_feed_snapshot(self, snap: OperationSnapshot) -> None:
        self.canvas.set_snapshot(snap)
        o, i = snap.officers, snap.incidents
        on_map = int(np.isfinite(o.xy).all(axis=1).sum())
        stale = int(o.stale.sum())
        open_inc = int(np.isin(i.status, (0, 1, 2, 3)).sum())
        self.status_live.setText(tr(f"实时 · 队员 {on_map:,}（定位过期 {stale:,}）· 事件 {open_inc:,}",
                                    f"Live · officers {on_map:,} ({stale:,} stale) · incidents {open_inc:,}"))

    def _on_feed_error(self, message: str) -> None:
        self.status_live.setText(tr("实时数据中断：", "Live data interrupted: ") + message[:80])

    def _on_canvas_cursor_moved(self, x: float, y: float) -> None:
        if self._crs is None:
            return
        from ..services.projection import xy_to_lonlat
        lon, lat = xy_to_lonlat(np.array([[x, y]]), self._crs)[0]
        if math.isfinite(lon) and math.isfinite(lat):
            self.status_cursor.setText(f"{lon:.5f}°E  {lat:.5f}°N")

    def _on_canvas_view_changed(self, view: Viewport) -> None:
        dpi = self.logicalDpiX() or 96
        denominator = view.m_per_px / (0.0254 / dpi)
        self.status_scale.setText(tr(f"比例尺 1:{_round_scale(denominator):,}", f"Scale 1:{_round_scale(denominator):,}"))

    def _on_canvas_feature_selected(self, feature: Feature | None) -> None:
        if feature is None:
            self.status_selection.setText(tr("未选择", "Nothing selected"))
            return
        extras = " · ".join(f"{k} {v}" for k, v in feature.props.items())
        self.status_selection.setText(f"{feature.label}   {extras}".strip())

    def _on_wall_toggled(self, checked: bool) -> None:
        self.set_theme("wall" if checked else "workstation")

    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        theme = apply_theme(app, name) if isinstance(app, QApplication) else get_theme(name)
        self.canvas.set_theme(theme)
        self.layer_panel.rebuild()
        self.act_wall.setChecked(name == "wall")

    def _on_fullscreen_toggled(self, checked: bool) -> None:
        self.showFullScreen() if checked else self.showNormal()

    def _on_export_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("导出地图", "Export map"), str(Path.home() / "commandmap.png"),
                                              tr("PNG 图片 (*.png);;PDF 矢量 (*.pdf)", "PNG image (*.png);;PDF vector (*.pdf)"))
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> Path:
        """The current view as an 8K PNG or an A3 vector PDF (by extension)."""
        path = Path(path)
        if path.suffix.lower() == ".pdf":
            return render_pdf(self.canvas, path)
        image = render_image(self.canvas, width=EXPORT_SIZE[0], height=EXPORT_SIZE[1])
        if not image.save(str(path)):
            raise OSError(f"cannot write {path}")
        return path

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self._feed is not None:
            self._feed.stop()
        for fn in self._on_close:
            try:
                fn()
            except Exception:  # closing must always finish
                pass
        self.canvas.cache.wait()
        super().closeEvent(event)


def _round_scale(denominator: float) -> int:
    if not math.isfinite(denominator) or denominator <= 0:
        return 0
    mag = 10 ** max(0, int(math.log10(denominator)) - 1)
    return int(round(denominator / mag) * mag)
