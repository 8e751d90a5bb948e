"""Whose ground is this point: district, town and grid by point-in-polygon.

Grid polygons are indexed once (shapely STRtree) so each incident costs a few
microseconds. A point on a shared border goes to the lowest id, so the answer
is deterministic. A point inside the city but in no grid (gaps in grid data)
still gets its town and district from their own polygons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import Engine, select

from ..store.schema import district, grid, town


@dataclass(frozen=True)
class Jurisdiction:
    district_id: int | None
    town_id: int | None
    grid_id: int | None

    @property
    def inside_city(self) -> bool:
        return self.district_id is not None


class _Layer:
    def __init__(self, ids: list[int], blobs: list[bytes], parents: list[int | None]) -> None:
        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        self.ids = np.asarray(ids, dtype=np.int64)[order]
        self.parents = [parents[i] for i in order]
        geoms = shapely.from_wkb([blobs[i] for i in order]) if ids else np.array([], dtype=object)
        self.tree = shapely.STRtree(geoms)

    def locate(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Index (into ids) of the lowest-id polygon covering each point; -1 for none."""
        out = np.full(len(lon), -1, dtype=np.int64)
        if len(self.ids) == 0 or len(lon) == 0:
            return out
        pts = shapely.points(lon, lat)
        pairs = self.tree.query(pts, predicate="intersects")
        if pairs.shape[1]:
            point_i, poly_i = pairs
            order = np.lexsort((poly_i, point_i))      # per point, lowest polygon index (= lowest id) first
            point_i, poly_i = point_i[order], poly_i[order]
            first = np.r_[True, point_i[1:] != point_i[:-1]]
            out[point_i[first]] = poly_i[first]
        return out


class JurisdictionIndex:
    """Point → (district, town, grid) for one store's city."""

    def __init__(self, districts: _Layer, towns: _Layer, grids: _Layer) -> None:
        self._d, self._t, self._g = districts, towns, grids
        self._town_district = dict(zip(towns.ids.tolist(), towns.parents))

    @classmethod
    def from_engine(cls, engine: Engine) -> JurisdictionIndex:
        with engine.connect() as conn:
            d = conn.execute(select(district.c.id, district.c.geometry_wkb)).all()
            t = conn.execute(select(town.c.id, town.c.geometry_wkb, town.c.district_id)).all()
            g = conn.execute(select(grid.c.id, grid.c.geometry_wkb, grid.c.town_id)).all()
        return cls(_Layer([r[0] for r in d], [r[1] for r in d], [None] * len(d)),
                   _Layer([r[0] for r in t], [r[1] for r in t], [r[2] for r in t]),
                   _Layer([r[0] for r in g], [r[1] for r in g], [r[2] for r in g]))

    def resolve_many(self, lon: np.ndarray, lat: np.ndarray) -> list[Jurisdiction]:
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        gi = self._g.locate(lon, lat)
        need_town = gi < 0
        ti = np.full(len(lon), -1, dtype=np.int64)
        if need_town.any():
            ti[need_town] = self._t.locate(lon[need_town], lat[need_town])
        out: list[Jurisdiction] = []
        d_located: np.ndarray | None = None
        for k in range(len(lon)):
            if gi[k] >= 0:
                grid_id = int(self._g.ids[gi[k]])
                town_id = self._g.parents[gi[k]]
            else:
                grid_id = None
                town_id = int(self._t.ids[ti[k]]) if ti[k] >= 0 else None
            district_id = self._town_district.get(town_id) if town_id is not None else None
            if district_id is None:
                if d_located is None:
                    d_located = self._d.locate(lon, lat)
                district_id = int(self._d.ids[d_located[k]]) if d_located[k] >= 0 else None
            out.append(Jurisdiction(district_id, town_id, grid_id))
        return out

    def resolve(self, lon: float, lat: float) -> Jurisdiction:
        return self.resolve_many(np.array([lon]), np.array([lat]))[0]
