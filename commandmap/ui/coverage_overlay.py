"""The map's 5-minute coverage layer, fed: where no available officer can arrive within 5 minutes.

Refreshed off the UI thread from the seat's live arrays every `REFRESH_MS` while
the layer is shown (a full-city raster costs about a second; nothing is computed
while the layer is hidden). The shares of sites, grids and population covered,
and the best move-up suggestions with their gains, go to the status bar; the
suggestions are drawn on the map as arrows, and `send_best_move_up` (the M key)
sends the best one not yet sent as a repositioning task, on a worker thread.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ..domain.snapshot import MoveUpArrows, OfficerStatusCode, OperationSnapshot
from ..services.coverage import CoverageModel, CoverageReport, MoveSuggestion, OfficerFleet
from .background_job import BackgroundJob

log = logging.getLogger(__name__)
REFRESH_MS = 30_000
RASTER_CELL_M = 200.0


class CoverageOverlay(QObject):
    sig_report = Signal(object)
    """A fresh CoverageReport (emitted on the UI thread)."""
    sig_outcome = Signal(str, bool)
    """After sending a move-up: one line, succeeded."""

    def __init__(self, ctx: Any, is_shown: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._is_shown = is_shown
        self.report: CoverageReport | None = None
        self._model: CoverageModel | None = None
        self._model_graph: object = None
        # the UI thread picks results up: a worker never calls into Qt
        self._job = BackgroundJob("coverage", self._on_report, self._on_report_failed, parent=self)
        self._was_shown = False
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.arrows: MoveUpArrows | None = None
        self._sent: set[int] = set()             # officers sent from the current report
        self._send_job = BackgroundJob("move-up", self._on_sent, self._on_send_failed, parent=self)

    def on_layer_changed(self, layer: Any, _static: bool) -> None:
        """The layer was just switched on: compute now rather than at the next period."""
        shown = bool(layer.visible)
        if shown and not self._was_shown:
            self.refresh()
        self._was_shown = shown

    def overlay(self, snap: OperationSnapshot) -> OperationSnapshot:
        """The snapshot with the latest coverage raster (the live state computes none)."""
        if self.report is None or not self._is_shown():
            return snap
        return dataclasses.replace(snap, coverage_s=self.report.raster, move_ups=self.arrows)

    def refresh(self) -> None:
        """Recompute now if the layer is shown and no computation is running."""
        if self._job.busy or not self._is_shown():
            return
        arrays = self.ctx.live.roster_arrays()
        fleet = OfficerFleet(arrays.ids, arrays.lonlat, arrays.on_duty & (arrays.status == OfficerStatusCode.AVAILABLE)
                             & np.isfinite(arrays.lonlat).all(axis=1))
        self._job.submit(self._compute, fleet)

    def _compute(self, fleet: OfficerFleet) -> CoverageReport:
        graph = self.ctx.workbench.recommender.graph
        if self._model is None or self._model_graph is not graph:   # first use, or a new road network
            self._model, self._model_graph = CoverageModel.from_engine(self.ctx.engine, graph), graph
        keep = np.isfinite(fleet.lonlat).all(axis=1)
        return self._model.refresh(OfficerFleet(fleet.ids[keep], fleet.lonlat[keep], fleet.available[keep]),
                                   raster_cell_m=RASTER_CELL_M)

    def _on_report_failed(self, exc: Exception) -> None:   # a failed refresh keeps the last picture
        log.warning("coverage refresh failed: %s", exc)

    def _on_report(self, report: CoverageReport) -> None:
        self.report = report
        self._sent = set()
        self._update_arrows()
        self.sig_report.emit(report)

    def pending_moves(self) -> list[MoveSuggestion]:
        """The current report's suggestions not yet sent, best first."""
        return [] if self.report is None else [m for m in self.report.moves if m.officer_id not in self._sent]

    def _update_arrows(self) -> None:
        moves = self.pending_moves()
        if not moves:
            self.arrows = None
            return
        to_xy = self.ctx.workbench.to_xy
        self.arrows = MoveUpArrows(np.array([m.officer_id for m in moves], np.int64),
                                   to_xy(np.array([m.from_lonlat for m in moves])),
                                   to_xy(np.array([m.to_lonlat for m in moves])),
                                   np.array([m.gain_sites for m in moves], np.float64))

    def send_best_move_up(self) -> bool:
        """Send the best suggestion not yet sent (False: nothing to send, or a send is running)."""
        if self._send_job.busy:
            return False
        moves = self.pending_moves()
        if not moves:
            self.sig_outcome.emit(self.tr("No move-up to send: show the coverage layer and wait for its "
                                          "suggestions"), False)
            return False
        move = moves[0]
        self._sent.add(move.officer_id)           # not offered again, whatever the outcome
        self._update_arrows()
        self._send_job.submit(self.ctx.workbench.send_move_up, move)
        return True

    def _on_send_failed(self, exc: Exception) -> None:
        self.sig_outcome.emit(self.tr("Move-up failed: {error}").format(error=exc), False)

    def _on_sent(self, result: Any) -> None:
        self.sig_outcome.emit(result.message, bool(result.ok))

    def close(self) -> None:
        self._timer.stop()
        self._job.close()
        self._send_job.close()
