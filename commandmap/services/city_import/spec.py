"""The city definition file (city.toml): which files hold the city and how to read them.

The format is a promise to scripts (README "Load your own city"): new keys may be
added, existing ones keep their meaning. Unknown keys are refused rather than
ignored, so a typo never silently drops a source.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..incident_codes import check_prefix, default_prefix
from .coords import check_crs

#: our field names per source; `columns` maps these to the file's column names
FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "districts": ("name", "code"),
    "towns": ("name", "code", "parent"),
    "grids": ("name", "code", "parent"),
    "roads": ("class", "speed", "oneway", "name"),
    "departments": ("code", "name"),
    "officers": ("badge", "name", "department", "home_town", "mode", "skills", "device_id", "on_duty"),
    "sites": ("id", "name", "category", "address", "risk_level", "lon", "lat"),
    # the city's own site categories, as data/catalogue/site_categories.csv holds the built-in ones
    "categories": ("code", "name", "name_en", "domain", "departments", "weight", "placement", "risk_weights"),
})
#: sources a city must have; the others are optional
REQUIRED_SOURCES = ("districts", "towns", "grids")
AREA_SOURCES = ("districts", "towns", "grids")
_SOURCE_KEYS = {"path", "layer", "sheet", "crs", "columns"}
_TOP_KEYS = {"name", "nesting_tolerance_m", "code_prefix", *FIELDS}
DEFAULT_NESTING_TOLERANCE_M = 50.0


class CitySpecError(ValueError):
    """city.toml cannot be used; the message names the file, the key and the problem."""


@dataclass(frozen=True)
class SourceSpec:
    kind: str                       # districts, towns, ... (the TOML table's name)
    path: Path                      # absolute (relative paths are resolved against the TOML file)
    crs: str | None = None          # wgs84 / gcj02 / bd09 / EPSG:xxxx; None: the file's own, else wgs84
    layer: str | None = None        # GeoPackage layer
    sheet: str | None = None        # XLSX sheet
    columns: Mapping[str, str] = field(default_factory=dict)   # our field -> the file's column

    def column(self, ours: str) -> str:
        return self.columns.get(ours, ours)


@dataclass(frozen=True)
class CitySpec:
    name: str
    path: Path                      # the TOML file itself
    sources: Mapping[str, SourceSpec]
    nesting_tolerance_m: float = DEFAULT_NESTING_TOLERANCE_M
    code_prefix: str = ""           # incident codes' prefix (NB-20261203-0001); default from the name

    def source(self, kind: str) -> SourceSpec | None:
        return self.sources.get(kind)


def _source(toml_path: Path, kind: str, raw: Any) -> SourceSpec:
    where = f"{toml_path}: [{kind}]"
    if not isinstance(raw, dict):
        raise CitySpecError(f"{where} must be a table")
    unknown = set(raw) - _SOURCE_KEYS
    if unknown:
        raise CitySpecError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(_SOURCE_KEYS))})")
    if not isinstance(raw.get("path"), str) or not raw["path"].strip():
        raise CitySpecError(f"{where}: 'path' (the file, relative to the TOML file) is required")
    path = (toml_path.parent / raw["path"]).resolve()
    if not path.exists():
        raise CitySpecError(f"{where}: path {raw['path']!r} does not exist ({path})")
    crs = raw.get("crs")
    try:
        crs = check_crs(str(crs)) if crs is not None else None
    except ValueError as exc:
        raise CitySpecError(f"{where}: crs: {exc}") from None
    columns = raw.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise CitySpecError(f"{where}: 'columns' must be a table of field = \"file column\"")
    known = FIELDS.get(kind, ())
    bad = set(columns) - set(known)
    if bad:
        raise CitySpecError(f"{where}: columns: unknown field(s) {', '.join(sorted(bad))} "
                            f"(fields of {kind}: {', '.join(known)})")
    for key in ("layer", "sheet"):
        if key in raw and not isinstance(raw[key], str):
            raise CitySpecError(f"{where}: '{key}' must be a string")
    return SourceSpec(kind, path, crs, raw.get("layer"), raw.get("sheet"), dict(columns))


def parse_city_spec(path: str | Path) -> CitySpec:
    """Read and check city.toml; every path is resolved and must exist."""
    toml_path = Path(path).resolve()
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CitySpecError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CitySpecError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise CitySpecError(f"{path}: not valid TOML ({exc})") from None
    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise CitySpecError(f"{toml_path}: unknown key(s) {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(_TOP_KEYS))})")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CitySpecError(f"{toml_path}: top-level 'name' (the city's name) is required")
    prefix = raw.get("code_prefix", default_prefix(name))
    try:
        check_prefix(prefix)
    except ValueError as exc:
        raise CitySpecError(f"{toml_path}: code_prefix: {exc}") from None
    tol = raw.get("nesting_tolerance_m", DEFAULT_NESTING_TOLERANCE_M)
    if not isinstance(tol, (int, float)) or isinstance(tol, bool) or tol < 0:
        raise CitySpecError(f"{toml_path}: nesting_tolerance_m must be a number >= 0, got {tol!r}")
    missing = [k for k in REQUIRED_SOURCES if k not in raw]
    if missing:
        raise CitySpecError(f"{toml_path}: missing [{'], ['.join(missing)}] (districts, towns and grids "
                            "are required)")
    if "officers" in raw and "roads" not in raw:
        pass  # a roster without roads is allowed: recommendations fall back to straight-line ETAs
    sources = {kind: _source(toml_path, kind, raw[kind]) for kind in FIELDS if kind in raw}
    return CitySpec(name.strip(), toml_path, sources, float(tol), prefix)
