"""Intake: turn a report (hotline, grid whistle, patrol, camera, citizen) into an incident.

Everything a dispatcher would otherwise look up is resolved here, once: whose
ground it is (district/town/grid), which departments are competent (catalogue:
category → domain → departments, kept as data), the default priority, and a
human-readable code. The incident, its audit row and its change row are one
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..domain.access import Actor, Permission
from ..domain.enums import IncidentSource, IncidentStatus, Priority
from ..store.audit import append_audit
from ..store.changes import record_change
from ..store.schema import department, incident, site
from .authz import require
from .catalogue import Catalogue
from .city_categories import city_catalogue
from .clock import from_epoch, wall_clock
from .incident_codes import next_code
from .jurisdiction import Jurisdiction, JurisdictionIndex


class IntakeError(ValueError):
    """The report cannot become an incident; the message names the field and the problem."""


@dataclass(frozen=True)
class NewIncident:
    category: str                       # incident category name (占道经营) or code (street_vending)
    source: IncidentSource | str
    lon: float | None = None            # None: take the site's location
    lat: float | None = None
    priority: Priority | str | None = None   # None: the category's default
    site_id: int | None = None
    description: str = ""


@dataclass(frozen=True)
class IntakeResult:
    incident_id: int
    code: str
    category: str
    domain: str
    priority: Priority
    jurisdiction: Jurisdiction
    department_ids: tuple[int, ...]     # competent departments present in this store, lead first
    department_codes: tuple[str, ...]
    reported_s: float


class Intake:
    """Creates incidents for one store (jurisdiction index and catalogue loaded once)."""

    def __init__(self, engine: Engine, *, catalogue: Catalogue | None = None,
                 jurisdiction: JurisdictionIndex | None = None) -> None:
        self.engine = engine
        self.catalogue = catalogue or city_catalogue(engine)
        self.jurisdiction = jurisdiction or JurisdictionIndex.from_engine(engine)
        with engine.connect() as conn:
            self._dept_ids = {r.code: r.id for r in conn.execute(select(department.c.code, department.c.id))}

    def competent_departments(self, category: str) -> tuple[tuple[int, ...], tuple[str, ...]]:
        codes = tuple(self.catalogue.departments_for_category(category))
        present = tuple(c for c in codes if c in self._dept_ids)
        return tuple(self._dept_ids[c] for c in present), present

    def _validate(self, new: NewIncident) -> tuple[str, str, Priority, IncidentSource]:
        try:
            cat = self.catalogue.incident_category(new.category)
        except KeyError:
            known = ", ".join(c.name for c in self.catalogue.incident_categories)
            raise IntakeError(f"category: {new.category!r} is not an incident category (known: {known})") from None
        try:
            source = IncidentSource(new.source)
        except ValueError:
            raise IntakeError(f"source: {new.source!r} is not one of "
                              f"{', '.join(s.value for s in IncidentSource)}") from None
        try:
            priority = Priority(new.priority) if new.priority is not None else cat.priority
        except ValueError:
            raise IntakeError(f"priority: {new.priority!r} is not one of P1, P2, P3, P4") from None
        return cat.name, cat.domain, priority, source

    def create(self, new: NewIncident, *, actor: Actor | str, now_s: float | None = None) -> IntakeResult:
        """Validate, resolve and store one incident; IntakeError for bad input (nothing stored);
        authz.Forbidden (audited) when the actor's role may not create incidents."""
        now = wall_clock() if now_s is None else float(now_s)
        actor = require(self.engine, actor, Permission.CREATE_INCIDENT, "incident", 0,
                        {"category": str(new.category)[:64]}).label
        category, domain, priority, source = self._validate(new)
        lon, lat = new.lon, new.lat
        if new.site_id is not None:
            with self.engine.connect() as conn:
                row = conn.execute(select(site.c.lon, site.c.lat).where(site.c.id == new.site_id)).first()
            if row is None:
                raise IntakeError(f"site_id: no site with id {new.site_id}")
            if lon is None or lat is None:
                lon, lat = row.lon, row.lat
        if lon is None or lat is None:
            raise IntakeError("location: give lon and lat, or a site_id")
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise IntakeError(f"location: ({lon}, {lat}) is not a longitude/latitude")
        where = self.jurisdiction.resolve(lon, lat)
        if not where.inside_city:
            raise IntakeError(f"location: ({lon:.6f}, {lat:.6f}) is outside the city's districts")
        dept_ids, dept_codes = self.competent_departments(category)

        with self.engine.begin() as conn:
            code = next_code(conn, now)
            incident_id = int(conn.execute(incident.insert().values(  # type: ignore[index]
                code=code, category=category, domain=domain, priority=priority.value, source=source.value,
                description=new.description, lon=float(lon), lat=float(lat), site_id=new.site_id,
                district_id=where.district_id, town_id=where.town_id, grid_id=where.grid_id,
                department_ids=list(dept_ids), status=IncidentStatus.NEW.value, reported_at=from_epoch(now),
                version=1)).inserted_primary_key[0])
            record_change(conn, "incident", incident_id, "insert")
            append_audit(conn, actor, "incident.create", "incident", incident_id,
                         {"code": code, "category": category, "priority": priority.value, "source": source.value,
                          "district_id": where.district_id, "town_id": where.town_id, "grid_id": where.grid_id,
                          "departments": list(dept_codes)}, at=from_epoch(now))
        return IntakeResult(incident_id, code, category, domain, priority, where, dept_ids, dept_codes, now)
