"""The incident queue: open incidents, most urgent first, with live SLA countdowns.

Rows come from the controller (`sig_queue`) in urgency order; the model only
filters and paints. Countdowns tick once a second from the deadline already
known, without a query. A P1 that was not in the previous queue flashes for a
few seconds (no sound: a command room is loud enough). A grid whistle carries a
badge: with the town team and its acceptance countdown, or escalated to the
district (the reason in the tooltip); the queue filters along district › town ›
grid and by whistle level.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel,
                            Qt, QTimer, Signal)
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QStyle, QTableView,
                               QVBoxLayout, QWidget)

from ..domain.escalation import DEFAULT_ACCEPT_WITHIN_S
from ..services.board import QueueRow
from .dispatch_controller import format_duration
from .labels import priority_colour, source_label, status_label

FLASH_S = 6.0
AT_RISK_FRACTION = 0.25       # amber when less than this share of the budget is left
_ModelIndex = QModelIndex | QPersistentModelIndex
_AMBER, _RED = QColor("#f0a020"), QColor("#e03030")
WHISTLE_AMBER_BUDGET_S = DEFAULT_ACCEPT_WITHIN_S   # amber in the town's last quarter (of the default time)


class QueueModel(QAbstractTableModel):
    COLUMNS = ("code", "priority", "category", "jurisdiction", "status", "age", "sla", "whistle")
    TIME_COLUMNS = (5, 6, 7)   # age, sla, whistle: the columns a clock moves

    def __init__(self, clock: Callable[[], float], parent: Any = None) -> None:
        super().__init__(parent)
        self.clock = clock
        self.rows: list[QueueRow] = []
        self._seen: set[int] = set()
        self._flash_until: dict[int, float] = {}
        self._flashed: set[int] = set()
        self._first_load = True
        self.last_refresh_reset = True

    def header_texts(self) -> tuple[str, ...]:
        return (self.tr("Code"), self.tr("Pri."), self.tr("Category"), self.tr("District › town › grid"),
                self.tr("Status"), self.tr("Age"), self.tr("SLA"), self.tr("Whistle"))

    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.header_texts()[section]
        return None

    def set_rows(self, rows: list[QueueRow]) -> list[QueueRow]:
        """Replace the rows; returns the P1s that are new since the last call (they flash)."""
        now = time.monotonic()
        fresh = [r for r in rows if r.incident_id not in self._seen]
        new_p1 = [] if self._first_load else [r for r in fresh if r.priority == "P1"]
        for r in new_p1:
            self._flash_until[r.incident_id] = now + FLASH_S
        self._seen |= {r.incident_id for r in rows}
        self._first_load = False
        same_order = [r.incident_id for r in rows] == [r.incident_id for r in self.rows]
        if same_order and rows:
            # the usual refresh (nobody came or went): repaint only the rows whose content changed,
            # keeping the view's selection and layout; a refresh that changed nothing paints nothing
            changed = [i for i, (old, new) in enumerate(zip(self.rows, rows)) if old != new]
            self.rows = list(rows)
            if changed:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(self.COLUMNS) - 1))
        else:
            self.beginResetModel()
            self.rows = list(rows)
            self.endResetModel()
        self.last_refresh_reset = not (same_order and rows)
        return new_p1

    def flashing(self, incident_id: int) -> bool:
        return self._flash_until.get(incident_id, 0.0) > time.monotonic()

    def tick(self) -> None:
        """Countdowns and flashes move on: repaint the clock columns, and whole rows only while they
        flash (a whole-table repaint twice a second held the UI thread the recommendation needs)."""
        if not self.rows:
            return
        roles = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole]
        self.dataChanged.emit(self.index(0, self.TIME_COLUMNS[0]),
                              self.index(len(self.rows) - 1, self.TIME_COLUMNS[-1]), roles)
        flashing = {r.incident_id for r in self.rows if self.flashing(r.incident_id)}
        for i, r in enumerate(self.rows):     # rows flashing now, and those that just stopped (cleared)
            if r.incident_id in flashing or r.incident_id in self._flashed:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1), roles)
        self._flashed = flashing
        if not flashing:
            self._flash_until.clear()

    def remaining_s(self, row: QueueRow) -> float | None:
        deadline = row.deadline_s
        return None if deadline is None else deadline - self.clock()

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.UserRole:
            return row.incident_id
        if role == Qt.ItemDataRole.ToolTipRole:
            whistle = self.whistle_tooltip(row)
            if col == "whistle" and whistle:
                return whistle
            return "\n".join(t for t in (f"{row.code} · {row.category} · {row.jurisdiction}", row.description,
                                          whistle) if t).strip()
        if role == Qt.ItemDataRole.BackgroundRole and col == "whistle" and row.whistle_level:
            if row.whistle_level == "district":
                return _RED
            left = self.whistle_left_s(row)
            return _AMBER if left is not None and left < AT_RISK_FRACTION * WHISTLE_AMBER_BUDGET_S else None
        if role == Qt.ItemDataRole.ForegroundRole and col == "whistle" and row.whistle_level == "district":
            return QColor("white")
        if role == Qt.ItemDataRole.BackgroundRole:
            if self.flashing(row.incident_id) and int(time.monotonic() * 2) % 2 == 0:
                return QColor(224, 48, 48, 150)
            if col == "priority":
                return priority_colour(row.priority)
            if col == "sla":
                left = self.remaining_s(row)
                if left is not None and left < 0:
                    return _RED
                if left is not None and left < AT_RISK_FRACTION * row.budget_s:
                    return _AMBER
        if role == Qt.ItemDataRole.ForegroundRole and col in ("priority", "sla"):
            return QColor("white") if col == "priority" or self._sla_coloured(row) else None
        if role == Qt.ItemDataRole.FontRole and col in ("code", "priority", "sla"):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and col in ("age", "sla", "priority"):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _sla_coloured(self, row: QueueRow) -> bool:
        left = self.remaining_s(row)
        return left is not None and left < AT_RISK_FRACTION * row.budget_s

    def _text(self, row: QueueRow, col: str) -> str:
        if col == "code":
            return row.code
        if col == "priority":
            return row.priority
        if col == "category":
            return row.category
        if col == "jurisdiction":
            return row.jurisdiction
        if col == "status":
            return status_label(row.status) + (f" · {row.officer_name}" if row.officer_name else "")
        if col == "age":
            return format_duration(self.clock() - row.reported_s)
        if col == "sla":
            left = self.remaining_s(row)
            return "✓" if left is None else format_duration(left)
        if col == "whistle":
            return self.whistle_text(row)
        return ""

    # -- grid whistles (网格吹哨) ---------------------------------------------------------------------
    def whistle_left_s(self, row: QueueRow) -> float | None:
        """Seconds the town team has left to accept (None: not waiting on the town)."""
        if row.whistle_level != "town" or row.whistle_due_s is None:
            return None
        return max(0.0, row.whistle_due_s - self.clock())

    def whistle_text(self, row: QueueRow) -> str:
        if row.whistle_level == "district":
            return self.tr("⚠ District")
        if row.whistle_level == "town":
            left = self.whistle_left_s(row)
            if left is None:
                return self.tr("✓ Town accepted")
            return self.tr("🔔 Town {left}").format(left=format_duration(left))
        return ""

    def whistle_texts(self) -> list[str]:
        """Every form the whistle column can show, its countdown at its widest (to size the column)."""
        return [self.tr("⚠ District"), self.tr("✓ Town accepted"),
                self.tr("🔔 Town {left}").format(left="88:88")]

    def whistle_tooltip(self, row: QueueRow) -> str:
        if row.whistle_level == "district":
            return self.tr("Grid whistle escalated to the district command centre: {reason}").format(
                reason=row.escalation_reason or self.tr("no reason recorded"))
        if row.whistle_level == "town":
            left = self.whistle_left_s(row)
            if left is None:
                return self.tr("Grid whistle accepted by the town team ({town})").format(town=row.town or "?")
            return self.tr("Grid whistle with the town team ({town}): {left} left to accept before it "
                           "escalates to the district").format(town=row.town or "?", left=format_duration(left))
        return ""


class QueueFilter(QSortFilterProxyModel):
    """Keeps rows whose fields equal every chosen value (None = any)."""

    FIELDS = ("priority", "status", "district", "town", "grid", "whistle_level", "category", "source")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.wanted: dict[str, str | None] = {f: None for f in self.FIELDS}

    def set_wanted(self, field: str, value: str | None) -> None:
        self.beginFilterChange()
        self.wanted[field] = value
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _ModelIndex) -> bool:  # noqa: N802
        model = self.sourceModel()
        assert isinstance(model, QueueModel)
        row = model.rows[source_row]
        return all(v is None or getattr(row, f) == v for f, v in self.wanted.items())


class QueueDock(QWidget):
    """The queue widget: filter bar, table, and a count line."""

    sig_incident_selected = Signal(object)
    """The QueueRow the dispatcher selected (None when the selection was cleared)."""
    sig_new_p1 = Signal(list)
    """P1 incidents that just arrived (list[QueueRow])."""

    def __init__(self, clock: Callable[[], float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentQueue")
        self.model = QueueModel(clock, self)
        self.proxy = QueueFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        self.view.setObjectName("QueueView")
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        # columns are fitted by measuring our own texts when rows change (_fit_columns), not by Qt's
        # ResizeToContents: that re-measured every column through the model after each countdown
        # repaint, and paid it on the next selection change (~20 ms on the dispatcher's click)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self._column_widths: dict[int, int] = {}
        self._widths: dict[tuple[str, str], int] = {}
        self._width_font: tuple[str, str] | None = None
        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_changed)
        self.filters: dict[str, QComboBox] = {}
        self._filter_items: dict[str, list[tuple[str, Any]]] = {}
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for name in QueueFilter.FIELDS:
            box = QComboBox(self)
            box.setObjectName(f"filter_{name}")
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            box.currentIndexChanged.connect(lambda _i, n=name: self._on_filter_changed(n))
            self.filters[name] = box
            bar.addWidget(box)
        bar.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("QueueCount")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self._tick)
        # the window says when the countdowns should wait (candidates are being computed: a repaint of
        # the clock columns then would land in the frame that shows them)
        self.hold_ticks: Callable[[], bool] = lambda: False
        self._timer.start()
        self._updating = False
        self.retranslate_ui()

    def _tick(self) -> None:
        if not self.hold_ticks():
            self.model.tick()

    # -- texts ------------------------------------------------------------------------------------
    def retranslate_ui(self) -> None:
        self._fill_filters()
        self._fit_columns(self.model.rows, shrink=True)
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(QueueModel.COLUMNS) - 1)
        self._update_count()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        elif event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):   # theme, wall sizes
            self._fit_columns(self.model.rows, shrink=True)
        super().changeEvent(event)

    def _any_text(self, name: str) -> str:
        return {"priority": self.tr("All priorities"), "status": self.tr("All statuses"),
                "district": self.tr("All districts"), "town": self.tr("All towns"), "grid": self.tr("All grids"),
                "whistle_level": self.tr("All whistles"),
                "category": self.tr("All categories"), "source": self.tr("All sources")}[name]

    def _whistle_label(self, level: str) -> str:
        return {"town": self.tr("Whistle: town team"), "district": self.tr("Whistle: escalated to district")
                }.get(level, level)

    def _fill_filters(self) -> None:
        """Filter choices from the rows present (plus what is chosen now, so a choice survives).
        A box whose choices did not change is left alone (refilling eight boxes on every queue
        refresh held the UI thread for tens of milliseconds)."""
        self._updating = True
        try:
            for name, box in self.filters.items():
                chosen = box.currentData()
                values = sorted({getattr(r, name) for r in self.model.rows if getattr(r, name)}
                                | ({chosen} if chosen else set()))
                if name == "town" and self.proxy.wanted["district"]:
                    values = sorted({r.town for r in self.model.rows if r.district == self.proxy.wanted["district"]}
                                    | ({chosen} if chosen else set()))
                if name == "grid" and (self.proxy.wanted["district"] or self.proxy.wanted["town"]):
                    values = sorted({r.grid for r in self.model.rows if r.grid and all(
                        self.proxy.wanted[f] in (None, getattr(r, f)) for f in ("district", "town"))}
                        | ({chosen} if chosen else set()))
                items = [(self._any_text(name), None)] + [
                    ({"status": status_label, "source": source_label,
                      "whistle_level": self._whistle_label}.get(name, str)(v), v) for v in values]
                if items == self._filter_items.get(name):
                    continue
                self._filter_items[name] = items
                box.clear()
                for label, v in items:
                    box.addItem(label, v)
                box.setCurrentIndex(max(0, box.findData(chosen)) if chosen else 0)
        finally:
            self._updating = False

    def _on_filter_changed(self, name: str) -> None:
        if self._updating:
            return
        selected = self.selected_incident_id()
        self.proxy.set_wanted(name, self.filters[name].currentData())
        if name in ("district", "town"):   # the choices below it narrow to the chosen place
            self._fill_filters()
        self._restore_selection(selected)
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), len(self.model.rows)
        self.count_label.setText(self.tr("{shown} of {total} open incidents").format(shown=shown, total=total))

    # -- column widths ----------------------------------------------------------------------------
    def _fit_columns(self, rows: list[QueueRow], *, shrink: bool = False) -> None:
        """Widen each column to the widest of its header and `rows`' texts (clock columns to the
        widest clock they can show); `shrink` also narrows them (a new set of rows, a new language).
        Widths are remembered per text: a queue refresh measures only texts it has not seen."""
        self.view.ensurePolished()           # a style sheet's font applies once polished
        font_key = (self.view.font().key(), self.view.horizontalHeader().font().key())
        if font_key != self._width_font:
            self._width_font, self._widths = font_key, {}
        pad = 2 * self.view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self.view) + 14
        model = self.model
        headers = model.header_texts()
        for col, name in enumerate(model.COLUMNS):
            if col == 3:                     # district › town › grid takes what is left
                continue
            bold = name in ("code", "priority", "sla")
            if name in ("age", "sla"):       # a clock: as wide as the widest it can show
                texts = ["-8:88:88"]
            elif name == "whistle":
                texts = model.whistle_texts()
            else:
                texts = list({model._text(r, name) for r in rows})
            width = max([self._text_width(headers[col], "header") + 24 - pad]
                        + [self._text_width(t, "bold" if bold else "plain") for t in texts]) + pad
            if shrink or width > self._column_widths.get(col, 0):
                self._column_widths[col] = width
                self.view.setColumnWidth(col, width)

    def _text_width(self, text: str, font: str) -> int:
        key = (font, text)
        got = self._widths.get(key)
        if got is None:
            metrics = {"plain": lambda: QFontMetrics(self.view.font()), "bold": self._bold_metrics,
                       "header": lambda: QFontMetrics(self.view.horizontalHeader().font())}[font]()
            got = self._widths[key] = metrics.horizontalAdvance(text)
        return got

    def _bold_metrics(self) -> QFontMetrics:
        font = QFont(self.view.font())
        font.setBold(True)
        return QFontMetrics(font)

    # -- rows and selection -----------------------------------------------------------------------
    def set_rows(self, rows: list[QueueRow]) -> None:
        selected = self.selected_incident_id()
        before = self.model.rows
        self._updating = True
        try:
            new_p1 = self.model.set_rows(rows)
        finally:
            self._updating = False
        if self.model.last_refresh_reset:
            self._fit_columns(rows, shrink=True)
        else:
            self._fit_columns([new for old, new in zip(before, rows) if old != new])
        self._fill_filters()
        if self.model.last_refresh_reset or self.selected_incident_id() != selected:
            self._restore_selection(selected)
        self._update_count()
        if new_p1:
            self.sig_new_p1.emit(new_p1)

    def _restore_selection(self, incident_id: int | None) -> None:
        """Keep the selected incident selected; otherwise select the most urgent one still waiting
        for an officer (Enter on it dispatches; on one already handled it would reassign), else
        the most urgent one."""
        target = self.row_of(incident_id) if incident_id is not None else -1
        if target < 0 and self.proxy.rowCount():
            waiting = next((r for r in range(self.proxy.rowCount())
                            if self.model.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()].task_id
                            is None), -1)
            target = waiting if waiting >= 0 else 0
        # announce only a change against what was selected before the rows were replaced (the model
        # reset clears the view's selection: comparing with that re-selected the same incident and
        # started its recommendation over on every queue refresh)
        self.select_row(target, emit=incident_id != (self.incident_id_at(target) if target >= 0 else None))

    def row_of(self, incident_id: int | None) -> int:
        """The incident's row as shown (filtered and sorted), -1 when it is not shown."""
        source = next((i for i, r in enumerate(self.model.rows) if r.incident_id == incident_id), -1)
        if source < 0:
            return -1
        return self.proxy.mapFromSource(self.model.index(source, 0)).row()

    def incident_id_at(self, proxy_row: int) -> int | None:
        if not (0 <= proxy_row < self.proxy.rowCount()):
            return None
        return int(self.proxy.index(proxy_row, 0).data(Qt.ItemDataRole.UserRole))

    def selected_incident_id(self) -> int | None:
        current = self.view.selectionModel().currentIndex()
        if not current.isValid() or not self.view.selectionModel().isRowSelected(current.row(), QModelIndex()):
            return None
        return self.incident_id_at(current.row())

    def select_row(self, proxy_row: int, emit: bool = True) -> None:
        sm = self.view.selectionModel()
        if proxy_row < 0:
            was = self.selected_incident_id()
            sm.clearSelection()
            sm.setCurrentIndex(QModelIndex(), sm.SelectionFlag.NoUpdate)
            if emit and was is not None:
                self.sig_incident_selected.emit(None)
            return
        index = self.proxy.index(proxy_row, 0)
        self._updating = not emit
        try:
            sm.setCurrentIndex(index, sm.SelectionFlag.ClearAndSelect | sm.SelectionFlag.Rows)
        finally:
            self._updating = False
        self.view.scrollTo(index)

    def select_incident(self, incident_id: int) -> bool:
        row = self.row_of(incident_id)
        if row >= 0:
            self.select_row(row)
        return row >= 0

    def row_for(self, incident_id: int | None) -> QueueRow | None:
        return next((r for r in self.model.rows if r.incident_id == incident_id), None)

    def _on_view_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._updating:
            return
        incident_id = self.incident_id_at(current.row()) if current.isValid() else None
        self.sig_incident_selected.emit(self.row_for(incident_id))
