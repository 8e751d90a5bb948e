"""The embedded demo city: Ningbo's real district outlines with a generated city inside.

`generate_city` builds it in memory (deterministic for a scale and seed),
`load_demo_into_store` writes it in one transaction, `build_demo` does both.
"""

from .config import SCALES, Scale, ScaleConfig, scale_config
from .generate import build_demo_road_graph, generate_city
from .model import DemoCity, OfficerTable, SiteTable

__all__ = [
    "SCALES", "DemoCity", "OfficerTable", "Scale", "ScaleConfig", "SiteTable", "build_demo_road_graph",
    "generate_city", "scale_config",
]
