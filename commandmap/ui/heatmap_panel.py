"""The incident heatmap's time window: drag it and the map's heatmap layer follows live.

The density is `services.heatmap` (Gaussian kernel on the metric grid, bandwidth
stated in the panel); reports are read once (`IncidentHistory`), so each move of
the window is a few tens of milliseconds on the full city.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QSlider, QWidget

from ..domain.snapshot import RasterGrid
from ..services.exports.window import TimeWindow
from ..services.heatmap import Density
from ..services.incident_codes import CITY_TZ

HOUR_S = 3600.0


class HeatmapPanel(QWidget):
    sig_density = Signal(object)
    """The RasterGrid to draw, or None to go back to the live layer's own density."""

    def __init__(self, window_density: Callable[[TimeWindow], Density], now: Callable[[], float],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Heatmap")
        self._density, self._now = window_density, now
        self.enabled = QCheckBox(self.tr("Show incidents of a time window"), self)
        self.enabled.toggled.connect(self.recompute)
        self.end_ago = QSlider(Qt.Orientation.Horizontal, self)       # hours before now where the window ends
        self.end_ago.setRange(0, 7 * 24)
        self.width_h = QSlider(Qt.Orientation.Horizontal, self)
        self.width_h.setRange(1, 7 * 24)
        self.width_h.setValue(24)
        for s in (self.end_ago, self.width_h):
            s.valueChanged.connect(self.recompute)
        self.caption = QLabel("", self)
        self.caption.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow(self.tr("Ends (hours ago)"), self.end_ago)
        form.addRow(self.tr("Length (hours)"), self.width_h)
        form.addRow(self.caption)
        self.grid: RasterGrid | None = None

    def time_window(self) -> TimeWindow:
        end = self._now() - self.end_ago.value() * HOUR_S
        return TimeWindow(end - self.width_h.value() * HOUR_S, end)

    def recompute(self) -> None:
        if not self.enabled.isChecked():
            self.grid = None
            self.caption.setText("")
            self.sig_density.emit(None)
            return
        w = self.time_window()
        d = self._density(w)
        self.grid = d.grid
        fmt = "%m-%d %H:%M"
        a = datetime.fromtimestamp(w.start_s or 0.0, CITY_TZ).strftime(fmt)
        b = datetime.fromtimestamp(w.end_s or 0.0, CITY_TZ).strftime(fmt)
        self.caption.setText(self.tr("{a} – {b}: {n} incidents · kernel {bw:.0f} m on a {cell:.0f} m grid").format(
            a=a, b=b, n=d.incidents, bw=d.bandwidth_m, cell=d.grid.cell_m))
        self.sig_density.emit(d.grid)
