"""Ctrl+F: find an incident by code, an officer by name or badge, a site by name or address."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ..services.board import SearchHit


class SearchPopup(QDialog):
    sig_hit_chosen = Signal(object)
    """The SearchHit the dispatcher picked."""

    def __init__(self, search: Callable[[str], list[SearchHit]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SearchPopup")
        self._search = search
        self.box = QLineEdit(self)
        self.box.setObjectName("SearchBox")
        self.results = QListWidget(self)
        self.results.setObjectName("SearchResults")
        self.hint = QLabel(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.hint)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self.run_search)
        self.box.textChanged.connect(lambda _t: self._debounce.start())
        self.box.returnPressed.connect(self._on_box_return)
        self.results.itemActivated.connect(self._on_item_activated)
        self.resize(520, 360)
        self.retranslate_ui()

    def retranslate_ui(self) -> None:
        self.setWindowTitle(self.tr("Search"))
        self.box.setPlaceholderText(self.tr("Incident code, officer name or badge, site name or address"))
        self.hint.setText(self.tr("Enter: zoom to the first result · ↓: choose another · Esc: close"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802
        if event.key() == Qt.Key.Key_Down and self.box.hasFocus() and self.results.count():
            self.results.setFocus()
            self.results.setCurrentRow(0)
            return
        super().keyPressEvent(event)

    def run_search(self) -> list[SearchHit]:
        hits = self._search(self.box.text())
        kinds = {"incident": self.tr("Incident"), "officer": self.tr("Officer"), "site": self.tr("Site")}
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(f"{kinds.get(hit.kind, hit.kind)} · {hit.label}")
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.results.addItem(item)
        return hits

    def _on_box_return(self) -> None:
        self._debounce.stop()
        self.run_search()
        if self.results.count():
            self._on_item_activated(self.results.item(0))

    def _on_item_activated(self, item: QListWidgetItem) -> None:
        self.sig_hit_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        self.accept()
