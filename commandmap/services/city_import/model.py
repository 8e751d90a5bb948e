"""What a city import reads, rejects and writes: plain records and the report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: the GUI's progress bar and the terminal both take (stage, fraction 0..1)
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class Rejection:
    where: str      # file:line or "file feature N"
    column: str     # our field name (the file's column in parentheses when it differs)
    reason: str

    def line(self) -> str:
        return f"{self.where}: {self.column}: {self.reason}"


@dataclass(frozen=True)
class AreaRecord:
    code: str
    name: str
    parent: str | None      # the parent area's code (None for districts)
    geom_ll: Any            # shapely (Multi)Polygon, WGS84


@dataclass(frozen=True)
class DepartmentRecord:
    code: str
    name: str


@dataclass(frozen=True)
class OfficerRecord:
    badge: str
    name: str
    department: str         # department code
    home_town: str          # town code
    mode: str               # foot / ebike / car
    skills: tuple[str, ...]
    device_id: str | None
    on_duty: bool


@dataclass(frozen=True)
class SiteRecord:
    external_id: str
    name: str
    category: str
    domain: str
    address: str
    risk_level: int
    lon: float              # WGS84
    lat: float
    grid: str               # grid code (by point in polygon)


@dataclass
class CityData:
    """A checked city, ready to write: only rows that passed validation."""

    name: str
    crs: str                                    # the city's metric CRS (UTM zone)
    districts: list[AreaRecord]
    towns: list[AreaRecord]
    grids: list[AreaRecord]
    departments: list[DepartmentRecord]
    officers: list[OfficerRecord] | None        # None: the roster was not given (left as it is)
    sites: list[SiteRecord] | None
    road_graph: Any = None                      # routing.RoadGraph or None
    road_source: str = ""
    rejected_keys: dict[str, set[str]] = field(default_factory=dict)   # officers/sites -> badges/ids
    positions: dict[str, tuple[float, float]] | None = None            # badge -> lon/lat (synthetic demo)
    site_categories: list[Any] | None = None    # catalogue.SiteCategory of [categories]; None: the built-in ones
    code_prefix: str = ""                       # incident codes' prefix ("" leaves the store's as it is)


@dataclass
class Changes:
    added: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0
    kept: int = 0           # areas missing from the file but still referenced (not deleted)

    def text(self) -> str:
        parts = [f"{self.added:,} added", f"{self.updated:,} updated"]
        if self.retired:
            parts.append(f"{self.retired:,} retired")
        if self.kept:
            parts.append(f"{self.kept:,} kept (missing from the file but still referenced)")
        parts.append(f"{self.unchanged:,} unchanged")
        return ", ".join(parts)


@dataclass
class ImportReport:
    city: str
    dry_run: bool
    written: bool = False
    rejections: list[Rejection] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)          # source -> rows read
    changes: dict[str, Changes] = field(default_factory=dict)   # table -> what changed
    road_network: str | None = None                            # the road network now in force
    road_network_new: bool = False
    crs: str = ""
    code_prefix: str = ""                                      # incident codes: <prefix>-YYYYMMDD-NNNN
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.rejections

    def lines(self, max_rejections: int = 200) -> list[str]:
        out = [f"city {self.city!r} (CRS {self.crs or '?'})"]
        for kind, n in self.read.items():
            out.append(f"  read {kind:<12}{n:>10,}")
        if self.rejections:
            out.append(f"{len(self.rejections):,} row(s) rejected:")
            out += [f"  {r.line()}" for r in self.rejections[:max_rejections]]
            if len(self.rejections) > max_rejections:
                out.append(f"  … and {len(self.rejections) - max_rejections:,} more")
        for table, ch in self.changes.items():
            out.append(f"  {table:<12}{ch.text()}")
        if self.road_network:
            out.append(f"  road network {self.road_network!r}" + (" (new version)" if self.road_network_new
                                                                   else " (unchanged)"))
        if self.code_prefix:
            out.append(f"  incident codes {self.code_prefix}-YYYYMMDD-NNNN")
        if self.dry_run:
            out.append("dry run: nothing was written")
        elif not self.written:
            out.append("nothing was written: fix the rows above (or import with --skip-rejected)")
        return out
