"""The video wall's chart tiles: today's response times against the 1- and 5-minute promises,
readable from five metres (dark, large type, few marks) and with nothing to click.

Two tiles fed by `services.charts.chart_data` for the city's calendar day: the p50 and
p90 of each stage (reported → dispatched, → acknowledged, → arrived) beside its target,
and the share of arrivals within 5 minutes by hour of day. The figures are read off
the UI thread every `REFRESH_MS`; the worker only computes and leaves a future that a
UI-thread timer picks up (a worker never calls into Qt).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ..domain.analytics import STAGES
from ..services.charts import ChartData
from .background_job import BackgroundJob

log = logging.getLogger(__name__)
Loader = Callable[[float], ChartData]
"""now_s -> the chart figures (runs in the worker)."""
REFRESH_MS = 60_000
POLL_MS = 200
TILE_BG = "#0a1322"
TEXT = "#e8eef7"
AXIS = "#8aa0bf"
P50_BRUSH = "#4cc3ff"
P90_BRUSH = "#1f6fa8"
TARGET = "#ff5a5a"
ARRIVAL_BRUSH = "#3ddc84"


def _quiet_plot(plot: pg.PlotItem, tick_px: int) -> None:
    """A plot for reading, not handling: no mouse, menu or buttons; big tick labels."""
    plot.setMouseEnabled(x=False, y=False)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    font = QFont()
    font.setPixelSize(tick_px)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTickFont(font)
        axis.setPen(pg.mkPen(AXIS))
        axis.setTextPen(pg.mkPen(TEXT))
        axis.setStyle(tickTextOffset=max(4, tick_px // 3))


class WallCharts(QWidget):
    sig_drawn = Signal()
    """New figures are on the tiles."""

    def __init__(self, parent: QWidget | None = None, unit: float = 1.0) -> None:
        super().__init__(parent)
        self.setObjectName("WallCharts")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)   # nothing to click on a wall

        def px(n: float) -> int:
            return max(10, round(n * unit))
        self._load: Loader | None = None
        self._clock: Callable[[], float] = time.time
        self.data: ChartData | None = None
        self.bars: dict[str, np.ndarray] = {}       # what the tiles show, for tests
        self._job = BackgroundJob("wall-charts", self._on_data, self._on_failed, POLL_MS, parent=self)
        self.response_title = QLabel(self)
        self.response_title.setStyleSheet(f"font-size:{px(34)}px;font-weight:bold;color:{TEXT}")
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setBackground(TILE_BG)
        self.view.setMinimumHeight(px(300))
        self.response_plot = self.view.addPlot(0, 0)
        self.hour_plot = self.view.addPlot(1, 0)
        for p in (self.response_plot, self.hour_plot):
            _quiet_plot(p, px(28))
        self.hour_plot.setYRange(0, 100, padding=0.02)
        self._label_px = px(28)
        self.caption = QLabel(self)           # p90 / target figures in words, the largest type on the tile
        self.caption.setStyleSheet(f"font-size:{px(30)}px;color:{TEXT}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.response_title)
        layout.addWidget(self.caption)
        layout.addWidget(self.view, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.response_title.setText(self.tr("Response times today"))
        self.hour_plot.setTitle(self.tr("Arrived within 5 min, % by hour"), color=TEXT, size=f"{self._label_px}px")
        self.response_plot.getAxis("left").setLabel(self.tr("minutes"), color=TEXT,
                                                    **{"font-size": f"{self._label_px}px"})
        if self.data is not None:
            self._draw(self.data)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    # -- data ---------------------------------------------------------------------------------------
    def start(self, load: Loader, clock: Callable[[], float]) -> None:
        """Read now, then every REFRESH_MS (`clock`: the operation's time, read on the UI thread)."""
        self._load, self._clock = load, clock
        self.refresh()
        self._timer.start()

    def refresh(self) -> None:
        if self._load is None:
            return
        self._job.submit(self._load, self._clock())

    @property
    def busy(self) -> bool:
        """A read is on its way."""
        return self._job.busy

    def _on_failed(self, exc: Exception) -> None:   # a failed read keeps the last picture
        log.warning("wall charts refresh failed: %s", exc)

    def _on_data(self, data: ChartData) -> None:
        self.data = data
        self._draw(data)
        self.sig_drawn.emit()

    def close_worker(self) -> None:
        self._timer.stop()
        self._job.close()

    # -- drawing ------------------------------------------------------------------------------------
    def _draw(self, data: ChartData) -> None:
        names = {"reported_to_dispatched": self.tr("Send"), "dispatched_to_acknowledged": self.tr("Contact"),
                 "dispatched_to_arrived": self.tr("Arrive")}
        keys = [k for k, _, _ in STAGES]
        dists = [data.distributions[k] for k in keys]
        p50 = np.array([np.nan if d.p50_s is None else d.p50_s / 60 for d in dists])
        p90 = np.array([np.nan if d.p90_s is None else d.p90_s / 60 for d in dists])
        target = np.array([np.nan if d.target_s is None else d.target_s / 60 for d in dists])
        x = np.arange(len(keys), dtype=float)
        plot = self.response_plot
        plot.clear()
        plot.addItem(pg.BarGraphItem(x=x - 0.18, height=np.nan_to_num(p50), width=0.34, brush=P50_BRUSH, pen=None))
        plot.addItem(pg.BarGraphItem(x=x + 0.18, height=np.nan_to_num(p90), width=0.34, brush=P90_BRUSH, pen=None))
        tx = np.column_stack([x - 0.42, x + 0.42]).ravel()
        ty = np.repeat(target, 2)
        plot.addItem(pg.PlotDataItem(tx, ty, connect="pairs", pen=pg.mkPen(TARGET, width=4)))
        plot.getAxis("bottom").setTicks([list(zip(x.tolist(), [names[k] for k in keys]))])
        top = np.nanmax(np.concatenate([p90, target, [1.0]]))
        plot.setYRange(0, float(top) * 1.15, padding=0)
        plot.setXRange(-0.6, len(keys) - 0.4, padding=0)
        hours = sorted(data.by_hour)
        rates = [data.by_hour[h].arrival.rate for h in hours]
        rate = np.array([np.nan if r is None else 100 * r for r in rates], float)
        hp = self.hour_plot
        hp.clear()
        hx = np.array(hours, float)
        hp.addItem(pg.BarGraphItem(x=hx, height=np.nan_to_num(rate), width=0.7, brush=ARRIVAL_BRUSH, pen=None))
        hp.getAxis("bottom").setTicks([[(h, f"{h:02d}") for h in range(0, 24, 3)]])
        hp.setXRange(-0.6, 23.6, padding=0)
        self.bars = {"p50_min": p50, "p90_min": p90, "target_min": target, "arrival_pct_by_hour": rate}
        arrive = dists[-1]
        if arrive.n:
            self.caption.setText(self.tr("Arrive p90 <b>{p90}</b> min · within 5 min <b>{share}</b> · {n} arrivals")
                                 .format(p90=f"{arrive.p90_s / 60:.1f}" if arrive.p90_s is not None else "–",
                                         share="–" if arrive.within_target is None else f"{arrive.within_target:.0%}",
                                         n=arrive.n))
        else:
            self.caption.setText(self.tr("No arrivals yet today"))
