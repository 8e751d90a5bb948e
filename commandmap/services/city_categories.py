"""The site categories a city brought with its import (city.toml `[categories]`), kept in city_meta,
and the catalogue every service uses for that city: the built-in one, with the city's own site
categories instead of the built-in ones when it has them.

Incident categories, domains and check items stay the built-in catalogue's (a check item of a
built-in site category the city does not have simply never applies).
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, Engine

from ..store.repos import get_meta
from .catalogue import Catalogue, SiteCategory, load_catalogue

SITE_CATEGORIES_KEY = "city.site_categories"


def categories_json(categories: list[SiteCategory]) -> str:
    return json.dumps([{"code": c.code, "name": c.name, "name_en": c.name_en, "domain": c.domain,
                        "departments": list(c.departments), "weight": c.weight, "placement": c.placement,
                        "risk_weights": list(c.risk_weights)} for c in categories], ensure_ascii=False)


def _categories(raw: str) -> tuple[SiteCategory, ...]:
    return tuple(SiteCategory(d["code"], d["name"], d["name_en"], d["domain"], tuple(d["departments"]),
                              float(d["weight"]), d["placement"], tuple(d["risk_weights"]))
                 for d in json.loads(raw))


def catalogue_of(conn: Connection) -> Catalogue:
    """The city's catalogue (the built-in one when the city brought no categories)."""
    base = load_catalogue()
    raw = get_meta(conn, SITE_CATEGORIES_KEY)
    if not raw:
        return base
    try:
        return base.with_site_categories(_categories(raw))
    except (ValueError, KeyError, TypeError):   # a damaged entry: the built-in categories still draw and route
        return base


def city_catalogue(engine: Engine) -> Catalogue:
    with engine.connect() as conn:
        return catalogue_of(conn)
