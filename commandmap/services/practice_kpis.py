"""The seed's practice KPIs read from the store for a time window (KPI strip, wall, `commandmap kpi`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from ..domain.kpi import PracticeKpis, practice_kpis
from ..store.schema import district, incident, inspection_record, whistle


def read_practice_kpis(conn: Connection, start: datetime, end: datetime) -> PracticeKpis:
    """Inspections done, escalations and cases (incidents reported) in [start, end)."""
    rows = conn.execute(select(inspection_record.c.department_ids, inspection_record.c.visits_replaced)
                        .where(inspection_record.c.inspected_at >= start, inspection_record.c.inspected_at < end)
                        ).all()
    escalations = int(conn.execute(select(func.count()).select_from(whistle).where(
        whistle.c.escalated_at >= start, whistle.c.escalated_at < end)).scalar() or 0)
    in_window = (incident.c.reported_at >= start, incident.c.reported_at < end)
    by_domain = {d: int(n) for d, n in conn.execute(select(incident.c.domain, func.count()).where(*in_window)
                                                    .group_by(incident.c.domain))}
    by_district = {(d or "?"): int(n) for d, n in conn.execute(
        select(district.c.name, func.count()).select_from(incident)
        .outerjoin(district, district.c.id == incident.c.district_id).where(*in_window).group_by(district.c.name))}
    return practice_kpis([len(r.department_ids or []) for r in rows], [int(r.visits_replaced) for r in rows],
                         escalations, by_domain, by_district)
