"""File → Import city…: check a city definition (city.toml), show the report, then import it.

The check and the import run off the UI thread behind the start-up's progress
dialog; nothing is written unless every row passed (or the dispatcher asks to
skip rejected rows), and a failed import leaves the previous city as it was. Every
running seat follows the roster and a new road network at once (live refresh); the
boundaries and the site layer are drawn from the city loaded at start, so they
change on the next start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from ..services.city_import.run import import_city
from ..services.city_import.spec import CitySpecError
from ..services.city_import.writer import CityReplaceError
from .progress import run_in_background


class CityImportDialog(QDialog):
    def __init__(self, engine: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CityImportDialog")
        self.engine = engine
        self.path = QLineEdit(self)
        self.path.setObjectName("CityTomlPath")
        self.browse = QPushButton(self)
        self.browse.clicked.connect(self._on_browse_clicked)
        self.replace = QCheckBox(self)
        self.skip = QCheckBox(self)
        self.check_button = QPushButton(self)
        self.check_button.setObjectName("CityCheck")
        self.check_button.clicked.connect(lambda: self.run(dry_run=True))
        self.import_button = QPushButton(self)
        self.import_button.setObjectName("CityImport")
        self.import_button.clicked.connect(lambda: self.run(dry_run=False))
        self.report = QPlainTextEdit(self)
        self.report.setObjectName("CityImportReport")
        self.report.setReadOnly(True)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        actions = QHBoxLayout()
        actions.addWidget(self.replace)
        actions.addWidget(self.skip)
        actions.addStretch(1)
        actions.addWidget(self.check_button)
        actions.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addLayout(actions)
        layout.addWidget(self.report, 1)
        layout.addWidget(self.hint)
        layout.addWidget(buttons)
        self.resize(900, 600)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Import a city"))
        self.path.setPlaceholderText(self.tr("city.toml: boundaries, roads, roster and site registry"))
        self.browse.setText(self.tr("Choose…"))
        self.replace.setText(self.tr("Replace the demo city"))
        self.skip.setText(self.tr("Skip rejected rows"))
        self.check_button.setText(self.tr("Check only"))
        self.import_button.setText(self.tr("Import"))
        self.hint.setText(self.tr("Nothing is written unless every row passes (or rejected rows are skipped). "
                                  "Officers and roads change on every seat at once; restart the app to see new "
                                  "boundaries and sites."))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("City definition"), str(Path.home()),
                                              self.tr("City definition (*.toml)"))
        if path:
            self.path.setText(path)

    def run(self, *, dry_run: bool) -> list[str]:
        """Check (and unless `dry_run`, import) the chosen city.toml; the report lines shown."""
        path = self.path.text().strip()
        if not path:
            lines = [self.tr("Choose a city.toml first")]
        else:
            title = self.tr("Checking {path}…").format(path=path) if dry_run else \
                self.tr("Importing {path}…").format(path=path)
            try:
                report = run_in_background(
                    lambda progress: import_city(self.engine, path, dry_run=dry_run, replace=self.replace.isChecked(),
                                                 skip_rejected=self.skip.isChecked(), progress=progress), title, self)
                lines = report.lines()
            except (CitySpecError, CityReplaceError, OSError) as exc:
                lines = [str(exc)]
        self.report.setPlainText("\n".join(lines))
        return lines
