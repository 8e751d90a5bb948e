"""The enforcement catalogue: departments, domains, site and incident categories,
and the check items of a joint inspection, loaded from CSV files in `data/catalogue/`.

They are data, not code, so the command centre can correct "which department
handles 油烟扰民" without a release. Every row is validated on load and a bad
one is reported by file, line and field, never half-loaded.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from ..domain.enums import Priority
from ..paths import data_dir

PLACEMENTS = ("urban", "any", "rural")
ROLES = ("lead", "professional", "collaborating")


class CatalogueError(ValueError):
    """A catalogue file is missing or has a bad row; the message names file, line and field."""


@dataclass(frozen=True)
class DepartmentEntry:
    code: str
    name: str
    name_en: str
    role: str                # lead / professional / collaborating
    officer_weight: float    # share of the demo city's officers


@dataclass(frozen=True)
class DomainEntry:
    code: str
    name: str
    name_en: str


@dataclass(frozen=True)
class SiteCategory:
    code: str
    name: str                # the value stored in site.category, e.g. 餐饮
    name_en: str
    domain: str              # domain code
    departments: tuple[str, ...]   # competent departments, lead first
    weight: float            # relative share among the demo city's sites
    placement: str           # urban / any / rural
    risk_weights: tuple[float, float, float, float]  # P(risk level 1..4)


@dataclass(frozen=True)
class IncidentCategory:
    code: str
    name: str                # the value stored in incident.category, e.g. 占道经营
    name_en: str
    domain: str
    departments: tuple[str, ...]
    priority: Priority       # default priority
    site_related: bool       # usually reported against a regulated site
    weight: float
    site_categories: tuple[str, ...] = ()  # site category codes it is usually reported against


@dataclass(frozen=True)
class CheckItem:
    category: str            # site category code
    code: str
    text: str
    text_en: str
    department: str
    qualification: str = ""  # domain code the inspecting officer must hold among their skills ("" = any)


@dataclass(frozen=True)
class Catalogue:
    departments: tuple[DepartmentEntry, ...]
    domains: tuple[DomainEntry, ...]
    site_categories: tuple[SiteCategory, ...]
    incident_categories: tuple[IncidentCategory, ...]
    check_items: tuple[CheckItem, ...]
    _categories: dict[str, SiteCategory | IncidentCategory] = field(default_factory=dict, repr=False)
    _labels_en: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        cats: dict[str, SiteCategory | IncidentCategory] = {}
        categories: list[SiteCategory | IncidentCategory] = [*self.site_categories, *self.incident_categories]
        for cat in categories:
            cats[cat.code] = cat
            cats[cat.name] = cat
        labels: dict[str, str] = {}
        entries: list[DepartmentEntry | DomainEntry | SiteCategory | IncidentCategory] = [
            *self.departments, *self.domains, *categories]
        for entry in entries:
            labels[entry.code] = entry.name_en
            labels[entry.name] = entry.name_en
        object.__setattr__(self, "_categories", cats)
        object.__setattr__(self, "_labels_en", labels)

    # -- look-ups -------------------------------------------------------------
    def category(self, category: str) -> SiteCategory | IncidentCategory:
        """A site or incident category by its Chinese name or its code."""
        try:
            return self._categories[category]
        except KeyError:
            raise KeyError(f"unknown category {category!r}") from None

    def site_category(self, category: str) -> SiteCategory:
        cat = self.category(category)
        if not isinstance(cat, SiteCategory):
            raise KeyError(f"{category!r} is an incident category, not a site category")
        return cat

    def incident_category(self, category: str) -> IncidentCategory:
        cat = self.category(category)
        if not isinstance(cat, IncidentCategory):
            raise KeyError(f"{category!r} is a site category, not an incident category")
        return cat

    def domain_of(self, category: str) -> str:
        """Enforcement domain code of a site or incident category."""
        return self.category(category).domain

    def departments_for_category(self, category: str) -> list[str]:
        """Department codes competent for a category, the lead department first."""
        return list(self.category(category).departments)

    def department(self, code: str) -> DepartmentEntry:
        for dep in self.departments:
            if dep.code == code:
                return dep
        raise KeyError(f"unknown department {code!r}")

    def domain(self, code: str) -> DomainEntry:
        for dom in self.domains:
            if dom.code == code:
                return dom
        raise KeyError(f"unknown domain {code!r}")

    def check_items_for(self, category: str) -> list[CheckItem]:
        """Check items of a site category (by name or code), in catalogue order."""
        code = self.site_category(category).code
        return [item for item in self.check_items if item.category == code]

    def label(self, key: str, lang: str = "zh_CN") -> str:
        """UI label of a department, domain or category given its code or Chinese name."""
        if lang.startswith("en"):
            return self._labels_en.get(key, key)
        if key in self._categories:
            return self._categories[key].name
        named: list[DepartmentEntry | DomainEntry] = [*self.departments, *self.domains]
        for entry in named:
            if key in (entry.code, entry.name):
                return entry.name
        return key

    def label_en(self, key: str) -> str:
        return self.label(key, "en")

    def with_site_categories(self, categories: tuple[SiteCategory, ...]) -> Catalogue:
        """This catalogue with a city's own site categories instead of these (city.toml `[categories]`):
        incident categories keep theirs but link only to site categories that still exist (a
        site-related one left with none is reported without a site), and check items narrow to them."""
        codes = {c.code for c in categories}
        incidents = tuple(replace(i, site_categories=linked, site_related=i.site_related and bool(linked))
                          for i in self.incident_categories
                          for linked in [tuple(c for c in i.site_categories if c in codes)])
        return Catalogue(self.departments, self.domains, tuple(categories), incidents,
                         tuple(item for item in self.check_items if item.category in codes))


# -- loading ------------------------------------------------------------------

def _read(path: Path, required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise CatalogueError(f"{path}: catalogue file is missing")
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise CatalogueError(f"{path.name}: missing column(s) {', '.join(missing)}")
            rows = []
            for row in reader:
                line = reader.line_num
                if None in row or any(v is None for v in row.values()):
                    raise CatalogueError(f"{path.name} line {line}: expected {len(header)} fields")
                rows.append((line, {k: v.strip() for k, v in row.items()}))
            return rows
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path.name}: not UTF-8 text ({exc.reason})") from None


def _need(path: Path, line: int, row: dict[str, str], col: str) -> str:
    value = row[col]
    if not value:
        raise CatalogueError(f"{path.name} line {line}: field {col!r} is empty")
    return value


def _float(path: Path, line: int, row: dict[str, str], col: str) -> float:
    raw = _need(path, line, row, col)
    try:
        value = float(raw)
    except ValueError:
        raise CatalogueError(f"{path.name} line {line}: field {col!r} is not a number: {raw!r}") from None
    if not value >= 0.0:
        raise CatalogueError(f"{path.name} line {line}: field {col!r} must be >= 0, got {raw!r}")
    return value


def _codes(path: Path, line: int, row: dict[str, str], col: str, known: set[str], what: str) -> tuple[str, ...]:
    codes = tuple(c.strip() for c in _need(path, line, row, col).split(";") if c.strip())
    for code in codes:
        if code not in known:
            raise CatalogueError(f"{path.name} line {line}: field {col!r} names unknown {what} {code!r}")
    if len(set(codes)) != len(codes):
        raise CatalogueError(f"{path.name} line {line}: field {col!r} repeats a {what}")
    return codes


def _unique(path: Path, line: int, seen: set[str], value: str, col: str) -> None:
    if value in seen:
        raise CatalogueError(f"{path.name} line {line}: duplicate {col} {value!r}")
    seen.add(value)


def load_catalogue(folder: Path | None = None) -> Catalogue:
    """Load and validate the catalogue from `folder` (default: the shipped `data/catalogue`)."""
    if folder is None:
        return _default_catalogue()
    return _load(Path(folder))


@lru_cache(maxsize=1)
def _default_catalogue() -> Catalogue:
    return _load(data_dir() / "catalogue")


def _load(folder: Path) -> Catalogue:
    path = folder / "departments.csv"
    departments: list[DepartmentEntry] = []
    seen: set[str] = set()
    for line, row in _read(path, ("code", "name", "name_en", "role", "officer_weight")):
        code = _need(path, line, row, "code")
        _unique(path, line, seen, code, "code")
        role = _need(path, line, row, "role")
        if role not in ROLES:
            raise CatalogueError(f"{path.name} line {line}: field 'role' must be one of {ROLES}, got {role!r}")
        departments.append(DepartmentEntry(code, _need(path, line, row, "name"), _need(path, line, row, "name_en"),
                                           role, _float(path, line, row, "officer_weight")))
    if not departments:
        raise CatalogueError(f"{path.name}: no departments")
    dep_codes = {d.code for d in departments}

    path = folder / "domains.csv"
    domains: list[DomainEntry] = []
    seen = set()
    for line, row in _read(path, ("code", "name", "name_en")):
        code = _need(path, line, row, "code")
        _unique(path, line, seen, code, "code")
        domains.append(DomainEntry(code, _need(path, line, row, "name"), _need(path, line, row, "name_en")))
    dom_codes = {d.code for d in domains}

    def _domain(p: Path, line: int, row: dict[str, str]) -> str:
        value = _need(p, line, row, "domain")
        if value not in dom_codes:
            raise CatalogueError(f"{p.name} line {line}: field 'domain' names unknown domain {value!r}")
        return value

    category_keys: set[str] = set()
    path = folder / "site_categories.csv"
    sites: list[SiteCategory] = []
    for line, row in _read(path, ("code", "name", "name_en", "domain", "departments", "weight", "placement",
                                  "risk_weights")):
        code, name = _need(path, line, row, "code"), _need(path, line, row, "name")
        _unique(path, line, category_keys, code, "category code")
        _unique(path, line, category_keys, name, "category name")
        placement = _need(path, line, row, "placement")
        if placement not in PLACEMENTS:
            raise CatalogueError(f"{path.name} line {line}: field 'placement' must be one of {PLACEMENTS}, "
                                 f"got {placement!r}")
        raw_risk = _need(path, line, row, "risk_weights").split(";")
        try:
            risk = tuple(float(v) for v in raw_risk)
        except ValueError:
            risk = ()
        if len(risk) != 4 or min(risk) < 0 or sum(risk) <= 0:
            raise CatalogueError(f"{path.name} line {line}: field 'risk_weights' must be 4 non-negative numbers "
                                 f"separated by ';' with a positive sum")
        sites.append(SiteCategory(code, name, _need(path, line, row, "name_en"), _domain(path, line, row),
                                  _codes(path, line, row, "departments", dep_codes, "department"),
                                  _float(path, line, row, "weight"), placement,
                                  (risk[0], risk[1], risk[2], risk[3])))

    path = folder / "incident_categories.csv"
    incidents: list[IncidentCategory] = []
    site_codes = {s.code for s in sites}
    for line, row in _read(path, ("code", "name", "name_en", "domain", "departments", "priority", "site_related",
                                  "weight")):
        code, name = _need(path, line, row, "code"), _need(path, line, row, "name")
        _unique(path, line, category_keys, code, "category code")
        _unique(path, line, category_keys, name, "category name")
        try:
            priority = Priority(_need(path, line, row, "priority"))
        except ValueError:
            raise CatalogueError(f"{path.name} line {line}: field 'priority' must be P1..P4, "
                                 f"got {row['priority']!r}") from None
        flag = _need(path, line, row, "site_related")
        if flag not in ("0", "1"):
            raise CatalogueError(f"{path.name} line {line}: field 'site_related' must be 0 or 1, got {flag!r}")
        linked: tuple[str, ...] = ()
        if row.get("site_categories"):
            linked = _codes(path, line, row, "site_categories", site_codes, "site category")
        if flag == "1" and not linked:
            raise CatalogueError(f"{path.name} line {line}: site_related is 1 but field 'site_categories' is empty")
        incidents.append(IncidentCategory(code, name, _need(path, line, row, "name_en"), _domain(path, line, row),
                                          _codes(path, line, row, "departments", dep_codes, "department"),
                                          priority, flag == "1", _float(path, line, row, "weight"), linked))

    path = folder / "check_items.csv"
    items: list[CheckItem] = []
    seen = set()
    for line, row in _read(path, ("category", "code", "text", "text_en", "department")):
        cat = _need(path, line, row, "category")
        if cat not in site_codes:
            raise CatalogueError(f"{path.name} line {line}: field 'category' names unknown site category {cat!r}")
        code = _need(path, line, row, "code")
        _unique(path, line, seen, code, "code")
        dep = _need(path, line, row, "department")
        if dep not in dep_codes:
            raise CatalogueError(f"{path.name} line {line}: field 'department' names unknown department {dep!r}")
        qual = row.get("qualification", "")
        if qual and qual not in dom_codes:
            raise CatalogueError(f"{path.name} line {line}: field 'qualification' names unknown domain {qual!r}")
        items.append(CheckItem(cat, code, _need(path, line, row, "text"), _need(path, line, row, "text_en"), dep,
                               qual))

    for group, p in ((sites, "site_categories.csv"), (incidents, "incident_categories.csv")):
        if not group or sum(c.weight for c in group) <= 0:
            raise CatalogueError(f"{p}: needs at least one category with a positive weight")
    return Catalogue(tuple(departments), tuple(domains), tuple(sites), tuple(incidents), tuple(items))
