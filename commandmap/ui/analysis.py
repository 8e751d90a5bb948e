"""The analyst's tools in the workstation: charts, replay and the heatmap window as docks,
and an Analysis menu with the data export (progress, cancel).

Installed by `MainWindow.attach` with one call, so the window's own code only
gains the hook that lets these tools change what the map shows
(`MainWindow.snapshot_overlays`) and the switch from live to replay.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMenu, QMessageBox

from ..domain.snapshot import OperationSnapshot, RasterGrid
from ..services.charts import chart_data
from ..services.exports.files import FORMATS, write_layers
from ..services.exports.tables import LAYERS, read_layers
from ..services.exports.window import TimeWindow
from ..services.heatmap import Density, IncidentHistory
from ..services.replay import ReplayHistory
from .access_guard import exported, permitted_export
from .charts_dock import ChartsPanel
from .export_task import run_cancellable
from .heatmap_panel import HeatmapPanel
from .map_picker import MapPointPicker
from .replay_dock import ReplayPanel


class Analysis:
    """The analysis docks of one window, wired to its store (`ctx`, an app.AppContext)."""

    def __init__(self, window: Any, ctx: Any) -> None:   # window: ui.main_window.MainWindow
        self.window, self.ctx = window, ctx
        self._history: IncidentHistory | None = None
        self._density: RasterGrid | None = None
        self.replaying = False
        self.charts = ChartsPanel(lambda w, d: chart_data(ctx.engine, w, d, now_s=ctx.live.now()),
                                  list(ctx.city.districts.names), window)
        self.replay = ReplayPanel(lambda a, b: ReplayHistory(ctx.engine, ctx.city.crs, a, b),
                                  lambda: (window.canvas.view.cx, window.canvas.view.cy), window)
        self.heatmap = HeatmapPanel(self._window_density, ctx.live.now, window)
        self.docks: list[QDockWidget] = []
        for name, widget, area in (("ChartsDock", self.charts, Qt.DockWidgetArea.BottomDockWidgetArea),
                                   ("ReplayDock", self.replay, Qt.DockWidgetArea.RightDockWidgetArea),
                                   ("HeatmapDock", self.heatmap, Qt.DockWidgetArea.RightDockWidgetArea)):
            dock = window._dock(name, widget, area)
            dock.hide()                      # analysis is on demand; the dispatcher's layout stays as it was
            self.docks.append(dock)
        self.charts_dock, self.replay_dock, self.heatmap_dock = self.docks
        self.charts_dock.setWindowTitle(QCoreApplication.translate("Analysis", "Charts"))
        self.replay_dock.setWindowTitle(QCoreApplication.translate("Analysis", "Replay"))
        self.heatmap_dock.setWindowTitle(QCoreApplication.translate("Analysis", "Heatmap window"))
        self.act_export_data = QAction(QCoreApplication.translate("Analysis", "Export data (GeoPackage, GeoJSON, CSV, HTML)…"), window)
        self.act_export_data.setObjectName("action_export_data")
        self.act_export_data.triggered.connect(self.export_data)
        self.menu = QMenu(QCoreApplication.translate("Analysis", "Analysis"), window)
        self.menu.setObjectName("menu_analysis")
        for dock in self.docks:
            self.menu.addAction(dock.toggleViewAction())
        self.menu.addSeparator()
        self.menu.addAction(self.act_export_data)
        window.menuBar().addMenu(self.menu)
        window.snapshot_overlays.append(self._overlay)
        self.replay.sig_active.connect(self._on_replay_active)
        self.replay.sig_snapshot.connect(self._on_replay_snapshot)
        self.replay.sig_follow.connect(lambda x, y: window.canvas.center_on(x, y))
        self.picker = MapPointPicker(window.canvas, window)
        self.replay.sig_pick_requested.connect(self._on_replay_pick_requested)
        self.picker.sig_picked.connect(self.replay.set_point)
        self.picker.sig_cancelled.connect(self.replay.pick_cancelled)
        self.heatmap.sig_density.connect(self._on_heatmap_density)

    # -- heatmap ----------------------------------------------------------------------------------------
    def _window_density(self, window: TimeWindow) -> Density:
        if self._history is None:       # reports read once; each window after that is arrays only
            self._history = IncidentHistory(self.ctx.engine, self.ctx.city.crs, self.ctx.city.bounds)
        return self._history.window(window)

    def _on_heatmap_density(self, grid: RasterGrid | None) -> None:
        self._density = grid
        if grid is not None:
            self.window.canvas.stack["heatmap"].visible = True
        self._repaint()

    def _overlay(self, snap: OperationSnapshot) -> OperationSnapshot:
        if self._density is None:
            return snap
        return dataclasses.replace(snap, incident_density=self._density)

    # -- replay -----------------------------------------------------------------------------------------
    def _on_replay_active(self, on: bool) -> None:
        w = self.window
        if on == self.replaying or w.live_feed is None:
            self.replaying = on
            return
        self.replaying = on
        if on:
            w.live_feed.sig_snapshot.disconnect(w._on_feed_snapshot)
        else:
            w.live_feed.sig_snapshot.connect(w._on_feed_snapshot)
            self._repaint()

    def _on_replay_pick_requested(self, on: bool) -> None:
        if on:
            self.picker.start()
            self.window.status_outcome.setText(
                QCoreApplication.translate("Analysis", "Click the map to choose the point (Esc cancels)"))
        else:
            self.picker.cancel()
            self.window.status_outcome.setText("")

    def _on_replay_snapshot(self, snap: OperationSnapshot) -> None:
        self.window.canvas.set_snapshot(self._overlay(snap))

    def _repaint(self) -> None:
        w = self.window
        if self.replaying and self.replay.history is not None:
            self._on_replay_snapshot(self.replay.history.snapshot_at(self.replay.t_s))
        elif w.snapshot is not None:
            w.canvas.set_snapshot(w._with_preview(w.snapshot))

    # -- data export ------------------------------------------------------------------------------------
    def export_data(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self.window, QCoreApplication.translate("Analysis", "Export data"), str(Path.home() / "commandmap.gpkg"),
            QCoreApplication.translate("Analysis", "GeoPackage (*.gpkg);;GeoJSON (*.geojson);;CSV (*.csv);;Offline HTML map (*.html)"))
        if path:
            self.export_data_to(path)

    def export_data_to(self, path: str | Path, window: TimeWindow | None = None) -> list[Path]:
        """Every data layer (or the HTML map) to `path` by its extension, behind a cancellable
        progress dialog; [] when cancelled or when this seat's role may not export (the status bar
        says so; refusals and exports are audited)."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        window = window or self.charts.time_window()
        engine = self.ctx.engine

        def work(progress: Any, cancelled: Any) -> list[Path]:
            if fmt == "html":
                from ..services.exports.html_map import write_html_map
                write_html_map(engine, path, progress=progress)
                return [path]
            frames = read_layers(engine, list(LAYERS), window, progress=lambda n, f: progress(n, 0.6 * f),
                                 cancelled=cancelled)
            return write_layers(frames, path, fmt, progress=lambda n, f: progress(n, 0.6 + 0.4 * f),
                                cancelled=cancelled)

        if fmt != "html" and fmt not in FORMATS:
            QMessageBox.warning(self.window, QCoreApplication.translate("Analysis", "Export data"), QCoreApplication.translate("Analysis", "Unknown format: ") + path.suffix)
            return []
        actor = permitted_export(self.window, self.ctx, f"data-{fmt}", path)
        if actor is None:
            return []
        try:
            done, written = run_cancellable(work, QCoreApplication.translate("Analysis", "Exporting ") + path.name, self.window)
        except BaseException:
            exported(self.ctx, actor, f"data-{fmt}", path, None, "failed")
            raise
        exported(self.ctx, actor, f"data-{fmt}", path, list(written) if done else None, "ok" if done else "cancelled")
        return list(written) if done else []
