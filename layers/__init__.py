"""The map: one QPainter canvas (`layers.canvas.MapCanvas`) and one module per layer.

Imports only Qt, numpy, shapely, scipy and `commandmap.domain` (the snapshot
types it draws); never the store, services, routing or the UI.

    canvas = MapCanvas(theme=get_theme("wall"))
    canvas.set_city(city_static)            # CityStatic: districts, roads, sites…
    canvas.set_snapshot(snapshot)           # OperationSnapshot: officers, incidents, routes
    canvas.sig_feature_selected.connect(...)
    render_image(canvas, width=7680, height=4320).save("wall.png")
"""
