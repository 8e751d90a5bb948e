"""Write analyst layers as GeoJSON, CSV or GeoPackage files that QGIS and geopandas read back.

GeoPackage holds every layer in one file; GeoJSON and CSV hold one layer per file
(`out` itself for one layer, `<stem>-<layer>.<ext>` beside it for several). CSV
carries the geometry as WKT in a `WKT` column (GDAL's CSV convention). Files are
written to a temporary name and renamed, so a cancelled or failed export leaves
no half-written file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd

from .tables import ExportCancelled

FORMATS: dict[str, str] = {"geojson": ".geojson", "csv": ".csv", "gpkg": ".gpkg"}


def output_paths(out: Path, fmt: str, layers: list[str]) -> dict[str, Path]:
    """Where each layer goes (see module doc)."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if fmt == "gpkg" or len(layers) == 1:
        return {name: out for name in layers}
    return {name: out.with_name(f"{out.stem}-{name}{out.suffix or FORMATS[fmt]}") for name in layers}


def _write_one(frame: gpd.GeoDataFrame, path: Path, fmt: str, layer: str) -> None:
    if fmt == "geojson":
        frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    elif fmt == "csv":
        frame.to_file(path, driver="CSV", engine="pyogrio", layer_options={"GEOMETRY": "AS_WKT"})
    else:
        frame.to_file(path, driver="GPKG", layer=layer, engine="pyogrio")


def write_layers(frames: Mapping[str, gpd.GeoDataFrame], out: str | Path, fmt: str, *,
                 progress: Callable[[str, float], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> list[Path]:
    """Write `frames` (layer name → GeoDataFrame); return the files written."""
    out = Path(out)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"folder {out.parent} does not exist")
    paths = output_paths(out, fmt, list(frames))
    temps: dict[Path, Path] = {}
    try:
        for k, (name, frame) in enumerate(frames.items()):
            if cancelled is not None and cancelled():
                raise ExportCancelled(f"cancelled before writing {name}")
            final = paths[name]
            tmp = temps.setdefault(final, final.with_name(f".{final.stem}.partial{final.suffix}"))
            if k == 0 or fmt != "gpkg":
                tmp.unlink(missing_ok=True)
            _write_one(frame, tmp, fmt, name)
            if progress is not None:
                progress(name, (k + 1) / len(frames))
        for final, tmp in temps.items():
            os.replace(tmp, final)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return list(dict.fromkeys(paths.values()))
