"""The minimal city the ingest benchmarks write into (shared by the in-process and the HTTP cases)."""

from __future__ import annotations

import numpy as np

CENTER = (121.55, 29.87)


def seed_roster(engine, n: int, now_s: float) -> None:  # type: ignore[no-untyped-def]
    """Minimal city: its CRS, one district/town/department and `n` officers, none with a fix yet."""
    import shapely
    from sqlalchemy import insert

    from routing.projection import utm_crs_for

    from ..store import schema
    from ..store.repos import CITY_CRS_KEY
    box = shapely.to_wkb(shapely.box(CENTER[0] - 0.3, CENTER[1] - 0.3, CENTER[0] + 0.3, CENTER[1] + 0.3))
    modes = np.array(["car", "ebike", "foot"])[np.arange(n) % 3]
    with engine.begin() as conn:
        conn.execute(insert(schema.city_meta).values(key=CITY_CRS_KEY, value=utm_crs_for(np.array([CENTER]))))
        conn.execute(insert(schema.district).values(id=1, code="330200", name="宁波", geometry_wkb=box))
        conn.execute(insert(schema.town).values(id=1, district_id=1, code="330200001", name="街道", geometry_wkb=box))
        conn.execute(insert(schema.department).values(id=1, code="zhzf", name="综合行政执法"))
        conn.execute(insert(schema.officer), [
            {"id": i + 1, "badge": f"B{i + 1:06d}", "name": f"执法员{i + 1}", "department_id": 1, "home_town_id": 1,
             "mode": str(modes[i]), "skills": [], "on_duty": True, "status": "available", "version": 1}
            for i in range(n)])
