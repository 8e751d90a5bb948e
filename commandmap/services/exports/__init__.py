"""Analyst exports as data: the day's operation as GeoDataFrames and the files that carry them.

`tables` reads the store into GeoDataFrames (EPSG:4326, or the city's metric CRS
on request); `files` writes them as GeoJSON, CSV or GeoPackage with progress and
cancellation; `window` turns the command line's --from/--to into epoch seconds.
Map pictures (PNG/PDF/HTML) are drawn elsewhere: services never import Qt.
"""
