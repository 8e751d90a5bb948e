"""Land and water: the basemap, drawn from the city's own vector data (no tiles).

Land is the union of the districts, each tinted slightly differently so
neighbouring districts read apart even where their outline is hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QPainter, QPen

from commandmap.domain.snapshot import CityStatic, OperationSnapshot

from .base import Layer, LegendEntry, RenderContext
from .i18n import QT_TRANSLATE_NOOP
from .polygons import PreparedPolygons, world_transform
from .themes import Theme, qcolor


class BaseMapLayer(Layer):
    name = "basemap"
    title_en = QT_TRANSLATE_NOOP("Layer", "Basemap (land, water)")
    static = True
    default_z = 0

    def __init__(self, visible: bool = True, z: int | None = None) -> None:
        super().__init__(visible, z)
        self._land: PreparedPolygons | None = None
        self._water: PreparedPolygons | None = None

    def update(self, data: CityStatic | OperationSnapshot) -> bool:
        if not isinstance(data, CityStatic):
            return False
        self._land = PreparedPolygons.build(data.districts)
        self._water = PreparedPolygons.build(data.water) if data.water is not None and len(data.water.ids) else None
        return True

    def paint(self, painter: QPainter, ctx: RenderContext) -> None:
        land = self._land
        if land is None:
            return
        theme = ctx.theme
        extent = ctx.view.extent
        painter.save()
        painter.setTransform(world_transform(ctx.view), True)
        painter.setPen(Qt.PenStyle.NoPen)
        paths = land.paths()
        for i in land.visible_polys(extent):
            painter.setBrush(qcolor(theme.district_fills[i % len(theme.district_fills)]))
            painter.drawPath(paths[i])
        water = self._water
        if water is not None:
            painter.setBrush(qcolor(theme.water))
            pen = QPen(qcolor(theme.water_line), ctx.px(0.8))
            pen.setCosmetic(True)
            painter.setPen(pen)
            wpaths = water.paths()
            for i in water.visible_polys(extent):
                painter.drawPath(wpaths[i])
        painter.restore()

    def legend(self, theme: Theme) -> list[LegendEntry]:
        def land(p: QPainter, r: QRectF) -> None:
            p.fillRect(r, qcolor(theme.district_fills[0]))

        def water(p: QPainter, r: QRectF) -> None:
            p.fillRect(r, qcolor(theme.water))

        return [LegendEntry(QCoreApplication.translate("BaseMapLayer", "Land"), land),
                LegendEntry(QCoreApplication.translate("BaseMapLayer", "Water"), water)]
