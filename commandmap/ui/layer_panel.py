"""The layer panel: one checkbox per map layer, its legend underneath.

Top of the list = top of the map. The legend swatches are painted by the
layers themselves (`Layer.legend`), so what the panel shows is exactly what
the map draws, in the current theme.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from layers.base import Layer, LegendEntry
from layers.canvas import MapCanvas

SWATCH = QSize(30, 20)
HIDDEN_IN_PANEL = {"selection"}


def swatch_icon(entry: LegendEntry, size: QSize = SWATCH, dpr: float = 1.0) -> QIcon:
    pm = QPixmap(int(size.width() * dpr), int(size.height() * dpr))
    pm.setDevicePixelRatio(dpr)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    entry.draw(p, QRectF(0, 0, size.width(), size.height()))
    p.end()
    return QIcon(pm)


class LayerPanel(QWidget):
    sig_layer_toggled = Signal(str, bool)
    """A layer was switched on/off from the panel: (layer name, visible)."""

    def __init__(self, canvas: MapCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LayerPanel")
        self._canvas = canvas
        self._tree = QTreeWidget(self)
        self._tree.setObjectName("LayerTree")
        self._tree.setHeaderHidden(True)
        self._tree.setIconSize(SWATCH)
        self._tree.setRootIsDecorated(True)
        self._tree.setUniformRowHeights(False)
        self._items: dict[str, QTreeWidgetItem] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._tree)
        self._updating = False
        self._tree.itemChanged.connect(self._on_tree_item_changed)
        canvas.stack.add_listener(self._on_layer_changed)
        self.rebuild()

    def rebuild(self) -> None:
        """Refill from the canvas' layers (after a theme change or a new city)."""
        self._updating = True
        try:
            expanded = {name for name, item in self._items.items() if item.isExpanded()}
            self._tree.clear()
            self._items.clear()
            dpr = self.devicePixelRatioF()
            for layer in sorted(self._canvas.stack.layers, key=lambda lyr: -lyr.z):
                if layer.name in HIDDEN_IN_PANEL:
                    continue
                item = QTreeWidgetItem([layer.title])
                item.setData(0, Qt.ItemDataRole.UserRole, layer.name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
                item.setToolTip(0, self.tr("Tick to show, untick to hide"))
                for entry in layer.legend(self._canvas.theme):
                    child = QTreeWidgetItem([entry.label])
                    child.setIcon(0, swatch_icon(entry, SWATCH, dpr))
                    child.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.addChild(child)
                self._tree.addTopLevelItem(item)
                item.setExpanded(layer.name in expanded or layer.name in ("officers", "incidents"))
                self._items[layer.name] = item
        finally:
            self._updating = False

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate_ui()
        super().changeEvent(event)

    def retranslate_ui(self) -> None:
        """Layer titles and legend rows are translated when built: build them again."""
        self.rebuild()

    def item(self, name: str) -> QTreeWidgetItem:
        return self._items[name]

    def legend_labels(self, name: str) -> list[str]:
        item = self._items[name]
        return [child.text(0) for child in (item.child(i) for i in range(item.childCount())) if child is not None]

    def _on_tree_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if self._updating or item.parent() is not None:
            return
        name = item.data(0, Qt.ItemDataRole.UserRole)
        visible = item.checkState(0) == Qt.CheckState.Checked
        layer = self._canvas.stack.find(name)
        if layer is not None and layer.visible != visible:
            layer.visible = visible
            self.sig_layer_toggled.emit(name, visible)

    def _on_layer_changed(self, layer: Layer, static: bool) -> None:
        item = self._items.get(layer.name)
        if item is None:
            return
        state = Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked
        if item.checkState(0) != state:
            self._updating = True
            try:
                item.setCheckState(0, state)
            finally:
                self._updating = False
