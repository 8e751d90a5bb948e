"""A new incident at a point the dispatcher clicked: category, priority, source, note.

The dialog only collects; the seat's `Workbench` validates and stores, and a
refusal (outside the city, unknown category) is shown in the dialog in one
line, keeping what was typed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from ..services.intake import IntakeError, IntakeResult
from ..services.workbench import CategoryChoice
from .labels import source_label
from layers.i18n import language

SOURCES = ("hotline_12345", "grid_whistle", "patrol", "remote_monitor", "public_report")


class NewIncidentDialog(QDialog):
    def __init__(self, lon: float, lat: float, categories: list[CategoryChoice],
                 create: Callable[..., IntakeResult], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NewIncidentDialog")
        self.lon, self.lat = lon, lat
        self._create = create
        self.result_incident: IntakeResult | None = None
        self.where = QLabel(f"{lon:.5f}°E  {lat:.5f}°N", self)
        self.category = QComboBox(self)
        self.category.setObjectName("NewIncidentCategory")
        english = language() == "en"
        for c in categories:
            self.category.addItem(f"{c.name_en if english else c.name}  ({c.priority})", c)
        self.priority = QComboBox(self)
        self.priority.setObjectName("NewIncidentPriority")
        for p in ("P1", "P2", "P3", "P4"):
            self.priority.addItem(p, p)
        self.source = QComboBox(self)
        self.source.setObjectName("NewIncidentSource")
        for s in SOURCES:
            self.source.addItem(source_label(s), s)
        self.note = QLineEdit(self)
        self.note.setObjectName("NewIncidentNote")
        self.error = QLabel(self)
        self.error.setObjectName("NewIncidentError")
        self.error.setStyleSheet("color:#e03030")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout()
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.category.currentIndexChanged.connect(self._on_category_changed)
        self._on_category_changed()
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("New incident"))
        while self.form.rowCount():
            self.form.takeRow(0)
        for label, widget in ((self.tr("Location"), self.where), (self.tr("Category"), self.category),
                              (self.tr("Priority"), self.priority), (self.tr("Source"), self.source),
                              (self.tr("Note"), self.note)):
            self.form.addRow(label, widget)
        self.note.setPlaceholderText(self.tr("What the caller said, landmarks, phone number…"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def _on_category_changed(self) -> None:
        choice = self.category.currentData()
        if isinstance(choice, CategoryChoice):
            self.priority.setCurrentIndex(max(0, self.priority.findData(choice.priority)))

    def _on_buttons_accepted(self) -> None:
        choice = self.category.currentData()
        try:
            self.result_incident = self._create(category=choice.name, priority=self.priority.currentData(),
                                                lon=self.lon, lat=self.lat, source=self.source.currentData(),
                                                note=self.note.text().strip())
        except IntakeError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
