"""What happened, newest first: who did what to which incident, from which seat."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..services.board import TimelineEntry
from ..services.incident_codes import CITY_TZ
from .dispatch_controller import format_duration
from .labels import action_label


def clock_text(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, CITY_TZ).strftime("%H:%M:%S")


class TimelineDock(QWidget):
    sig_incident_activated = Signal(str)
    """The incident code of a double-clicked line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Timeline")
        self.list = QListWidget(self)
        self.list.setObjectName("TimelineList")
        self.list.setAlternatingRowColors(True)
        self.list.setWordWrap(True)
        self.list.itemDoubleClicked.connect(
            lambda item: self.sig_incident_activated.emit(item.data(Qt.ItemDataRole.UserRole) or ""))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        self.entries: list[TimelineEntry] = []
        self._shown: tuple[int, ...] = ()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        self._shown = ()
        self.set_entries(self.entries)

    def line(self, e: TimelineEntry) -> str:
        what = action_label(e.action)
        who = f" · {e.officer_name}" if e.officer_name else ""
        extra = ""
        if e.action == "task.dispatch" and isinstance(e.detail.get("predicted_eta_s"), (int, float)):
            extra = self.tr(" · ETA {eta}").format(eta=format_duration(float(e.detail["predicted_eta_s"])))
        elif e.action == "incident.create":
            extra = f" · {e.detail.get('priority', '')} {e.detail.get('category', '')}"
        elif e.via_phone:
            took = e.took_s
            extra = (self.tr(" on the phone after {took}").format(took=format_duration(took)) if took is not None
                     else self.tr(" on the phone"))
            note = str(e.detail.get("note") or "")[:80]
            if note:
                extra += f" · “{note}”"
        seat = self.tr("by {seat}").format(seat=e.actor)
        return f"{clock_text(e.at_s)}  {e.incident_code or '#' + str(e.entity_id)}  {what}{who}{extra}  ({seat})"

    def set_entries(self, entries: list[TimelineEntry]) -> None:
        self.entries = entries
        key = tuple(e.event_id for e in entries)
        if key == self._shown:
            return
        self._shown = key
        self.list.clear()
        for e in entries:
            item = QListWidgetItem(self.line(e))
            item.setData(Qt.ItemDataRole.UserRole, e.incident_code)
            self.list.addItem(item)

    def texts(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]
