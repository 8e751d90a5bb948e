"""The analyst's charts (pyqtgraph): where the 1-minute and 5-minute promises fail.

Four plots over one filter (date range, district): the response-time distribution of
a chosen stage with p50/p90 marked against its target; SLA compliance by district;
SLA compliance by hour of day; officer utilisation by department. The figures come
from `services.charts.chart_data` (the `load` callable the window hands in); the
panel only draws them, and exports them as PNG (pyqtgraph's exporter, at any width)
or CSV (services.charts.write_csv).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import QDateTime, QMarginsF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from ..domain.analytics import STAGES
from ..services.charts import ChartData, write_csv
from ..services.exports.window import TimeWindow

Loader = Callable[[TimeWindow, "str | None"], ChartData]
P50_PEN = pg.mkPen("#1d4ed8", width=2)
P90_PEN = pg.mkPen("#1d4ed8", width=2, style=Qt.PenStyle.DashLine)
TARGET_PEN = pg.mkPen("#dc2626", width=2)
CONTACT_BRUSH = pg.mkBrush("#16a34a")
ARRIVAL_BRUSH = pg.mkBrush("#f59e0b")
KINDS = ("all", "response", "district", "hour", "utilisation")
PDF_DPI = 300


class ChartsPanel(QWidget):
    sig_loaded = Signal()
    """New figures are drawn."""

    def __init__(self, load: Loader, districts: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Charts")
        self._load = load
        self.data: ChartData | None = None
        now = QDateTime.currentDateTime()
        self.start = QDateTimeEdit(now.addDays(-1), self)
        self.end = QDateTimeEdit(now, self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.district = QComboBox(self)
        self.district.addItem(self.tr("All districts"), None)
        for name in districts:
            self.district.addItem(name, name)
        self.stage = QComboBox(self)
        labels = {"reported_to_dispatched": self.tr("Reported → dispatched"),
                  "dispatched_to_acknowledged": self.tr("Dispatched → acknowledged (1 min)"),
                  "dispatched_to_arrived": self.tr("Dispatched → arrived (5 min)")}
        for key, _, _ in STAGES:
            self.stage.addItem(labels.get(key, key), key)
        self.stage.currentIndexChanged.connect(self._draw_distribution)
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton(self.tr("Export…"), self)
        self.export_button.setObjectName("ChartsExport")
        self.export_button.clicked.connect(self.export_dialog)
        bar = QHBoxLayout()
        for w in (QLabel(self.tr("From"), self), self.start, QLabel(self.tr("to"), self), self.end, self.district,
                  self.stage, self.refresh_button, self.export_button):
            bar.addWidget(w)
        bar.addStretch(1)
        self.view = pg.GraphicsLayoutWidget(self)
        self.view.setBackground("w")
        self.view.scene().contextMenu = []   # pyqtgraph's right-click "Export..." would bypass the export check
        self.dist_plot = self.view.addPlot(0, 0, title=self.tr("Response time"))
        self.district_plot = self.view.addPlot(0, 1, title=self.tr("SLA compliance by district"))
        self.hour_plot = self.view.addPlot(1, 0, title=self.tr("SLA compliance by hour of day"))
        self.util_plot = self.view.addPlot(1, 1, title=self.tr("Officer utilisation by department"))
        self.dist_plot.setLabel("bottom", self.tr("seconds"))
        for p in (self.district_plot, self.hour_plot, self.util_plot):
            p.setYRange(0, 1.05)
        self.marks: dict[str, pg.InfiniteLine] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    # -- data -----------------------------------------------------------------------------------------
    def time_window(self) -> TimeWindow:
        return TimeWindow(self.start.dateTime().toSecsSinceEpoch(), self.end.dateTime().toSecsSinceEpoch())

    def refresh(self) -> None:
        self.set_data(self._load(self.time_window(), self.district.currentData()))

    def set_data(self, data: ChartData) -> None:
        self.data = data
        self._draw_distribution()
        self._draw_rates(self.district_plot, list(data.by_district), list(data.by_district.values()))
        self._draw_rates(self.hour_plot, [str(h) for h in data.by_hour], list(data.by_hour.values()))
        self._draw_utilisation()
        self.sig_loaded.emit()

    def _draw_distribution(self) -> None:
        plot = self.dist_plot
        plot.clear()
        self.marks = {}
        if self.data is None:
            return
        dist = self.data.distributions[self.stage.currentData()]
        if dist.n:
            top = max(float(dist.values_s.max()), dist.target_s or 0.0) * 1.05 + 1
            counts, edges = np.histogram(dist.values_s, bins=min(40, max(5, dist.n)), range=(0.0, top))
            plot.addItem(pg.BarGraphItem(x0=edges[:-1], x1=edges[1:], height=counts, brush="#94a3b8"))
        for name, value, pen, at in (("p50", dist.p50_s, P50_PEN, 0.95), ("p90", dist.p90_s, P90_PEN, 0.85),
                                     ("target", dist.target_s, TARGET_PEN, 0.75)):   # labels at three heights
            if value is not None:
                line = pg.InfiniteLine(pos=value, angle=90, pen=pen, label=f"{name} {value:.0f} s",
                                       labelOpts={"position": at, "color": pen.color()})
                plot.addItem(line)
                self.marks[name] = line

    @staticmethod
    def _draw_rates(plot: pg.PlotItem, keys: list[str], kpis: list) -> None:  # type: ignore[type-arg]
        plot.clear()
        x = np.arange(len(keys), dtype=float)
        contact = np.array([np.nan if k.contact.rate is None else k.contact.rate for k in kpis], float)
        arrival = np.array([np.nan if k.arrival.rate is None else k.arrival.rate for k in kpis], float)
        plot.addItem(pg.BarGraphItem(x=x - 0.2, height=np.nan_to_num(contact), width=0.38, brush=CONTACT_BRUSH,
                                     name="contact"))
        plot.addItem(pg.BarGraphItem(x=x + 0.2, height=np.nan_to_num(arrival), width=0.38, brush=ARRIVAL_BRUSH,
                                     name="arrival"))
        plot.getAxis("bottom").setTicks([list(zip(x.tolist(), keys))])
        plot.bars = (contact, arrival)     # what was drawn, for tests and tooltips

    def _draw_utilisation(self) -> None:
        assert self.data is not None
        plot = self.util_plot
        plot.clear()
        names = list(self.data.utilisation_by_department)
        share = np.array([self.data.utilisation_by_department[n] for n in names], float)
        x = np.arange(len(names), dtype=float)
        plot.addItem(pg.BarGraphItem(x=x, height=np.nan_to_num(share), width=0.6, brush="#1d6fe0"))
        plot.getAxis("bottom").setTicks([list(zip(x.tolist(), names))])
        plot.bars = (share,)

    # -- export -----------------------------------------------------------------------------------------
    def chart_item(self, kind: str = "all") -> pg.GraphicsItem:
        """The plot of one chart kind (KINDS), or the layout of all four."""
        items = {"all": self.view.ci, "response": self.dist_plot, "district": self.district_plot,
                 "hour": self.hour_plot, "utilisation": self.util_plot}
        if kind not in items:
            raise ValueError(f"unknown chart {kind!r}; charts are: {', '.join(KINDS)}")
        return items[kind]

    def export_png(self, path: str | Path, width_px: int = 1920, kind: str = "all") -> Path:
        """All four charts (or one `kind`) as one PNG, rendered by pyqtgraph at `width_px` (not a screen grab)."""
        exporter = ImageExporter(self.chart_item(kind))
        exporter.parameters()["width"] = int(width_px)
        exporter.export(str(path))
        return Path(path)

    def export_pdf(self, path: str | Path, kind: str = "all", page_mm: tuple[float, float] = (297.0, 210.0)) -> Path:
        """All four charts (or one `kind`) on one vector PDF page (`page_mm`, A4 landscape by default):
        the scene's own painting, so bars, lines and text stay paths and text."""
        item = self.chart_item(kind)
        writer = QPdfWriter(str(path))
        writer.setPageSize(QPageSize(QSizeF(*page_mm), QPageSize.Unit.Millimeter))
        writer.setPageMargins(QMarginsF(8, 8, 8, 8), QPageLayout.Unit.Millimeter)
        writer.setResolution(PDF_DPI)
        writer.setTitle(self.tr("CommandMap charts"))
        painter = QPainter(writer)
        try:
            source = item.sceneBoundingRect()
            page = QRectF(writer.pageLayout().paintRectPixels(PDF_DPI))
            scale = min(page.width() / source.width(), page.height() / source.height())
            target = QRectF(0, 0, source.width() * scale, source.height() * scale)
            self.view.scene().render(painter, target, source, Qt.AspectRatioMode.KeepAspectRatio)
        finally:
            painter.end()
        return Path(path)

    def export_dialog(self) -> Path | None:
        """Ask for a file and write the charts there: PNG, vector PDF or CSV by its extension."""
        if self.data is None:
            self.refresh()
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("Export charts"), str(Path.home() / "charts.png"),
            self.tr("PNG image (*.png);;PDF page (*.pdf);;CSV figures (*.csv)"))
        if not path:
            return None
        suffix = Path(path).suffix.lower()
        if suffix == ".pdf":
            return self.export_pdf(path)
        if suffix == ".csv":
            return self.export_csv(path)
        return self.export_png(path if suffix == ".png" else f"{path}.png")

    def export_csv(self, path: str | Path) -> Path:
        if self.data is None:
            raise ValueError("no chart data yet: refresh first")
        return write_csv(self.data, path)
