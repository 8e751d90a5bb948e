"""A year of past inspections and a few declared conflicts of interest for the demo city.

The double-random rule "not drawn for a site inspected in the previous cycle" needs
history to exclude. Drawn from its own random stream, so adding it leaves every other
part of the city (and its checksum) unchanged. Proportions follow the seed: about
45.98 % of inspections are cross-department; joint ones replace the departments'
separate visits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import numpy as np

from ..catalogue import Catalogue
from .model import OfficerTable, SiteTable

CROSS_DEPARTMENT_SHARE = 0.4598
INSPECTIONS_PER_SITE = 0.8
CONFLICT_SHARE = 0.002       # of sites with one declared conflict


def make_past_inspections(seed: int, now: datetime, catalogue: Catalogue, sites: SiteTable,
                          officers: OfficerTable, departments: list[dict[str, Any]],
                          ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(inspection_record rows, conflict_of_interest rows) over the 365 days before `now`."""
    rng = np.random.default_rng([seed, 701])
    dep_id = {d["code"]: int(d["id"]) for d in departments}
    by_dep: dict[int, np.ndarray] = {}
    for d in set(officers.department_id.tolist()):
        by_dep[int(d)] = officers.ids[officers.department_id == d]
    n = int(len(sites) * INSPECTIONS_PER_SITE)
    pick = rng.integers(0, len(sites), n)
    ages_s = rng.uniform(3_600.0, 365 * 86_400.0, n)
    cross = rng.random(n) < CROSS_DEPARTMENT_SHARE
    rows: list[dict[str, Any]] = []
    for k in range(n):
        i = int(pick[k])
        cat = catalogue.site_category(sites.category[i])
        deps = [dep_id[c] for c in cat.departments if c in dep_id and dep_id[c] in by_dep]
        if not deps:
            continue
        if cross[k] and len(deps) >= 2:
            chosen = sorted(int(x) for x in rng.choice(deps, size=int(rng.integers(2, len(deps) + 1)), replace=False))
        else:
            chosen = [deps[0]]
        officer_ids = sorted(int(rng.choice(by_dep[d])) for d in chosen)
        rows.append({"id": len(rows) + 1, "site_id": int(sites.ids[i]),
                     "inspected_at": now - timedelta(seconds=float(ages_s[k])),
                     "kind": "joint" if len(chosen) >= 2 else "routine", "department_ids": chosen,
                     "officer_ids": officer_ids, "visits_replaced": len(chosen), "plan_id": None})
    rows.sort(key=lambda r: (r["inspected_at"], r["id"]))
    for j, r in enumerate(rows, 1):
        r["id"] = j
    n_conf = max(1, int(len(sites) * CONFLICT_SHARE))
    conf_sites = rng.choice(len(sites), size=min(n_conf, len(sites)), replace=False)
    conflicts = [{"id": j + 1, "officer_id": int(rng.choice(officers.ids)), "site_id": int(sites.ids[s]),
                  "reason": "declared: relative runs the business"} for j, s in enumerate(conf_sites.tolist())]
    return rows, conflicts
