"""Saved joint inspection plans (综合查一次) at the workstation: list them, dispatch one, see it run.

A small non-modal dialog: every saved plan with its status (planned, under way,
done), sites done of all, team and the visits it spares; *Dispatch* sends the
selected plan's team through `Workbench.dispatch_plan` (all or none). The list is
read and the plan sent on worker threads (`BackgroundJob`), never on the UI
thread; a lost race (a team member taken meanwhile) comes back as data and is
shown inline under the list, naming each officer and why. While a plan is under
way (and for the plan selected here) the map draws its route through the sites
in visiting order as a dashed line, through `overlay` (one of the window's
snapshot overlays); the list is re-read every `REFRESH_MS` while a plan runs or
the dialog is open (so the route disappears when the plan is done), and once a
minute otherwise (a plan another seat dispatched appears).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ..domain.snapshot import OperationSnapshot, RouteArrays
from ..services.plan_list import PlanSummary
from .background_job import BackgroundJob

log = logging.getLogger(__name__)
REFRESH_MS = 10_000
IDLE_TICKS = 6           # with nothing under way and the dialog closed: every 6th tick (a minute)
PLAN_ID_ROLE = Qt.ItemDataRole.UserRole


class PlansDialog(QDialog):
    sig_outcome = Signal(str, bool)
    """After a dispatch: one line for the status bar, succeeded."""
    sig_plans = Signal(object)
    """A fresh list of PlanSummary (on the UI thread)."""
    sig_routes = Signal()
    """The plan routes the map should draw changed (new list, another selection, shown or hidden)."""

    COLUMNS = ("plan", "status", "sites", "team", "avoided")

    def __init__(self, workbench: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PlansDialog")
        self.workbench = workbench
        self.plans: list[PlanSummary] = []
        self._routes: RouteArrays | None = None
        self._load_job = BackgroundJob("plans", self._on_loaded, self._on_load_failed, parent=self)
        self._send_job = BackgroundJob("plan-send", self._on_sent, self._on_send_failed, parent=self)
        self._reload_again = False
        self._ticks = 0

        self.table = QTableWidget(0, len(self.COLUMNS), self)
        self.table.setObjectName("PlansTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_table_selection)
        self.table.itemDoubleClicked.connect(lambda _item: self.dispatch_selected())
        self.outcome = QLabel(self)
        self.outcome.setObjectName("PlanOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.hide()
        self.buttons = QDialogButtonBox(self)
        self.dispatch_button = QPushButton(self)
        self.dispatch_button.setObjectName("PlanDispatch")
        self.dispatch_button.setDefault(True)
        self.refresh_button = QPushButton(self)
        self.buttons.addButton(self.dispatch_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.hide)
        self.dispatch_button.clicked.connect(self.dispatch_selected)
        self.refresh_button.clicked.connect(self.reload)
        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._on_timer)
        self._timer.start()
        self.resize(720, 360)
        self.retranslate_ui()
        self._update_buttons()

    # -- texts ------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Joint inspection plans"))
        self.hint.setText(self.tr("Saved 综合查一次 plans. Dispatch sends the whole team to the first site; each "
                                  "member's 'resolved' moves them on to the next site until the last."))
        self.table.setHorizontalHeaderLabels([self.tr("Plan"), self.tr("Status"), self.tr("Sites"), self.tr("Team"),
                                              self.tr("Visits avoided")])
        self.dispatch_button.setText(self.tr("Dispatch plan"))
        self.dispatch_button.setToolTip(self.tr("Send the selected plan's whole team to its first site "
                                                "(all or none)"))
        self.refresh_button.setText(self.tr("Refresh"))
        self._fill()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def status_text(self, status: str) -> str:
        return {"planned": self.tr("Planned"), "dispatched": self.tr("Under way"),
                "done": self.tr("Done")}.get(status, status)

    # -- the list -----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the plans again on the worker (once the running read ends, if one runs)."""
        if not self._load_job.submit(self.workbench.plans):
            self._reload_again = True

    def _on_timer(self) -> None:
        self._ticks += 1
        # often while it matters (open, or a plan under way); otherwise once a minute, to notice a plan
        # another seat or the command line dispatched
        if self.isVisible() or any(p.status == "dispatched" for p in self.plans) or self._ticks % IDLE_TICKS == 0:
            self.reload()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        self._routes_changed()
        self.reload()

    def hideEvent(self, event: Any) -> None:  # noqa: N802
        super().hideEvent(event)
        self._routes_changed()    # the selected plan's route goes with the dialog

    def _routes_changed(self) -> None:
        self._routes = None
        self.sig_routes.emit()

    def _on_load_failed(self, exc: Exception) -> None:
        log.warning("plans not read: %s", exc)
        self._show_outcome(self.tr("Plans could not be read: {error}").format(error=exc), False)

    def _on_loaded(self, plans: list[PlanSummary]) -> None:
        self.plans = list(plans)
        self._fill()
        self.sig_plans.emit(self.plans)
        self._routes_changed()
        if self._reload_again:
            self._reload_again = False
            self.reload()

    def _fill(self) -> None:
        keep = self.selected_plan_id()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.plans))
        for r, p in enumerate(self.plans):
            team = ", ".join(f"#{o}" for o in p.team)
            cells = (p.name, self.status_text(p.status),
                     self.tr("{done}/{n} done").format(done=p.sites_done, n=p.sites),
                     self.tr("{n}: {ids}").format(n=len(p.team), ids=team), str(p.visits_avoided))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(PLAN_ID_ROLE, p.plan_id)
                if c == 0:
                    item.setToolTip(self.tr("Plan {id}: sites {sites}").format(
                        id=p.plan_id, sites=", ".join(map(str, p.site_ids))))
                if c == 1 and p.status == "dispatched":
                    item.setForeground(QColor("#0d47a1"))
                if c in (2, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
            if p.plan_id == keep:
                self.table.selectRow(r)
        self.table.blockSignals(False)
        self._update_buttons()

    def selected_plan_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return None if item is None else int(item.data(PLAN_ID_ROLE))

    def select_plan(self, plan_id: int) -> bool:
        for r, p in enumerate(self.plans):
            if p.plan_id == plan_id:
                self.table.selectRow(r)
                return True
        return False

    def _selected(self) -> PlanSummary | None:
        pid = self.selected_plan_id()
        return next((p for p in self.plans if p.plan_id == pid), None)

    def _on_table_selection(self) -> None:
        self._update_buttons()
        self._routes_changed()

    def _update_buttons(self) -> None:
        p = self._selected()
        read_only = bool(getattr(self.workbench, "read_only", False))
        self.dispatch_button.setEnabled(p is not None and p.status == "planned" and not read_only
                                        and not self._send_job.busy)
        if read_only:
            self.dispatch_button.setToolTip(self.tr("Your role may not dispatch"))

    # -- dispatching --------------------------------------------------------------------------------
    def dispatch_selected(self) -> bool:
        """Send the selected plan on the worker (False: nothing sendable selected, or a send runs)."""
        p = self._selected()
        if p is None or p.status != "planned" or not self.dispatch_button.isEnabled():
            return False
        if not self._send_job.submit(self.workbench.dispatch_plan, p.plan_id):
            return False
        self._show_outcome(self.tr("Sending plan {id}…").format(id=p.plan_id), True)
        self._update_buttons()
        return True

    def _on_sent(self, result: Any) -> None:
        if result.ok:
            text = self.tr("Plan dispatched: {message}").format(message=result.message)
        elif result.conflicts:
            lines = "\n".join(f"• {c.message}" for c in result.conflicts)
            text = self.tr("Not sent, nobody was moved:\n{lines}").format(lines=lines)
        else:
            text = self.tr("Not sent: {message}").format(message=result.message)
        self._show_outcome(text, bool(result.ok))
        self.sig_outcome.emit(result.message, bool(result.ok))
        self._update_buttons()
        self.reload()

    def _on_send_failed(self, exc: Exception) -> None:
        self._show_outcome(self.tr("Plan not sent: {error}").format(error=exc), False)
        self._update_buttons()

    def _show_outcome(self, text: str, ok: bool) -> None:
        self.outcome.setText(text)
        self.outcome.setProperty("ok", ok)
        self.outcome.setStyleSheet("" if ok else "color: #b71c1c; font-weight: 600;")
        self.outcome.show()

    # -- the map ------------------------------------------------------------------------------------
    def route_arrays(self) -> RouteArrays | None:
        """Dashed lines through the sites of every plan under way and of the selected plan, in metres."""
        if self._routes is not None:
            return self._routes
        selected = self.selected_plan_id() if self.isVisible() else None
        shown = [p for p in self.plans if len(p.stops_lonlat) >= 2
                 and (p.status == "dispatched" or p.plan_id == selected)]
        if not shown:
            return None
        xy = [self.workbench.to_xy(np.array(p.stops_lonlat, np.float64)) for p in shown]
        offsets = np.concatenate([[0], np.cumsum([len(a) for a in xy])]).astype(np.int64)
        self._routes = RouteArrays(np.vstack(xy), offsets, np.full(len(shown), -1, np.int64),
                                   np.array([p.route_eta_s for p in shown], np.float32), np.ones(len(shown), bool))
        return self._routes

    def overlay(self, snap: OperationSnapshot) -> OperationSnapshot:
        """The snapshot with the plan routes added to its routes (a window snapshot overlay)."""
        extra = self.route_arrays()
        if extra is None:
            return snap
        return dataclasses.replace(snap, routes=snap.routes.plus(extra))

    def close_jobs(self) -> None:
        self._timer.stop()
        self._load_job.close()
        self._send_job.close()
