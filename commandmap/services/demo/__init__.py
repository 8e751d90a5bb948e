"""The embedded demo city: Ningbo's real district outlines with a generated city inside.

`generate_city` builds it in memory (deterministic for a scale and seed),
`load_demo_into_store` writes it in one transaction, `build_demo` does both;
`build_demo_road_graph` gives just the roads (the routing benchmark's network).
"""

from .config import SCALES, Scale, ScaleConfig, scale_config
from .generate import build_demo_road_graph, generate_city
from .load import StoreNotEmptyError, build_demo, load_demo_into_store, store_has_city
from .model import DemoCity, OfficerTable, SiteTable

__all__ = [
    "SCALES", "DemoCity", "OfficerTable", "Scale", "ScaleConfig", "SiteTable", "StoreNotEmptyError",
    "build_demo", "build_demo_road_graph", "generate_city", "load_demo_into_store", "scale_config",
    "store_has_city",
]
