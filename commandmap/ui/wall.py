"""The commander's video wall: the live city, the promise in large numbers, nothing to click.

Frameless and sized to the chosen screen's geometry by hand, because a wall PC
often runs a bare X server where "full screen" is a request nobody answers.
Read-only: it follows the same store as every seat and owns no actions. The map
follows the newest P1 and returns to the whole city after `FOLLOW_S`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QColor, QGuiApplication, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QLayout, QSizePolicy, QVBoxLayout, QWidget

from layers.canvas import MapCanvas
from layers.themes import Theme

from ..domain.snapshot import OperationSnapshot
from ..services.board import KpiSummary, QueueRow, TimelineEntry
from ..services.charts import today_chart_data
from ..services.incident_codes import CITY_TZ
from .dispatch_controller import DispatchController
from .kpi_strip import KpiTiles
from .labels import action_label
from .live_feed import LiveFeed, take_new_roads
from .wall_charts import WallCharts

FOLLOW_S = 90.0               # how long the map stays on a new P1 before returning to the whole city
FOLLOW_SPAN_M = 10000.0       # a followed P1 is shown with about this much of the city across the map
TICKER_LINES = 8
LEGEND_LAYERS = ("incidents", "officers")


class LegendOverlay(QFrame):
    """The dynamic layers' legend over the map, sized to its longest label (never cut)."""

    def __init__(self, canvas: MapCanvas, parent: QWidget | None = None, unit: float = 1.0) -> None:
        super().__init__(parent)
        self.setObjectName("WallLegend")
        self.canvas = canvas
        self.unit = unit
        self.setStyleSheet("#WallLegend{background:rgba(10,16,28,210);border-radius:8px}"
                           f"QLabel{{color:#e8eef7;font-size:{max(10, round(30 * unit))}px}}")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(16, 12, 16, 12)
        self.grid.setHorizontalSpacing(12)
        self.rebuild()

    def rebuild(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        row = 0
        theme = self.canvas.theme
        for name in LEGEND_LAYERS:
            layer = self.canvas.stack.find(name)
            if layer is None or not layer.visible:
                continue
            for entry in layer.legend(theme):
                side = max(16, round(40 * self.unit))
                pix = QPixmap(QSize(side, side))
                pix.fill(QColor(0, 0, 0, 0))
                p = QPainter(pix)
                entry.draw(p, QRectF(2, 2, side - 4, side - 4))
                p.end()
                swatch = QLabel(self)
                swatch.setPixmap(pix)
                text = QLabel(entry.label, self)
                text.setWordWrap(False)
                self.grid.addWidget(swatch, row, 0)
                self.grid.addWidget(text, row, 1)
                row += 1
        self.adjustSize()

    def labels(self) -> list[str]:
        out = []
        for i in range(self.grid.count()):
            item = self.grid.itemAt(i)
            w = item.widget() if item is not None else None
            if isinstance(w, QLabel) and w.text():
                out.append(w.text())
        return out


class WallWindow(QWidget):
    def __init__(self, theme: Theme, screen_index: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("WallWindow")
        self.screen_index = screen_index
        unit = max(0.35, self.target_geometry().height() / 2160)   # type sized for a 4K wall, scaled to the screen
        self.unit = unit

        def px(n: float) -> int:
            return max(10, round(n * unit))
        self.canvas = MapCanvas(self, theme=theme)
        self.canvas.setObjectName("MapCanvas")
        self.canvas.setMinimumSize(0, 0)
        self.kpi = KpiTiles(self, large=True, columns=2, scale=unit)
        self.districts = QLabel(self)
        self.districts.setObjectName("WallDistricts")
        self.districts.setStyleSheet(f"font-size:{px(30)}px")
        self.districts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.ticker = QLabel(self)
        self.ticker.setObjectName("WallTicker")
        self.ticker.setStyleSheet(f"font-size:{px(30)}px")
        self.ticker.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.clock = QLabel(self)
        self.clock.setObjectName("WallClock")
        self.clock.setStyleSheet(f"font-size:{px(64)}px;font-weight:bold")
        self.heading = QLabel(self)
        self.heading.setObjectName("WallHeading")
        self.heading.setStyleSheet(f"font-size:{px(44)}px;font-weight:bold")
        side = QVBoxLayout()
        side.setContentsMargins(24, 16, 24, 16)
        side.addWidget(self.heading)
        side.addWidget(self.clock)
        side.addWidget(self.kpi)
        self.charts = WallCharts(self, unit)          # today's response times, refreshed off the UI thread
        side.addWidget(self.charts, 3)
        self.districts_title = QLabel(self)
        self.districts_title.setStyleSheet(f"font-size:{px(34)}px;font-weight:bold")
        self.ticker_title = QLabel(self)
        self.ticker_title.setStyleSheet(f"font-size:{px(34)}px;font-weight:bold")
        side.addWidget(self.districts_title)
        side.addWidget(self.districts, 1)
        side.addWidget(self.ticker_title)
        side.addWidget(self.ticker, 2)
        panel = QWidget(self)
        panel.setObjectName("WallPanel")
        panel.setLayout(side)
        self.panel = panel
        for label in (self.districts, self.ticker):
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        layout = QHBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 3)
        layout.addWidget(panel, 1)
        self.legend = LegendOverlay(self.canvas, self.canvas, unit)
        self.ctx: Any = None
        self.controller: DispatchController | None = None
        self.live_feed: LiveFeed | None = None
        self.followed: int | None = None
        self._follow_xy = (0.0, 0.0)
        self._follow_until = 0.0
        self._seen_p1: set[int] | None = None
        self._on_close: list[Callable[[], None]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._on_timer)
        self._timer.start()
        self.retranslate_ui()

    # -- texts --------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("CommandMap · video wall"))
        self.heading.setText(self.tr("Integrated enforcement command"))
        self.districts_title.setText(self.tr("Open incidents by district"))
        self.ticker_title.setText(self.tr("Latest dispatches and arrivals"))
        self._on_timer()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
            self.legend.rebuild()
        super().changeEvent(event)

    # -- wiring -------------------------------------------------------------------------------------
    def attach(self, ctx: Any, feed: LiveFeed) -> None:
        self.ctx = ctx
        self.canvas.set_city(ctx.city)
        self.canvas.clock_source = ctx.live.now
        self.live_feed = feed
        feed.sig_snapshot.connect(self._on_feed_snapshot)
        c = DispatchController(ctx.workbench, self, read_only=True)
        self.controller = c
        c.sig_queue.connect(self._on_controller_queue)
        c.sig_kpis.connect(self._on_controller_kpis)
        c.sig_timeline.connect(self._on_controller_timeline)
        self.on_close(c.close)
        c.start()
        self.charts.start(lambda now_s: today_chart_data(ctx.engine, now_s), ctx.live.now)
        self.on_close(self.charts.close_worker)
        self.legend.rebuild()
        self._place_legend()

    def on_close(self, fn: Callable[[], None]) -> None:
        self._on_close.append(fn)

    def target_geometry(self) -> Any:
        screens = QGuiApplication.screens()
        index = self.screen_index if self.screen_index is not None else screens.index(QGuiApplication.primaryScreen())
        if not (0 <= index < len(screens)):
            index = 0
        return screens[index].geometry()

    def present(self) -> None:
        """Cover the screen: explicit geometry (works with or without a window manager)."""
        geometry = self.target_geometry()
        self.setGeometry(geometry)
        self.show()
        self.setGeometry(geometry)      # a window manager may move a mapped window: ask again
        self.raise_()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._place_legend()
        if self.followed is not None:        # framed before the window had its size: frame again
            self._frame_followed()

    def _place_legend(self) -> None:
        self.legend.adjustSize()
        self.legend.move(24, max(0, self.canvas.height() - self.legend.height() - round(140 * self.unit)))  # above the scale bar
        self.legend.raise_()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_F11:      # leave the wall (e.g. to reach the desktop) and come back
            self.showNormal() if self.isFullScreen() else self.present()
            return
        super().keyPressEvent(event)

    # -- live -----------------------------------------------------------------------------------------
    def _on_feed_snapshot(self, snap: OperationSnapshot) -> None:
        take_new_roads(self.ctx, self.canvas)
        self.canvas.set_snapshot(snap)
        if self.controller is not None:
            self.controller.on_sequence(snap.sequence)

    def _on_controller_queue(self, rows: list[QueueRow]) -> None:
        p1 = [r for r in rows if r.priority == "P1"]
        ids = {r.incident_id for r in p1}
        if self._seen_p1 is None:          # at start, follow the newest P1 already open
            fresh = p1
        else:
            fresh = [r for r in p1 if r.incident_id not in self._seen_p1]
        self._seen_p1 = (self._seen_p1 or set()) | ids
        if fresh:
            self.follow(max(fresh, key=lambda r: r.reported_s))

    def follow(self, row: QueueRow) -> None:
        """Centre the map on a P1 for FOLLOW_S, then return to the whole city."""
        if self.ctx is None:
            return
        x, y = self.ctx.workbench.to_xy([[row.lon, row.lat]])[0]
        self.followed = row.incident_id
        self._follow_xy = (float(x), float(y))
        self._follow_until = time.monotonic() + FOLLOW_S
        self._frame_followed()

    def _frame_followed(self) -> None:
        x, y = self._follow_xy
        half = FOLLOW_SPAN_M / 2
        self.canvas.zoom_to_extent((x - half, y - half, x + half, y + half))

    def _on_controller_kpis(self, summary: KpiSummary) -> None:
        self.kpi.set_summary(summary)
        lines = [f"{name}  <b>{n}</b>" for name, n in sorted(summary.open_by_district.items(), key=lambda kv: -kv[1])]
        practices = getattr(summary, "practices", None)
        if practices is not None:      # the reform's own figures (综合查一次, 网格吹哨), today
            rate = practices.cross_department_rate
            lines.append("")
            lines.append(self.tr("Joint inspections today <b>{j}</b> · visits spared <b>{v}</b>").format(
                j=practices.joint_inspections, v=practices.visits_avoided))
            lines.append(self.tr("Cross-department rate <b>{r}</b> · escalated whistles <b>{e}</b>").format(
                r="–" if rate is None else f"{rate:.0%}", e=practices.escalations))
        self.districts.setText("<br>".join(lines[:14]) or self.tr("none open"))

    def _on_controller_timeline(self, entries: list[TimelineEntry]) -> None:
        shown = [e for e in entries if e.action in ("task.dispatch", "task.arrive")][:TICKER_LINES]
        lines = []
        for e in shown:
            at = datetime.fromtimestamp(e.at_s, CITY_TZ).strftime("%H:%M")
            lines.append(f"{at}  {e.incident_code}  {action_label(e.action)}  {e.officer_name}")
        self.ticker.setText("<br>".join(lines))

    def _on_timer(self) -> None:
        now = self.ctx.live.now() if self.ctx is not None else time.time()
        self.clock.setText(datetime.fromtimestamp(now, CITY_TZ).strftime("%H:%M:%S"))
        if self.followed is not None and time.monotonic() > self._follow_until:
            self.followed = None
            self.canvas.zoom_to_extent()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.live_feed is not None:
            self.live_feed.stop()
        for fn in self._on_close:
            try:
                fn()
            except Exception:
                pass
        self.canvas.cache.wait()
        super().closeEvent(event)
