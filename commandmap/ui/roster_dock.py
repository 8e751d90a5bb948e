"""The officers roster: who is on duty, what each is doing, how fresh their position is.

25,000 rows: the model reads statuses and fix ages straight from the live
snapshot's arrays when a row is painted (nothing is copied per tick), names
from the directory read once. Typing filters by name, badge or department;
double-click or Enter zooms the map to the officer.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import (QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel,
                            Qt, Signal)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from ..domain.snapshot import OperationSnapshot
from ..services.board import OfficerInfo, OpenTask
from .dispatch_controller import format_duration
from .labels import mode_label, officer_status_label, task_label

_ModelIndex = QModelIndex | QPersistentModelIndex


class RosterModel(QAbstractTableModel):
    COLUMNS = ("name", "badge", "department", "status", "task", "fix_age", "mode", "phone")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.directory: dict[int, OfficerInfo] = {}
        self.tasks: dict[int, OpenTask] = {}
        self.snap: OperationSnapshot | None = None
        self.ids = np.zeros(0, np.int64)

    def headers(self) -> tuple[str, ...]:
        return (self.tr("Name"), self.tr("Badge"), self.tr("Department"), self.tr("Status"), self.tr("Task"),
                self.tr("Fix age"), self.tr("Mode"), self.tr("Phone"))

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def set_directory(self, directory: dict[int, OfficerInfo]) -> None:
        self.beginResetModel()
        self.directory = directory
        self.endResetModel()

    def set_snapshot(self, snap: OperationSnapshot, tasks: dict[int, OpenTask] | None = None) -> None:
        if tasks is not None:
            self.tasks = tasks
        same_rows = self.snap is not None and np.array_equal(snap.officers.ids, self.ids)
        if not same_rows:
            self.beginResetModel()
            self.snap, self.ids = snap, np.asarray(snap.officers.ids)
            self.endResetModel()
            return
        self.snap = snap
        if len(self.ids):
            self.dataChanged.emit(self.index(0, 3), self.index(len(self.ids) - 1, 5), [Qt.ItemDataRole.DisplayRole])

    def officer_id(self, row: int) -> int:
        return int(self.ids[row])

    def status_code(self, row: int) -> int:
        return int(self.snap.officers.status[row]) if self.snap is not None else 0

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.snap is None:
            return None
        row, col = index.row(), self.COLUMNS[index.column()]
        oid = int(self.ids[row])
        info = self.directory.get(oid)
        if role == Qt.ItemDataRole.UserRole:
            return oid
        if role == Qt.ItemDataRole.UserRole + 1:       # the text the find box matches
            return f"{info.name} {info.badge} {info.department}" if info else self.snap.officers.badges[row]
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        o = self.snap.officers
        if col == "name":
            return info.name if info else ""
        if col == "badge":
            return info.badge if info else o.badges[row]
        if col == "department":
            return info.department if info else str(int(o.department[row]))
        if col == "status":
            text = officer_status_label(int(o.status[row]))
            return text + (self.tr(" · stale") if bool(o.stale[row]) and int(o.status[row]) else "")
        if col == "task":
            t = self.tasks.get(oid)
            return task_label(t.incident_code) if t else ""
        if col == "fix_age":
            age = float(o.fix_age_s[row])
            return format_duration(age) if np.isfinite(age) else self.tr("no fix")
        if col == "mode":
            return mode_label(info.mode) if info else ""
        if col == "phone":
            return self._phone_text(info)
        return None

    def _phone_text(self, info: OfficerInfo | None) -> str:
        """Battery, charging and a mock-location warning, as the officer's phone last reported them."""
        if info is None:
            return ""
        parts = []
        if info.battery_pct is not None:
            parts.append(f"{info.battery_pct:.0f}%" + (" ⚡" if info.charging else ""))
        if info.mock_at_s is not None:
            parts.append(self.tr("MOCK location"))
        return " · ".join(parts)


class RosterFilter(QSortFilterProxyModel):
    def filterAcceptsRow(self, source_row: int, source_parent: _ModelIndex) -> bool:  # noqa: N802
        needle = self.filterRegularExpression().pattern()
        if not needle:
            return True
        text = self.sourceModel().index(source_row, 0).data(Qt.ItemDataRole.UserRole + 1) or ""
        return needle.lower() in str(text).lower()


class RosterDock(QWidget):
    sig_officer_activated = Signal(int)
    """The dispatcher asked to see this officer on the map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Roster")
        self.model = RosterModel(self)
        self.proxy = RosterFilter(self)
        self.proxy.setDynamicSortFilter(False)
        self.proxy.setSourceModel(self.model)
        self.find_box = QLineEdit(self)
        self.find_box.setObjectName("RosterFind")
        self.find_box.setClearButtonEnabled(True)
        self.find_box.textChanged.connect(self._on_find_changed)
        self.find_box.returnPressed.connect(self._on_find_return)
        self.view = QTableView(self)
        self.view.setObjectName("RosterView")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda idx: self._activate(idx.row()))
        self.view.activated.connect(lambda idx: self._activate(idx.row()))
        self.count = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.find_box)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.find_box.setPlaceholderText(self.tr("Find an officer: name, badge or department"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(RosterModel.COLUMNS) - 1)
        self._update_count()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def set_snapshot(self, snap: OperationSnapshot, tasks: dict[int, OpenTask] | None = None) -> None:
        first = self.model.snap is None
        self.model.set_snapshot(snap, tasks)
        if first:
            for col, width in enumerate((90, 100, 110, 110, 140, 70)):
                self.view.setColumnWidth(col, width)
        self._update_count()

    def _update_count(self) -> None:
        snap = self.model.snap
        if snap is None:
            self.count.setText("")
            return
        status = snap.officers.status
        self.count.setText(self.tr("{shown} shown · {available} available · {busy} on tasks · {off} off duty").format(
            shown=self.proxy.rowCount(), available=int((status == 1).sum()), busy=int((status >= 2).sum()),
            off=int((status == 0).sum())))

    def _on_find_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _on_find_return(self) -> None:
        if self.proxy.rowCount():
            self.view.selectRow(0)
            self._activate(0)

    def _activate(self, proxy_row: int) -> None:
        if proxy_row < 0:
            return
        oid = self.proxy.index(proxy_row, 0).data(Qt.ItemDataRole.UserRole)
        if oid is not None:
            self.sig_officer_activated.emit(int(oid))

    def show_officer(self, officer_id: int) -> None:
        """Select an officer's row (clearing the find box if it hides them)."""
        rows = np.flatnonzero(self.model.ids == officer_id)
        if not len(rows):
            return
        src = self.model.index(int(rows[0]), 0)
        idx = self.proxy.mapFromSource(src)
        if not idx.isValid():
            self.find_box.clear()
            idx = self.proxy.mapFromSource(src)
        self.view.selectRow(idx.row())
        self.view.scrollTo(idx)
