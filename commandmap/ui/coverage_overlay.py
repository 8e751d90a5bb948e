"""The map's 5-minute coverage layer, fed: where no available officer can arrive within 5 minutes.

Refreshed off the UI thread from the seat's live arrays every `REFRESH_MS` while
the layer is shown (a full-city raster costs about a second; nothing is computed
while the layer is hidden). The shares of sites, grids and population covered,
and the best move-up suggestions with their gains, go to the status bar.
"""

from __future__ import annotations

import dataclasses
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ..domain.snapshot import OfficerStatusCode, OperationSnapshot
from ..services.coverage import CoverageModel, CoverageReport, OfficerFleet

log = logging.getLogger(__name__)
REFRESH_MS = 30_000
RASTER_CELL_M = 200.0


class CoverageOverlay(QObject):
    sig_report = Signal(object)
    """A fresh CoverageReport (emitted on the UI thread)."""

    def __init__(self, ctx: Any, is_shown: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._is_shown = is_shown
        self.report: CoverageReport | None = None
        self._model: CoverageModel | None = None
        self._model_graph: object = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="commandmap-coverage")
        self._busy = False
        self._was_shown = False
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._future: Future[CoverageReport] | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._on_poll)

    def on_layer_changed(self, layer: Any, _static: bool) -> None:
        """The layer was just switched on: compute now rather than at the next period."""
        shown = bool(layer.visible)
        if shown and not self._was_shown:
            self.refresh()
        self._was_shown = shown

    def overlay(self, snap: OperationSnapshot) -> OperationSnapshot:
        """The snapshot with the latest coverage raster (the live state computes none)."""
        if self.report is None or self.report.raster is None or not self._is_shown():
            return snap
        return dataclasses.replace(snap, coverage_s=self.report.raster)

    def refresh(self) -> None:
        """Recompute now if the layer is shown and no computation is running."""
        if self._busy or not self._is_shown():
            return
        self._busy = True
        arrays = self.ctx.live.roster_arrays()
        fleet = OfficerFleet(arrays.ids, arrays.lonlat, arrays.on_duty & (arrays.status == OfficerStatusCode.AVAILABLE)
                             & np.isfinite(arrays.lonlat).all(axis=1))
        self._future = self._pool.submit(self._compute, fleet)
        self._poll.start()          # the UI thread picks the result up: a worker never calls into Qt

    def _compute(self, fleet: OfficerFleet) -> CoverageReport:
        graph = self.ctx.workbench.recommender.graph
        if self._model is None or self._model_graph is not graph:   # first use, or a new road network
            self._model, self._model_graph = CoverageModel.from_engine(self.ctx.engine, graph), graph
        keep = np.isfinite(fleet.lonlat).all(axis=1)
        return self._model.refresh(OfficerFleet(fleet.ids[keep], fleet.lonlat[keep], fleet.available[keep]),
                                   raster_cell_m=RASTER_CELL_M)

    def _on_poll(self) -> None:
        fut = self._future
        if fut is None or not fut.done():
            return
        self._poll.stop()
        self._future = None
        self._busy = False
        try:
            report = fut.result()
        except Exception as exc:  # a failed refresh keeps the last picture
            log.warning("coverage refresh failed: %s", exc)
            return
        self.report = report
        self.sig_report.emit(report)

    def close(self) -> None:
        self._timer.stop()
        self._poll.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
