"""Replay: a time slider over the stored history, drawn by the map's own layers.

Load a span (default: the last 24 h), then drag, or play at a chosen speed. Each
frame is `ReplayHistory.snapshot_at(T)` handed out by `sig_snapshot`; the window
shows it instead of the live feed while replay is on. The panel lists the
recommendations dispatchers had on screen at T (who was offered, their ETAs,
who was sent), can follow one officer, and answers "who was within R m of this point
at T" — the point picked on the map ("Pick on map", then a click; Esc cancels), or
the map centre until one is picked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QGridLayout, QLabel, QLineEdit, QPushButton, QSlider,
                               QSpinBox, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ..domain.snapshot import OperationSnapshot
from ..services.incident_codes import CITY_TZ
from ..services.replay import ReplayHistory

Loader = Callable[[float, float], ReplayHistory]
SPEEDS = (1, 10, 60, 300, 1800)
TICK_MS = 100
ON_SCREEN_AFTER_SEND_S = 300.0     # a list stays listed this long after someone was sent from it
ON_SCREEN_MAX_S = 3600.0


class ReplayPanel(QWidget):
    sig_snapshot = Signal(object)
    """An OperationSnapshot of the replayed moment."""
    sig_active = Signal(bool)
    """Replay took over the map (True) or gave it back to the live feed (False)."""
    sig_follow = Signal(float, float)
    """The followed officer is at these map metres."""
    sig_pick_requested = Signal(bool)
    """The analyst wants to pick the point on the map (True) or gave up picking (False)."""

    def __init__(self, load: Loader, centre: Callable[[], tuple[float, float]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Replay")
        self._load, self._centre = load, centre
        self.history: ReplayHistory | None = None
        self.t_s = 0.0
        now = QDateTime.currentDateTime()
        self.start = QDateTimeEdit(now.addDays(-1), self)
        self.end = QDateTimeEdit(now, self)
        for e in (self.start, self.end):
            e.setCalendarPopup(True)
            e.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.load_button = QPushButton(self.tr("Load"), self)
        self.load_button.clicked.connect(self.load)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(lambda v: self.seek(self._t0() + float(v)))
        self.time_label = QLabel("—", self)
        self.play_button = QPushButton(self.tr("Play"), self)
        self.play_button.setCheckable(True)
        self.play_button.setEnabled(False)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.speed = QComboBox(self)
        for s in SPEEDS:
            self.speed.addItem(f"{s}×", s)
        self.speed.setCurrentIndex(2)
        self.stop_button = QPushButton(self.tr("Back to live"), self)
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        self.follow = QLineEdit(self)
        self.follow.setPlaceholderText(self.tr("follow badge"))
        self.radius = QSpinBox(self)
        self.radius.setRange(50, 20_000)
        self.radius.setValue(500)
        self.radius.setSuffix(" m")
        self.point: tuple[float, float] | None = None     # picked on the map; None: the map centre
        self.within_button = QPushButton(self.tr("Who was within R of the point"), self)
        self.within_button.clicked.connect(self.show_within)
        self.pick_button = QPushButton(self.tr("Pick on map"), self)
        self.pick_button.setObjectName("ReplayPickPoint")
        self.pick_button.setCheckable(True)
        self.pick_button.setToolTip(self.tr("Click the map to choose the point (Esc cancels)"))
        self.pick_button.toggled.connect(self.sig_pick_requested.emit)
        self.point_label = QLabel(self.tr("Point: the map centre"), self)
        self.within_label = QLabel("", self)
        self.within_label.setWordWrap(True)
        self.shown = QTreeWidget(self)
        self.shown.setHeaderLabels([self.tr("Incident / officer"), self.tr("ETA"), self.tr("Sent")])
        grid = QGridLayout()
        grid.addWidget(self.start, 0, 0)
        grid.addWidget(self.end, 0, 1)
        grid.addWidget(self.load_button, 0, 2)
        grid.addWidget(self.slider, 1, 0, 1, 3)
        grid.addWidget(self.time_label, 2, 0)
        grid.addWidget(self.play_button, 2, 1)
        grid.addWidget(self.speed, 2, 2)
        grid.addWidget(self.follow, 3, 0)
        grid.addWidget(self.radius, 3, 1)
        grid.addWidget(self.stop_button, 3, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(grid)
        question = QGridLayout()
        question.addWidget(self.point_label, 0, 0)
        question.addWidget(self.pick_button, 0, 1)
        question.addWidget(self.within_button, 1, 0, 1, 2)
        layout.addLayout(question)
        layout.addWidget(self.within_label)
        layout.addWidget(self.shown, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _t0(self) -> float:
        return self.history.start_s if self.history is not None else 0.0

    # -- loading and moving -------------------------------------------------------------------------
    def load(self) -> None:
        start = float(self.start.dateTime().toSecsSinceEpoch())
        end = float(self.end.dateTime().toSecsSinceEpoch())
        self.set_history(self._load(start, end))

    def set_history(self, history: ReplayHistory) -> None:
        if self.history is not None and self.history is not history:
            self.history.close()
        self.history = history
        self.slider.blockSignals(True)
        self.slider.setRange(0, int(history.end_s - history.start_s))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        for w in (self.slider, self.play_button, self.stop_button):
            w.setEnabled(True)
        self.sig_active.emit(True)
        self.seek(history.start_s)

    def seek(self, t_s: float) -> OperationSnapshot | None:
        """Show the moment `t_s` (clamped to the loaded span)."""
        h = self.history
        if h is None:
            return None
        self.t_s = min(max(t_s, h.start_s), h.end_s)
        self.slider.blockSignals(True)
        self.slider.setValue(int(self.t_s - h.start_s))
        self.slider.blockSignals(False)
        self.time_label.setText(datetime.fromtimestamp(self.t_s, CITY_TZ).strftime("%Y-%m-%d %H:%M:%S"))
        snap = h.snapshot_at(self.t_s)
        self.sig_snapshot.emit(snap)
        self._follow(snap)
        self._show_recommendations()
        return snap

    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText(self.tr("Pause") if on else self.tr("Play"))
        self.timer.start() if on else self.timer.stop()

    def _tick(self) -> None:
        if self.history is None:
            return
        self.seek(self.t_s + float(self.speed.currentData()) * TICK_MS / 1000)
        if self.t_s >= self.history.end_s:
            self.play_button.setChecked(False)

    def stop(self) -> None:
        self.play_button.setChecked(False)
        self.pick_button.setChecked(False)          # back to live: a pending pick on the map is off too
        if self.history is not None:
            self.history.close()
        self.history = None
        for w in (self.slider, self.play_button, self.stop_button):
            w.setEnabled(False)
        self.sig_active.emit(False)

    # -- questions ------------------------------------------------------------------------------------
    def _follow(self, snap: OperationSnapshot) -> None:
        badge = self.follow.text().strip()
        if not badge or badge not in snap.officers.badges:
            return
        k = snap.officers.badges.index(badge)
        x, y = snap.officers.xy[k]
        if np.isfinite(x) and np.isfinite(y):
            self.sig_follow.emit(float(x), float(y))

    def set_point(self, x: float, y: float) -> None:
        """The point was picked on the map: answer for it at once."""
        self.point = (x, y)
        self.pick_button.setChecked(False)
        self.point_label.setText(self.tr("Point: picked on the map"))
        self.show_within()

    def pick_cancelled(self) -> None:
        self.pick_button.setChecked(False)

    def show_within(self) -> None:
        if self.history is None:
            return
        x, y = self.point if self.point is not None else self._centre()
        near = self.history.within(x, y, float(self.radius.value()), self.t_s)
        self.within_label.setText(", ".join(f"{n.badge} {n.distance_m:.0f} m" for n in near) or self.tr("nobody"))

    def _show_recommendations(self) -> None:
        self.shown.clear()
        if self.history is None:
            return
        for incident_id, lst in sorted(self.history.shown_at(self.t_s).items()):
            recent = lst.dispatched_at_s is None or lst.dispatched_at_s > self.t_s - ON_SCREEN_AFTER_SEND_S
            if not recent or lst.at_s < self.t_s - ON_SCREEN_MAX_S:
                continue     # long dispatched, or an old list nobody acted on: no longer on a screen
            top = QTreeWidgetItem([f"#{incident_id} · {lst.seat}", "", ""])
            for c in lst.candidates:
                sent = "✔" if c.officer_id == lst.chosen_officer_id else ""
                top.addChild(QTreeWidgetItem([f"{c.badge} {c.name}", f"{c.eta_s / 60:.1f} min", sent]))
            self.shown.addTopLevelItem(top)
        self.shown.expandAll()
