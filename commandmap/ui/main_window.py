"""The dispatcher's workstation: the live map with the queue, candidates, roster, timeline and KPIs.

Built from what it is handed (`attach(ctx, feed)`): the composition root gives
it the city, the live state and the seat's `Workbench`; tests give it the same
things built from a small store. Every action is a menu item with its key in
the tooltip; the plain keys (Enter, 1–5, A, R, C, N, M, Esc) act while the queue,
the candidate list or the map has focus, so they never eat a typed letter.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QContextMenuEvent, QIcon, QKeySequence, QMouseEvent
from PySide6.QtWidgets import (QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMenu, QToolBar,
                               QWidget)

from layers.base import Feature
from layers.canvas import MapCanvas
from layers.render import render_image, render_pdf
from layers.themes import Theme, get_theme
from layers.viewport import Viewport

from ..domain.snapshot import CityStatic, IncidentStatusCode, OperationSnapshot, RouteArrays
from ..paths import resources_dir
from ..services.board import QueueRow, SearchHit
from ..services.recommend import Recommendation
from .access_guard import exported, permitted_export, settings_denied_text, show_denied
from .analysis import Analysis
from .audit_status import AuditStatus
from .candidates_dock import CandidatesDock
from .coverage_overlay import CoverageOverlay
from .dispatch_controller import DispatchController
from .frame_watch import FrameWatch
from .incident_dialog import NewIncidentDialog
from .kpi_strip import KpiTiles
from .language import apply_language
from .layer_panel import LayerPanel
from .live_feed import LiveFeed, take_new_roads
from .plans_dialog import PlansDialog
from .queue_dock import QueueDock
from .roster_dock import RosterDock
from .search_popup import SearchPopup
from .settings import clear_layout, load_layout, save_language, save_layout, save_theme
from .theme import apply_theme
from .timeline_dock import TimelineDock

EXPORT_SIZE = (7680, 4320)
FRAME_MARGIN = 0.25           # framing an incident and its candidates leaves this much room around them
MIN_FRAME_M = 1500.0
SNAPSHOT_HOLD_S = 0.5         # a live tick waits at most this long for the candidates being computed


def icon(name: str) -> QIcon:
    return QIcon(str(resources_dir() / "icons" / f"{name}.svg"))


class MainWindow(QMainWindow):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.setWindowIcon(icon("app"))
        self.canvas = MapCanvas(self, theme=theme)
        self.canvas.setObjectName("MapCanvas")
        self.kpi = KpiTiles(self)
        self.setCentralWidget(self.canvas)
        self.ctx: Any = None                      # app.AppContext once attached
        self.controller: DispatchController | None = None
        self.live_feed: LiveFeed | None = None
        self.snapshot: OperationSnapshot | None = None
        self._held_snapshot: OperationSnapshot | None = None
        self._preview_due = False
        self._snapshot_applied_at = 0.0
        self.preview_index = -1                   # candidate whose route is previewed (-1: the chosen one)
        self._crs: str | None = None
        self._on_close: list[Callable[[], None]] = []
        self._picking = False                     # N pressed: the next map click places a new incident
        self._framed_incident: int | None = None
        self._pending_select: int | None = None   # a just-created incident to select once the queue has it
        # functions that change what the map shows of each snapshot (the analysis heatmap window)
        self.snapshot_overlays: list[Callable[[OperationSnapshot], OperationSnapshot]] = []
        self.analysis: Any = None                 # ui.analysis.Analysis once attached
        self.audit_status: AuditStatus | None = None   # for the roles that may see the audit chain's state
        self.plans: PlansDialog | None = None          # joint inspection plans, once attached
        # called after each frame of the window is painted and flushed (what a person sees changes
        # then; `commandmap bench ui` times a selection up to the frame that shows its candidates)
        self.frame_listeners: list[Callable[[], None]] = []
        self._frame_watch = FrameWatch(self, self._frame_shown)

        self.queue = QueueDock(self._now, self)
        self.candidates = CandidatesDock(self)
        self.roster = RosterDock(self)
        self.timeline = TimelineDock(self)
        self.layer_panel = LayerPanel(self.canvas)
        self.queue_dock = self._dock("QueueDock", self.queue, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.candidates_dock = self._dock("CandidatesDock", self.candidates, Qt.DockWidgetArea.RightDockWidgetArea)
        self.roster_dock = self._dock("RosterDock", self.roster, Qt.DockWidgetArea.RightDockWidgetArea)
        self.timeline_dock = self._dock("TimelineDock", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.layer_dock = self._dock("LayerDock", self.layer_panel, Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.roster_dock, self.layer_dock)
        self.roster_dock.raise_()
        px = theme.font_ui_px
        self.resizeDocks([self.queue_dock, self.candidates_dock], [int(px * 38), int(px * 46)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.timeline_dock], [int(px * 9)], Qt.Orientation.Vertical)

        self._build_status_bar()
        self._build_actions()
        self._build_menus_and_toolbar()
        self._default_state = self.saveState()
        self.canvas.sig_cursor_moved.connect(self._on_canvas_cursor_moved)
        self.canvas.sig_view_changed.connect(self._on_canvas_view_changed)
        self.canvas.sig_feature_selected.connect(self._on_canvas_feature_selected)
        self.canvas.installEventFilter(self)
        self.queue.sig_new_p1.connect(self._on_queue_new_p1)
        self.roster.sig_officer_activated.connect(self.zoom_to_officer)
        self.timeline.sig_incident_activated.connect(self._on_timeline_incident_activated)
        self.retranslate_ui()

    # --- construction -----------------------------------------------------------------------------------
    def _dock(self, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_selection = QLabel()
        self.status_outcome = QLabel()
        self.status_outcome.setObjectName("StatusOutcome")
        self.status_live = QLabel()
        self.status_seat = QLabel()
        self.status_scale = QLabel("")
        self.status_cursor = QLabel("")
        self.status_coverage = QLabel("")
        self.status_coverage.setObjectName("StatusCoverage")
        for w in (self.status_live, self.status_seat, self.status_scale, self.status_cursor):
            w.setObjectName("StatusField")
        bar.addWidget(self.status_outcome, 1)
        bar.addWidget(self.status_selection, 1)
        bar.addPermanentWidget(self.status_coverage)
        bar.addPermanentWidget(self.status_live)
        bar.addPermanentWidget(self.status_seat)
        bar.addPermanentWidget(self.status_scale)
        bar.addPermanentWidget(self.status_cursor)

    def _action(self, name: str, slot: Callable[..., Any], shortcut: Any = None, *, checkable: bool = False,
                local: bool = False, icon_name: str | None = None) -> QAction:
        """An action with its key; `local` keys work only while the queue, candidates or map has focus."""
        act = QAction(icon(icon_name or name), "", self)
        act.setObjectName(f"action_{name}")
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            act.setShortcuts([QKeySequence(k) for k in keys])
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        if local:
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            for w in (self.queue, self.candidates, self.canvas):
                w.addAction(act)
        else:
            self.addAction(act)
        return act

    def _build_actions(self) -> None:
        K = Qt.Key
        self.act_dispatch = self._action("dispatch", self.dispatch_chosen, [K.Key_Return, K.Key_Enter], local=True)
        self.act_choose = [self._action(f"choose{i}", lambda _c=False, i=i: self._choose(i - 1), str(i), local=True,
                                        icon_name="dispatch") for i in range(1, 6)]
        self.act_acknowledge = self._action("acknowledge", lambda: self._act("acknowledge"), "A", local=True)
        self.act_resolve = self._action("resolve", lambda: self._act("resolve"), "R", local=True)
        self.act_cancel = self._action("cancel", lambda: self._act("cancel"), "C", local=True)
        self.act_new = self._action("new-incident", self.start_new_incident, "N", local=True)
        self.act_clear = self._action("clear", self.clear_selection, K.Key_Escape, local=True)
        self.act_move_up = self._action("move-up", lambda: getattr(self, "coverage", None) is not None
                                        and self.coverage.send_best_move_up(), "M", local=True, icon_name="dispatch")
        self.act_search = self._action("search", self.open_search, QKeySequence.StandardKey.Find)
        self.act_plans = self._action("plans", self.open_plans, "Ctrl+J")
        self.act_zoom_in = self._action("zoom-in", lambda: self.canvas.zoom_by(2 ** 0.5))
        self.act_zoom_out = self._action("zoom-out", lambda: self.canvas.zoom_by(2 ** -0.5))
        self.act_home = self._action("home", lambda: self.canvas.zoom_to_extent())
        self.act_wall = self._action("wall", self._on_wall_toggled, "F10", checkable=True)
        self.act_wall.setChecked(self.canvas.theme.name == "wall")
        self.act_fullscreen = self._action("fullscreen", self._on_fullscreen_toggled, "F11", checkable=True)
        self.act_export = self._action("export", self._on_export_triggered, "Ctrl+E")
        self.act_import_city = self._action("import-city", self.open_city_import, icon_name="layers")
        self.act_reset_layout = self._action("reset-layout", self.reset_layout, icon_name="layers")
        self.act_quit = self._action("quit", self.close, QKeySequence.StandardKey.Quit, icon_name="app")
        self.act_auto_dispatch = self._action("auto-dispatch", self._on_auto_dispatch_toggled, checkable=True,
                                              icon_name="dispatch")
        self.act_auto_dispatch.setEnabled(False)
        self.lang_group = QActionGroup(self)
        self.act_lang = {}
        for code, label in (("zh_CN", "中文"), ("en", "English")):
            act = QAction(label, self)
            act.setObjectName(f"action_lang_{code}")
            act.setCheckable(True)
            act.triggered.connect(lambda _c=False, code=code: self.set_language(code))
            self.lang_group.addAction(act)
            self.act_lang[code] = act

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        self.menu_file, self.menu_incident, self.menu_view = bar.addMenu(""), bar.addMenu(""), bar.addMenu("")
        self.menu_sim = bar.addMenu("")
        self.menu_file.addActions([self.act_import_city, self.act_export, self.act_quit])
        self.menu_incident.addActions([self.act_new, self.act_dispatch, *self.act_choose])
        self.menu_incident.addSeparator()
        self.menu_incident.addActions([self.act_acknowledge, self.act_resolve, self.act_cancel, self.act_clear])
        self.menu_incident.addAction(self.act_move_up)
        self.menu_incident.addAction(self.act_plans)
        self.menu_incident.addSeparator()
        self.menu_incident.addAction(self.act_search)
        self.menu_docks = QMenu(self)
        for dock in (self.queue_dock, self.candidates_dock, self.roster_dock, self.timeline_dock, self.layer_dock):
            self.menu_docks.addAction(dock.toggleViewAction())
        self.menu_lang = QMenu(self)
        self.menu_lang.addActions(list(self.act_lang.values()))
        self.menu_view.addActions([self.act_zoom_in, self.act_zoom_out, self.act_home])
        self.menu_view.addSeparator()
        self.menu_view.addMenu(self.menu_docks)
        self.menu_view.addAction(self.act_reset_layout)
        self.menu_view.addMenu(self.menu_lang)
        self.menu_view.addActions([self.act_wall, self.act_fullscreen])
        self.menu_sim.addAction(self.act_auto_dispatch)
        tb = QToolBar(self)
        tb.setObjectName("MapToolBar")
        tb.setIconSize(QSize(24, 24))
        tb.setMovable(False)
        self.toolbar = tb
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        self.kpi_bar = QToolBar(self)          # the KPIs span the window's width, under the tools
        self.kpi_bar.setObjectName("KpiBar")
        self.kpi_bar.setMovable(False)
        self.kpi_bar.addWidget(self.kpi)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.kpi_bar)
        for act in (self.act_new, self.act_dispatch, self.act_acknowledge, self.act_resolve, self.act_cancel,
                    self.act_search, self.act_plans, None, self.act_zoom_in, self.act_zoom_out, self.act_home, self.act_wall,
                    self.act_fullscreen, self.act_export):
            if act is None:
                tb.addSeparator()
            else:
                tb.addAction(act)

    # --- texts ------------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        seat = self.ctx.workbench.seat if self.ctx is not None else ""
        self.setWindowTitle(self.tr("CommandMap · dispatch workstation") + (f" · {seat}" if seat else ""))
        texts = {
            self.act_dispatch: self.tr("Dispatch the chosen officer"),
            self.act_acknowledge: self.tr("Acknowledge (officer contacted)"),
            self.act_resolve: self.tr("Resolve"), self.act_cancel: self.tr("Cancel incident"),
            self.act_new: self.tr("New incident (then click the map)"), self.act_clear: self.tr("Clear"),
            self.act_search: self.tr("Search"), self.act_zoom_in: self.tr("Zoom in"),
            self.act_zoom_out: self.tr("Zoom out"), self.act_home: self.tr("Whole city"),
            self.act_wall: self.tr("Wall theme"), self.act_fullscreen: self.tr("Full screen"),
            self.act_export: self.tr("Export map"), self.act_import_city: self.tr("Import city…"), self.act_reset_layout: self.tr("Reset layout"),
            self.act_quit: self.tr("Quit"), self.act_auto_dispatch: self.tr("Simulated dispatcher on"),
            self.act_move_up: self.tr("Send the best move-up (coverage layer)"),
            self.act_plans: self.tr("Joint inspection plans…"),
        }
        for i, act in enumerate(self.act_choose, start=1):
            texts[act] = self.tr("Choose candidate {n}").format(n=i)
        for act, text in texts.items():
            act.setText(text)
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts())
            act.setToolTip(f"{text} ({keys})" if keys else text)
        self.act_plans.setToolTip(self.tr("Joint inspection plans (综合查一次): list the saved plans and dispatch "
                                          "one; its route shows on the map while it runs (Ctrl+J)"))
        self.act_auto_dispatch.setToolTip(self.tr(
            "On: a simulated dispatcher sends officers (a showcase). Off: incidents keep arriving and officers "
            "keep moving, but the queue is yours."))
        for dock, title in ((self.queue_dock, self.tr("Incident queue")),
                            (self.candidates_dock, self.tr("Candidates")), (self.roster_dock, self.tr("Officers")),
                            (self.timeline_dock, self.tr("Timeline")), (self.layer_dock, self.tr("Layers"))):
            dock.setWindowTitle(title)
        self.menu_file.setTitle(self.tr("&File"))
        self.menu_incident.setTitle(self.tr("&Incident"))
        self.menu_view.setTitle(self.tr("&View"))
        self.menu_sim.setTitle(self.tr("&Simulation"))
        self.menu_docks.setTitle(self.tr("Panels"))
        self.menu_lang.setTitle(self.tr("Language"))
        self.toolbar.setWindowTitle(self.tr("Map"))
        self.kpi_bar.setWindowTitle(self.tr("Key figures"))
        actor = self.ctx.workbench.actor if self.ctx is not None else None     # who acts at this seat
        self.status_seat.setText(self.tr("{user} ({role}) · seat {seat}").format(
            user=actor.user, role=actor.role.value, seat=seat) if actor is not None
            else self.tr("Seat: {seat}").format(seat=seat) if seat else "")
        if self.audit_status is not None:
            self.audit_status.retranslate_ui()
        if not self.status_selection.text():
            self.status_selection.setText(self.tr("Click the map to pick an officer, incident or site"))
        if self.snapshot is None:
            self.status_live.setText(self.tr("Live data: not connected"))
        else:
            self._show_live_status(self.snapshot)
        from layers.i18n import language
        self.act_lang.get(language(), self.act_lang["zh_CN"]).setChecked(True)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
            self.canvas.update()
        super().changeEvent(event)

    def set_language(self, lang: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_language(app, lang)
        save_language(lang)

    # --- data -------------------------------------------------------------------------------------------
    def set_city(self, city: CityStatic) -> None:
        self._crs = city.crs
        self.canvas.set_city(city)
        self.layer_panel.rebuild()      # site categories come with the city

    def attach(self, ctx: Any, feed: LiveFeed) -> None:
        """Wire the window to an opened store (`app.AppContext`) and its live feed."""
        self.ctx = ctx
        self.set_city(ctx.city)
        self.canvas.clock_source = ctx.live.now      # operation time (the simulator may run faster)
        self.attach_feed(feed)
        c = DispatchController(ctx.workbench, self)
        self.controller = c
        c.sig_queue.connect(self.queue.set_rows)
        c.sig_queue.connect(self._select_pending)
        c.sig_selected.connect(self._on_controller_selected)
        c.sig_recommendation.connect(self._on_controller_recommendation)
        c.sig_candidates_shown.connect(self._apply_held_snapshot)    # a live tick held back for them
        self.queue.hold_ticks = lambda: c.waiting_for_candidates
        c.sig_candidate.connect(self._on_controller_candidate)
        c.sig_outcome.connect(self._on_controller_outcome)
        c.sig_conflict.connect(self.candidates.show_conflict)
        c.sig_kpis.connect(self.kpi.set_summary)
        c.sig_timeline.connect(self.timeline.set_entries)
        c.sig_tasks.connect(self._on_controller_tasks)
        c.sig_committed.connect(self._on_controller_committed)
        self.queue.sig_incident_selected.connect(c.select)
        self.candidates.sig_choose.connect(self._choose)
        self.candidates.sig_preview.connect(self._on_candidates_preview)
        self.candidates.sig_dispatch.connect(self.dispatch_chosen)
        self.candidates.sig_widen.connect(c.set_widen)
        self.on_close(c.close)
        self.roster.model.set_directory(ctx.workbench.board.officer_directory())
        runner = ctx.simulation
        if runner is not None:
            self.act_auto_dispatch.setEnabled(True)
            self.act_auto_dispatch.setChecked(bool(runner.auto_dispatch))
        self.coverage = CoverageOverlay(ctx, lambda: self.canvas.layer("coverage").visible, self)
        self.coverage.sig_report.connect(self._on_coverage_report)
        self.coverage.sig_outcome.connect(self._on_controller_outcome)
        self.snapshot_overlays.append(self.coverage.overlay)
        self.canvas.layer("coverage").add_listener(self.coverage.on_layer_changed)
        self.on_close(self.coverage.close)
        self.plans = PlansDialog(ctx.workbench, self)
        self.plans.sig_outcome.connect(self._on_controller_outcome)
        self.plans.sig_routes.connect(self._refresh_preview)
        self.snapshot_overlays.append(self.plans.overlay)
        self.on_close(self.plans.close_jobs)
        self.plans.reload()           # a plan already under way shows its route at once
        c.start()
        self.analysis = Analysis(self, ctx)
        self.audit_status = AuditStatus.install(self, ctx)
        if self.audit_status is not None:
            self.on_close(self.audit_status.stop)
        self.retranslate_ui()
        self.queue.view.setFocus()

    def attach_feed(self, feed: LiveFeed) -> None:
        """The map alone (no store): what tests and replays use to drive the window from snapshots."""
        self.live_feed = feed
        feed.sig_snapshot.connect(self._on_feed_snapshot)
        feed.sig_error.connect(self._on_feed_error)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Run `fn` when the window closes (stop feeds and threads)."""
        self._on_close.append(fn)

    def present(self) -> None:
        geometry, state = load_layout()
        if geometry is None or not self.restoreGeometry(geometry):
            # the whole screen at first start, set by hand: without a window manager "maximised" means nothing
            screen = self.screen() or QApplication.primaryScreen()
            self.setGeometry(screen.availableGeometry())
        if state is not None:
            self.restoreState(state)
        self.show()
        self.queue.view.setFocus()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state)
        for dock in (self.queue_dock, self.candidates_dock, self.roster_dock, self.timeline_dock, self.layer_dock):
            dock.show()
        clear_layout()

    # --- live -------------------------------------------------------------------------------------------
    def _now(self) -> float:
        return float(self.ctx.live.now()) if self.ctx is not None else time.time()

    def _on_feed_snapshot(self, snap: OperationSnapshot) -> None:
        if self._hold_snapshot(snap):
            return
        take_new_roads(self.ctx, self.canvas)
        self.snapshot = snap
        self.canvas.set_snapshot(self._with_preview(snap))
        self.roster.set_snapshot(snap)
        self._show_live_status(snap)
        if self.controller is not None:
            self.controller.on_sequence(snap.sequence)

    def _hold_snapshot(self, snap: OperationSnapshot) -> bool:
        """While the dispatcher waits for candidates, a live tick waits for them (at most
        SNAPSHOT_HOLD_S): redrawing 25,000 markers competes with the recommendation for the
        interpreter, and a map a quarter of a second older is not seen; the answer is."""
        now = time.monotonic()
        c = self.controller
        if c is not None and c.waiting_for_candidates and now - self._snapshot_applied_at < SNAPSHOT_HOLD_S:
            self._held_snapshot = snap
            return True
        self._held_snapshot = None
        self._snapshot_applied_at = now
        return False

    def _apply_held_snapshot(self) -> None:
        snap, self._held_snapshot = self._held_snapshot, None
        if snap is not None:
            self._on_feed_snapshot(snap)

    def _show_live_status(self, snap: OperationSnapshot) -> None:
        o, i = snap.officers, snap.incidents
        on_map = int(np.isfinite(o.xy).all(axis=1).sum())
        stale = int(o.stale.sum())
        open_inc = int(np.isin(i.status, IncidentStatusCode.open_codes()).sum())
        self.status_live.setText(self.tr("Live · officers {n:,} ({stale:,} stale) · incidents {i:,}").format(
            n=on_map, stale=stale, i=open_inc))

    def _on_feed_error(self, message: str) -> None:
        self.status_live.setText(self.tr("Live data interrupted: ") + message[:80])

    def _on_controller_tasks(self, tasks: dict[int, Any]) -> None:
        if self.snapshot is not None:
            self.roster.set_snapshot(self.snapshot, tasks)

    def _on_controller_committed(self) -> None:
        """Our own action: show its effect now rather than at the follower's next poll."""
        if self.ctx is not None and self.live_feed is not None:
            self.ctx.live.refresh()
            self._snapshot_applied_at = float("-inf")    # the dispatcher's own action is never held
            self.live_feed.poll_once()

    # --- selection, candidates, previews ----------------------------------------------------------------
    def _on_controller_selected(self, row: QueueRow | None) -> None:
        self.candidates.set_incident(row)
        if row is not None and self.queue.selected_incident_id() != row.incident_id:
            self.queue.select_incident(row.incident_id)
        self.preview_index = -1
        self._refresh_preview()

    def _on_controller_recommendation(self, rec: Recommendation | None) -> None:
        self.candidates.set_recommendation(rec)
        self._refresh_preview()
        if rec is not None and rec.incident_id is not None and rec.incident_id != self._framed_incident:
            self._framed_incident = rec.incident_id
            self.frame_recommendation(rec)

    def _on_controller_candidate(self, index: int) -> None:
        self.candidates.set_chosen(index)
        self.preview_index = -1
        self._refresh_preview()

    def _on_candidates_preview(self, index: int) -> None:
        self.preview_index = index
        self._refresh_preview()

    def _choose(self, index: int) -> None:
        if self.controller is not None and self.controller.choose(index):
            self.preview_index = -1

    def preview_candidate(self) -> int:
        c = self.controller
        if c is None or c.recommendation is None:
            return -1
        return self.preview_index if self.preview_index >= 0 else c.candidate_index

    def preview_routes(self) -> RouteArrays | None:
        """The previewed candidate's route in map metres, or None."""
        c = self.controller
        i = self.preview_candidate()
        if c is None or c.recommendation is None or not (0 <= i < len(c.recommendation.candidates)):
            return None
        route = c.recommendation.candidates[i].route_lonlat
        if len(route) < 2:
            return None
        xy = self.ctx.workbench.to_xy(np.array(route, np.float64))
        return RouteArrays(xy, np.array([0, len(xy)], np.int64), np.array([-1], np.int64),
                           np.array([c.recommendation.candidates[i].eta_s], np.float32), np.array([True]))

    def _with_preview(self, snap: OperationSnapshot) -> OperationSnapshot:
        for overlay in self.snapshot_overlays:
            snap = overlay(snap)
        preview = self.preview_routes() if self.ctx is not None else None
        if preview is None:
            return snap
        return dataclasses.replace(snap, routes=snap.routes.plus(preview))

    def _refresh_preview(self) -> None:
        """Redraw the map's candidate routes — once per turn of the event loop however many signals
        asked (a selection emits three, a recommendation two), and not while the candidates of a new
        selection are being computed: the old routes stay up to a fraction of a second, then the
        new ones replace them in one frame (each redraw held the interpreter the search needs)."""
        if not self._preview_due:
            self._preview_due = True
            QTimer.singleShot(0, self, self._apply_preview)

    def _apply_preview(self) -> None:
        self._preview_due = False
        c = self.controller
        if c is not None and c.recommending and c.recommendation is None:
            return      # the recommendation's arrival asks again (a live tick redraws it meanwhile)
        if self.snapshot is not None:
            self.canvas.set_snapshot(self._with_preview(self.snapshot))

    def frame_recommendation(self, rec: Recommendation) -> None:
        """Frame the incident and its candidates' routes."""
        pts = [rec.scene_lonlat] + [p for c in rec.candidates for p in c.route_lonlat[:1]]
        xy = self.ctx.workbench.to_xy(np.array(pts, np.float64))
        xy = xy[np.isfinite(xy).all(axis=1)]
        if not len(xy):
            return
        (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
        span = max(x1 - x0, y1 - y0, MIN_FRAME_M)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half = span * (0.5 + FRAME_MARGIN)
        self.canvas.zoom_to_extent((cx - half, cy - half, cx + half, cy + half))

    # --- actions ----------------------------------------------------------------------------------------
    def dispatch_chosen(self) -> bool:
        return bool(self.controller and self.controller.dispatch())

    def _act(self, what: str) -> None:
        if self.controller is not None:
            getattr(self.controller, what)()

    def clear_selection(self) -> None:
        if self._picking:
            self._picking = False
            self.canvas.unsetCursor()
            self.status_outcome.setText(self.tr("New incident cancelled"))
            return
        self.queue.select_row(-1)
        if self.controller is not None:
            self.controller.select(None)
        self.canvas.select(None)

    def start_new_incident(self) -> None:
        self._picking = True
        self.canvas.setCursor(Qt.CursorShape.CrossCursor)
        self.status_outcome.setText(self.tr("Click the map where the incident is (Esc cancels)"))

    def new_incident_at(self, x: float, y: float) -> int | None:
        """The new-incident dialog for map point (x, y); returns the new incident id if created."""
        self._picking = False
        self.canvas.unsetCursor()
        lon, lat = (float(v) for v in self.ctx.workbench.to_lonlat(np.array([[x, y]]))[0])
        dialog = NewIncidentDialog(lon, lat, self.ctx.workbench.categories(), self.ctx.workbench.create_incident, self)
        self.incident_dialog = dialog
        if not dialog.exec() or dialog.result_incident is None:
            return None
        made = dialog.result_incident
        self.status_outcome.setText(self.tr("{code} created").format(code=made.code))
        self._on_controller_committed()
        if self.controller is not None:
            self.controller.refresh_queue()
            self._pending_select = made.incident_id
        return made.incident_id

    def _select_pending(self, _rows: list[QueueRow]) -> None:
        pending = self._pending_select
        if pending is not None and self.queue.select_incident(pending):
            self._pending_select = None

    def _frame_shown(self) -> None:
        """What waited for the candidates' frame (the queue, KPI and timeline updates, a live tick)
        follows in the next one: painted together, a queue refresh made that frame 20-50 ms later."""
        for fn in list(self.frame_listeners):
            fn()
        if self._preview_due:
            return       # the candidates' routes are not on the map yet: this was not their frame
        if self.controller is not None:
            self.controller.frame_shown()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.canvas and self.ctx is not None:
            if self._picking and event.type() == QEvent.Type.MouseButtonRelease:
                assert isinstance(event, QMouseEvent)
                if event.button() == Qt.MouseButton.LeftButton:
                    x, y = self.canvas.screen_to_world(event.position())
                    self.new_incident_at(x, y)
                    return True
            if event.type() == QEvent.Type.ContextMenu:
                assert isinstance(event, QContextMenuEvent)
                x, y = self.canvas.screen_to_world(event.pos())
                menu = QMenu(self)
                act = menu.addAction(self.tr("New incident here"))
                act.triggered.connect(lambda: self.new_incident_at(x, y))
                menu.popup(event.globalPos())
                return True
        return super().eventFilter(watched, event)

    def open_city_import(self) -> None:
        from .city_import_dialog import CityImportDialog
        self.city_import_dialog = CityImportDialog(self.ctx.engine, self)
        self.city_import_dialog.show()

    def open_plans(self) -> None:
        """The saved joint inspection plans (the dialog stays open beside the map)."""
        if self.plans is None:
            return
        self.plans.show()
        self.plans.raise_()
        self.plans.activateWindow()

    def open_search(self) -> None:
        popup = SearchPopup(self.ctx.workbench.board.search, self)
        popup.sig_hit_chosen.connect(self.go_to_hit)
        self.search_popup = popup
        popup.show()
        popup.box.setFocus()

    def go_to_hit(self, hit: SearchHit) -> None:
        if hit.kind == "incident" and self.queue.select_incident(hit.entity_id):
            return
        if hit.kind == "officer":
            self.zoom_to_officer(hit.entity_id)
            self.roster_dock.raise_()
            self.roster.show_officer(hit.entity_id)
            return
        if hit.lon is not None and hit.lat is not None:
            x, y = self.ctx.workbench.to_xy(np.array([[hit.lon, hit.lat]]))[0]
            self.canvas.center_on(float(x), float(y), m_per_px=min(self.canvas.view.m_per_px, 2.0))

    def zoom_to_officer(self, officer_id: int) -> None:
        snap = self.snapshot
        if snap is None:
            return
        rows = np.flatnonzero(snap.officers.ids == officer_id)
        if len(rows) and np.isfinite(snap.officers.xy[rows[0]]).all():
            x, y = snap.officers.xy[rows[0]]
            self.canvas.center_on(float(x), float(y), m_per_px=min(self.canvas.view.m_per_px, 2.0))

    def _on_timeline_incident_activated(self, code: str) -> None:
        row = next((r for r in self.queue.model.rows if r.code == code), None)
        if row is not None:
            self.queue.select_incident(row.incident_id)

    def _on_queue_new_p1(self, rows: list[QueueRow]) -> None:
        codes = ", ".join(r.code for r in rows)
        self.status_outcome.setText(self.tr("New P1: {codes}").format(codes=codes))
        self.status_outcome.setStyleSheet("color:#e03030;font-weight:bold")

    def _on_controller_outcome(self, message: str, ok: bool) -> None:
        self.status_outcome.setText(message)
        self.status_outcome.setStyleSheet("" if ok else "color:#e03030;font-weight:bold")

    def _on_coverage_report(self, report: Any) -> None:
        moves = ", ".join(f"+{m.gain_sites:.0f}" for m in report.moves[:5])
        self.status_coverage.setText(self.tr(
            "{m:.0f}-min coverage: sites {s:.1%} · grids {g:.1%} · population {p:.1%}").format(
            m=report.limit_s / 60, s=report.sites_share, g=report.grids_share, p=report.population_share)
            + (self.tr(" · move-ups {gains} (M sends the best)").format(gains=moves) if moves else ""))
        self._refresh_preview()

    def _on_auto_dispatch_toggled(self, checked: bool) -> None:
        if self.ctx is not None and self.ctx.simulation is not None:
            from ..services.authz import Forbidden
            try:
                self.ctx.simulation.set_auto_dispatch(checked, actor=self.ctx.workbench.actor)
            except Forbidden:
                self.act_auto_dispatch.blockSignals(True)
                self.act_auto_dispatch.setChecked(not checked)
                self.act_auto_dispatch.blockSignals(False)
                show_denied(self, settings_denied_text(self.ctx.workbench.actor))

    # --- map status ---------------------------------------------------------------------------------------
    def _on_canvas_cursor_moved(self, x: float, y: float) -> None:
        if self.ctx is None:
            return
        lon, lat = self.ctx.workbench.to_lonlat(np.array([[x, y]]))[0]
        if math.isfinite(lon) and math.isfinite(lat):
            self.status_cursor.setText(f"{lon:.5f}°E  {lat:.5f}°N")

    def _on_canvas_view_changed(self, view: Viewport) -> None:
        dpi = self.logicalDpiX() or 96
        denominator = view.m_per_px / (0.0254 / dpi)
        self.status_scale.setText(self.tr("Scale 1:{n:,}").format(n=_round_scale(denominator)))

    def _on_canvas_feature_selected(self, feature: Feature | None) -> None:
        if feature is None:
            self.status_selection.setText(self.tr("Nothing selected"))
            return
        extras = " · ".join(f"{k} {v}" for k, v in feature.props.items())
        self.status_selection.setText(f"{feature.label}   {extras}".strip())
        if feature.kind == "incident":
            self.queue.select_incident(feature.id)

    def _on_wall_toggled(self, checked: bool) -> None:
        self.set_theme("wall" if checked else "workstation")

    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        theme = apply_theme(app, name) if isinstance(app, QApplication) else get_theme(name)
        self.canvas.set_theme(theme)
        self.layer_panel.rebuild()
        self.act_wall.setChecked(name == "wall")
        save_theme(name)

    def _on_fullscreen_toggled(self, checked: bool) -> None:
        self.showFullScreen() if checked else self.showNormal()

    def _on_export_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export map"), str(Path.home() / "commandmap.png"),
                                              self.tr("PNG image (*.png);;PDF vector (*.pdf)"))
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> Path | None:
        """The current view as an 8K PNG or an A3 vector PDF (by extension); None when this seat's role
        may not export (the status bar says so; the refusal and every export are audited)."""
        path = Path(path)
        kind = "map-pdf" if path.suffix.lower() == ".pdf" else "map-png"
        actor = permitted_export(self, self.ctx, kind, path) if self.ctx is not None else None
        if self.ctx is not None and actor is None:
            return None
        try:
            if path.suffix.lower() == ".pdf":
                render_pdf(self.canvas, path)
            elif not render_image(self.canvas, width=EXPORT_SIZE[0], height=EXPORT_SIZE[1]).save(str(path)):
                raise OSError(f"cannot write {path}")
        except BaseException:
            if actor is not None:
                exported(self.ctx, actor, kind, path, None, "failed")
            raise
        if actor is not None:
            exported(self.ctx, actor, kind, path, [path])
        return path

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        save_layout(self.saveGeometry(), self.saveState())
        if self.live_feed is not None:
            self.live_feed.stop()
        for fn in self._on_close:
            try:
                fn()
            except Exception:  # closing must always finish
                pass
        self.snapshot_overlays.clear()    # their dialogs are deleted with the window; a queued redraw must not call them
        self.canvas.cache.wait()
        super().closeEvent(event)


def _round_scale(denominator: float) -> int:
    if not math.isfinite(denominator) or denominator <= 0:
        return 0
    mag = 10 ** max(0, int(math.log10(denominator)) - 1)
    return int(round(denominator / mag) * mag)
