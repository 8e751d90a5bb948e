"""Read the sources a city.toml names: tables (CSV, XLSX) as numbered rows, area layers
(Shapefile, GeoJSON, GeoPackage) as features in WGS84.

Readers never judge a row: they keep every row with where it came from (file and
line, or feature id), so validation can name the exact place of each problem.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .coords import to_wgs84
from .spec import SourceSpec


class SourceReadError(ValueError):
    """A whole file cannot be read (not a row problem); the message names the file."""


@dataclass(frozen=True)
class Row:
    where: str                  # "officers.xlsx:17" or "grids.shp feature 3"
    values: dict[str, str]      # the file's column -> text ("" for an empty cell)


@dataclass(frozen=True)
class Feature:
    where: str
    values: dict[str, str]
    geom_ll: Any                # shapely geometry in WGS84 lon/lat, or None


def _text(value: Any) -> str:
    """A cell as text: 12.0 -> '12' (spreadsheets store badges and codes as numbers), None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:     # NaN: an empty cell in pandas
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


_TICK_ROWS = 5000


def _read_csv(path: Path, tick: Callable[[int], None]) -> tuple[list[str], list[Row]]:
    for encoding in ("utf-8-sig", "gb18030"):   # Excel in China saves CSV as GBK
        try:
            with path.open(newline="", encoding=encoding) as fh:
                reader = csv.reader(fh)
                header = [h.strip() for h in next(reader, [])]
                rows = []
                for cells in reader:
                    if any(c.strip() for c in cells):
                        rows.append(Row(f"{path.name}:{reader.line_num}",
                                        {h: (cells[i].strip() if i < len(cells) else "")
                                         for i, h in enumerate(header)}))
                        if len(rows) % _TICK_ROWS == 0:
                            tick(len(rows))
            return header, rows
        except UnicodeDecodeError:
            continue
    raise SourceReadError(f"{path}: neither UTF-8 nor GB18030 text")


def _read_xlsx(path: Path, sheet: str | None, tick: Callable[[int], None]) -> tuple[list[str], list[Row]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile/KeyError/InvalidFileException
        raise SourceReadError(f"{path}: cannot read as XLSX ({type(exc).__name__}: {exc})") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise SourceReadError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [_text(h) for h in next(it, ())]
        rows = []
        for number, cells in enumerate(it, start=2):
            texts = [_text(c) for c in cells]
            if any(texts):
                rows.append(Row(f"{path.name}:{number}",
                                {h: (texts[i] if i < len(texts) else "") for i, h in enumerate(header) if h}))
                if len(rows) % _TICK_ROWS == 0:
                    tick(len(rows))
        return header, rows
    finally:
        book.close()


def _no_tick(rows: int) -> None:
    pass


def read_table(source: SourceSpec, tick: Callable[[int], None] = _no_tick) -> tuple[list[str], list[Row]]:
    """(header, rows) of a CSV or XLSX source; a row's `where` is file:line as a spreadsheet shows it.
    `tick(rows_so_far)` every few thousand rows: a 25,000-row XLSX takes seconds."""
    suffix = source.path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(source.path, source.sheet, tick)
    if suffix in (".csv", ".txt"):
        return _read_csv(source.path, tick)
    raise SourceReadError(f"{source.path}: [{source.kind}] must be .csv or .xlsx")


def _geo_transform(crs: str) -> Callable[[np.ndarray], np.ndarray]:
    return lambda xy: to_wgs84(crs, xy)


def read_features(source: SourceSpec) -> tuple[list[str], list[Feature]]:
    """(columns, features) of a vector layer, geometries converted to WGS84.

    The source's `crs` wins (a GCJ-02 layer usually claims to be WGS84); without
    one the file's own CRS applies, else WGS84."""
    import geopandas as gpd

    kwargs: dict[str, Any] = {"fid_as_index": True}
    if source.layer is not None:
        kwargs["layer"] = source.layer
    try:
        df = gpd.read_file(source.path, **kwargs)
    except Exception as exc:  # pyogrio's DataSourceError / DataLayerError
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceReadError(f"{source.path}: cannot read as a vector layer ({msg})") from None
    crs = source.crs
    if crs is None:
        crs = df.crs.to_string() if df.crs is not None and not df.crs.equals("EPSG:4326") else "wgs84"
    geoms = np.asarray(df.geometry.values, dtype=object)
    ok = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    if crs != "wgs84" and ok.any():
        geoms[ok] = shapely.transform(geoms[ok], _geo_transform(crs))
    columns = [str(c) for c in df.columns if c != df.geometry.name]
    records = df[columns].to_dict("records") if columns else [{} for _ in range(len(df))]
    feats = [Feature(f"{source.path.name} feature {fid}", {k: _text(v) for k, v in rec.items()},
                     g if okay else None)
             for fid, rec, g, okay in zip(df.index.tolist(), records, geoms, ok)]
    return columns, feats
