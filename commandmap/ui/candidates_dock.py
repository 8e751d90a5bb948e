"""Who could go to the selected incident: ranked officers with ETAs, and why others are left out.

The answer to "can anyone make it in 5 minutes" stands first, in words. A lost
dispatch race shows inline here, in a banner naming who won, with the fresh
recommendation below it — never a dialog. Hovering or arrowing through the
list previews that officer's route on the map (`sig_preview`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ..services.board import QueueRow
from ..services.dispatch import DispatchResult
from ..services.recommend import Candidate, Recommendation
from .dispatch_controller import format_duration
from .labels import left_out_label, mode_label

MAX_SHOWN = 5


def format_distance(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


class CandidatesDock(QWidget):
    sig_preview = Signal(int)
    """Row of the candidate whose route to preview (-1: the chosen one)."""
    sig_choose = Signal(int)
    """The dispatcher picked candidate `index` (click)."""
    sig_dispatch = Signal()
    """The dispatch button was pressed."""
    sig_widen = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Candidates")
        self.recommendation: Recommendation | None = None
        self.row: QueueRow | None = None
        self.title = QLabel(self)
        self.title.setObjectName("CandidatesIncident")
        self.title.setWordWrap(True)
        self.verdict = QLabel(self)
        self.verdict.setObjectName("CandidatesVerdict")
        self.verdict.setWordWrap(True)
        font = QFont(self.verdict.font())
        font.setBold(True)
        font.setPixelSize(round(max(font.pixelSize(), 14) * 1.15))
        self.verdict.setFont(font)
        self.conflict = QLabel(self)
        self.conflict.setObjectName("CandidatesConflict")
        self.conflict.setWordWrap(True)
        self.conflict.setStyleSheet("background:#e03030;color:white;padding:6px;border-radius:3px;font-weight:bold")
        self.conflict.hide()
        self.widen_box = QCheckBox(self)
        self.widen_box.setObjectName("WidenDepartments")
        self.widen_box.toggled.connect(self.sig_widen.emit)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("CandidateList")
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnCount(9)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setMouseTracking(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemEntered.connect(lambda item, _c: self.sig_preview.emit(self.tree.indexOfTopLevelItem(item)))
        self.tree.currentItemChanged.connect(          # arrowing through the list previews each route too
            lambda item, _prev: self.sig_preview.emit(self.tree.indexOfTopLevelItem(item) if item else -1))
        self.tree.itemClicked.connect(lambda item, _c: self.sig_choose.emit(self.tree.indexOfTopLevelItem(item)))
        self.tree.itemDoubleClicked.connect(lambda _item, _c: self.sig_dispatch.emit())
        self.tree.viewport().installEventFilter(self)
        self.left_out = QLabel(self)
        self.left_out.setObjectName("CandidatesLeftOut")
        self.left_out.setWordWrap(True)
        self.dispatch_button = QPushButton(self)
        self.dispatch_button.setObjectName("DispatchButton")
        self.dispatch_button.clicked.connect(self.sig_dispatch.emit)
        self.dispatch_button.setMinimumHeight(36)
        buttons = QHBoxLayout()
        buttons.addWidget(self.widen_box)
        buttons.addStretch(1)
        buttons.addWidget(self.dispatch_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        for w in (self.title, self.verdict, self.conflict):
            layout.addWidget(w)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.left_out)
        layout.addLayout(buttons)
        self.retranslate_ui()

    def eventFilter(self, watched, event) -> bool:  # type: ignore[no-untyped-def]  # noqa: N802
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Leave:
            self.sig_preview.emit(-1)
        return super().eventFilter(watched, event)

    # -- texts ------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self.tree.setHeaderLabels(["#", self.tr("Officer"), self.tr("Badge"), self.tr("Department"), self.tr("Mode"),
                                   self.tr("ETA"), self.tr("Road distance"), self.tr("Fix age"), self.tr("Why")])
        self.widen_box.setText(self.tr("Include other departments"))
        self.widen_box.setToolTip(self.tr("Rank officers of every department, not only the competent ones"))
        self._show()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    # -- content ----------------------------------------------------------------------------------
    def set_incident(self, row: QueueRow | None) -> None:
        if row is None or self.row is None or row.incident_id != self.row.incident_id:
            self.conflict.hide()
        self.row = row
        self._show_title()
        self._update_button()

    def set_recommendation(self, rec: Recommendation | None) -> None:
        self.recommendation = rec
        self._show()

    def set_chosen(self, index: int) -> None:
        item = self.tree.topLevelItem(index) if index >= 0 else None
        if item is not None:
            self.tree.setCurrentItem(item)
        else:
            self.tree.clearSelection()
        self._update_button()

    def show_conflict(self, result: DispatchResult) -> None:
        self.conflict.setText(self.tr("Not sent: {why}. Fresh candidates below.").format(why=result.message))
        self.conflict.show()

    def _show_title(self) -> None:
        r = self.row
        if r is None:
            self.title.setText(self.tr("No incident selected"))
            return
        officer = self.tr(" · officer: {name}").format(name=r.officer_name) if r.officer_name else ""
        self.title.setText(f"<b>{r.code}</b> · {r.priority} · {r.category}<br>{r.jurisdiction}{officer}")

    def _show(self) -> None:
        self._show_title()
        rec = self.recommendation
        self.tree.clear()
        if rec is None:
            self.verdict.setText(self.tr("Finding the nearest officers…") if self.row is not None else "")
            self.verdict.setStyleSheet("")
            self.left_out.setText("")
            self._update_button()
            return
        target_min = rec.target_s / 60
        n_in = sum(c.within_target for c in rec.candidates)
        if not rec.candidates:
            self.verdict.setText(self.tr("Nobody to send: no eligible officer can reach the scene"))
            colour = "#e03030"
        elif rec.can_meet_target:
            self.verdict.setText(self.tr("{n} can arrive within {m:.0f} min · best {best}").format(
                n=n_in, m=target_min, best=format_duration(rec.candidates[0].eta_s)))
            colour = "#1a9850"
        else:
            self.verdict.setText(self.tr("Nobody can arrive within {m:.0f} min · best {best}").format(
                m=target_min, best=format_duration(rec.candidates[0].eta_s)))
            colour = "#e03030"
        self.verdict.setStyleSheet(f"color:{colour}")
        for i, c in enumerate(rec.candidates[:MAX_SHOWN]):
            self.tree.addTopLevelItem(self._item(i, c, rec.estimated))
        left = ", ".join(f"{n} {left_out_label(k)}" for k, n in sorted(rec.left_out.items(), key=lambda kv: -kv[1])
                         if n and k != "not_in_top_k")
        self.left_out.setText(self.tr("Left out: {reasons}").format(reasons=left) if left else "")
        self._update_button()

    def _item(self, i: int, c: Candidate, estimated: bool) -> QTreeWidgetItem:
        why = self.tr("straight-line estimate") if estimated else (
            self.tr("fastest by road") if i == 0 else self.tr("{s} slower than #1").format(
                s=format_duration(c.eta_s - self.recommendation.candidates[0].eta_s)  # type: ignore[union-attr]
            ))
        item = QTreeWidgetItem([str(i + 1), c.name, c.badge, c.department, mode_label(c.mode),
                                format_duration(c.eta_s), format_distance(c.distance_m),
                                format_duration(c.fix_age_s), why])
        item.setData(0, Qt.ItemDataRole.UserRole, c.officer_id)
        colour = QColor("#1a9850") if c.within_target else QColor("#e03030")
        item.setForeground(5, colour)
        bold = QFont(item.font(5))
        bold.setBold(True)
        item.setFont(5, bold)
        item.setToolTip(8, c.reason)
        return item

    def _update_button(self) -> None:
        rec, row = self.recommendation, self.row
        current = self.tree.currentItem()
        index = self.tree.indexOfTopLevelItem(current) if current is not None else 0
        ready = rec is not None and bool(rec.candidates) and row is not None
        self.dispatch_button.setEnabled(ready)
        if row is not None and row.task_id is not None:
            self.dispatch_button.setText(self.tr("Reassign to #{n}  (Enter)").format(n=index + 1))
        else:
            self.dispatch_button.setText(self.tr("Dispatch #{n}  (Enter)").format(n=index + 1))

    def candidate_names(self) -> list[str]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item.text(1) for item in items if item is not None]

