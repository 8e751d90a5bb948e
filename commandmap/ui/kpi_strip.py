"""The promise in numbers: open incidents by priority, overdue P1s, available officers,
today's 1-minute contact and 5-minute arrival rates against target, median times.

One widget for both screens: a compact strip above the workstation's map and,
`large=True`, the wall's tiles readable from five metres.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..services.board import KpiSummary
from .dispatch_controller import format_duration

CONTACT_TARGET = 0.95        # the share of incidents the centre aims to contact within 1 minute
ARRIVAL_TARGET = 0.90        # ... and reach within 5 minutes
GOOD, BAD, WARN, NEUTRAL = "#1a9850", "#e03030", "#f0a020", ""


class _Tile(QWidget):
    def __init__(self, key: str, value_px: int, caption_px: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"kpi_{key}")
        self.value = QLabel("–", self)
        self.value.setObjectName("KpiValue")
        self.caption = QLabel(self)
        self.caption.setObjectName("KpiCaption")
        self.caption.setWordWrap(True)      # a narrow screen wraps captions instead of widening the window
        self.caption.setMinimumWidth(40)
        for label in (self.value, self.caption):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.value.setStyleSheet(f"font-size:{value_px}px;font-weight:bold")
        self.caption.setStyleSheet(f"font-size:{caption_px}px")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(self.caption)

    def set(self, value: str, colour: str = NEUTRAL) -> None:
        self.value.setText(value)
        base = self.value.styleSheet().split(";color:")[0]
        self.value.setStyleSheet(base + (f";color:{colour}" if colour else ""))


class KpiTiles(QWidget):
    KEYS = ("p1", "p2", "p3", "p4", "overdue_p1", "available", "contact", "arrival", "to_dispatch", "to_arrival")

    def __init__(self, parent: QWidget | None = None, *, large: bool = False, columns: int | None = None,
                 scale: float = 1.0) -> None:
        """`large`: the wall's tiles, sized for a 4K screen times `scale`."""
        super().__init__(parent)
        self.setObjectName("KpiWall" if large else "KpiStrip")
        self.large = large
        value_px, caption_px = (round(72 * scale), round(28 * scale)) if large else (22, 11)
        self.tiles = {k: _Tile(k, value_px, caption_px, self) for k in self.KEYS}
        if columns is None:
            layout: QHBoxLayout | QGridLayout = QHBoxLayout(self)
            for k in self.KEYS:
                layout.addWidget(self.tiles[k])
        else:
            layout = QGridLayout(self)
            for i, k in enumerate(self.KEYS):
                layout.addWidget(self.tiles[k], i // columns, i % columns)
        layout.setContentsMargins(4, 2, 4, 2)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.summary: KpiSummary | None = None
        self.retranslate_ui()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        captions = {
            "p1": self.tr("Open P1"), "p2": self.tr("Open P2"), "p3": self.tr("Open P3"), "p4": self.tr("Open P4"),
            "overdue_p1": self.tr("Overdue P1"), "available": self.tr("Available officers"),
            "contact": self.tr("1-min contact (target {t:.0%})").format(t=CONTACT_TARGET),
            "arrival": self.tr("5-min arrival (target {t:.0%})").format(t=ARRIVAL_TARGET),
            "to_dispatch": self.tr("Median to dispatch"), "to_arrival": self.tr("Median to arrival"),
        }
        for k, text in captions.items():
            self.tiles[k].caption.setText(text)

    def set_summary(self, s: KpiSummary) -> None:
        self.summary = s
        t = self.tiles
        for p in ("P1", "P2", "P3", "P4"):
            n = s.open_by_priority.get(p, 0)
            t[p.lower()].set(f"{n:,}", BAD if p == "P1" and n else NEUTRAL)
        t["overdue_p1"].set(f"{s.overdue_p1:,}", BAD if s.overdue_p1 else GOOD)
        t["available"].set(f"{s.available_officers:,}", NEUTRAL if s.available_officers else BAD)
        for key, rate, target in (("contact", s.response.contact.rate, CONTACT_TARGET),
                                  ("arrival", s.response.arrival.rate, ARRIVAL_TARGET)):
            if rate is None:
                t[key].set("–")
            else:
                t[key].set(f"{rate:.0%}", GOOD if rate >= target else (WARN if rate >= target - 0.1 else BAD))
        t["to_dispatch"].set(format_duration(s.response.median_to_dispatch_s))
        t["to_arrival"].set(format_duration(s.response.arrival.median_s))

    def values(self) -> dict[str, str]:
        return {k: tile.value.text() for k, tile in self.tiles.items()}
