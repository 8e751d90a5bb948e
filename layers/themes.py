"""Map themes: every colour, stroke and type size the layers use, in one place.

`wall` is for the video wall: dark, large type, thick strokes, high-contrast
status colours readable from 5 m. `workstation` is a light theme for a desk
monitor at arm's length. Layers never hard-code a colour; they ask the theme,
so a new theme is one more instance of `Theme`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from PySide6.QtGui import QColor

# Officer status codes (snapshot.OFFICER_STATUS_CODES) → index into Theme.officer_status
# Incident priority 1..4 → index (priority - 1) into Theme.incident_priority
# Road class codes (snapshot.ROAD_CLASS_CODES) → index into the road tuples


@dataclass(frozen=True)
class Theme:
    name: str
    dark: bool
    # base map
    background: str           # outside the city / sea
    land: str
    water: str
    water_line: str
    district_fills: tuple[str, ...]   # alternating tints so neighbouring districts read apart
    district_line: str
    district_line_px: float
    town_line: str
    town_line_px: float
    grid_line: str
    grid_line_px: float
    # roads, indexed by road class code 0..6
    road_fill: tuple[str, ...]
    road_casing: tuple[str, ...]
    road_width_m: tuple[float, ...]   # carriageway width drawn when zoomed in
    road_min_px: tuple[float, ...]    # never thinner than this on screen
    road_max_px: tuple[float, ...]
    # labels
    label: str
    label_halo: str
    label_district: str
    label_town: str
    label_grid: str
    label_road: str
    font_district_px: float
    font_town_px: float
    font_grid_px: float
    font_road_px: float
    font_badge_px: float
    font_ui_px: float
    # operation
    officer_status: tuple[str, ...]   # off_duty, available, dispatched, en_route, on_scene
    officer_outline: str
    officer_stale_fill: str
    officer_stale_line: str
    officer_px: float                 # marker diameter when zoomed in
    officer_far_px: float             # dot diameter at city scale
    incident_priority: tuple[str, ...]  # P1..P4
    incident_px: float
    incident_outline: str
    route: str
    route_preview: str
    route_px: float
    selection: str
    site_palette: tuple[str, ...]
    site_px: float
    cluster_fill: str
    cluster_line: str
    cluster_text: str
    heat_stops: tuple[tuple[float, str], ...]
    coverage_ok: str
    coverage_gap: str
    # decorations (scale bar, north arrow, clock)
    deco_bg: str
    deco_fg: str
    deco_line: str
    stroke_scale: float = 1.0
    extra: dict[str, str] = field(default_factory=dict)

    def color(self, value: str) -> QColor:
        return qcolor(value)


@lru_cache(maxsize=512)
def _qcolor_rgba(value: str) -> tuple[int, int, int, int]:
    c = QColor(value)
    if not c.isValid():
        raise ValueError(f"invalid colour {value!r} in theme")
    return c.red(), c.green(), c.blue(), c.alpha()


def qcolor(value: str, alpha: int | None = None) -> QColor:
    """A QColor from '#rrggbb' / '#aarrggbb' (cached parse), optionally re-alpha'd."""
    r, g, b, a = _qcolor_rgba(value)
    return QColor(r, g, b, a if alpha is None else alpha)


WORKSTATION = Theme(
    name="workstation",
    dark=False,
    background="#dde6ee",
    land="#f6f4ef",
    water="#a9cbe8",
    water_line="#7fadd6",
    district_fills=("#f6f1e4", "#eef4e9", "#f3edf5", "#e9f1f6", "#f7ece6"),
    district_line="#7b4f9b",
    district_line_px=2.4,
    town_line="#a07cb8",
    town_line_px=1.1,
    grid_line="#c9b9d4",
    grid_line_px=0.8,
    road_fill=("#e8912d", "#f2b84b", "#f8d77a", "#ffffff", "#ffffff", "#ffffff", "#fbfaf7"),
    road_casing=("#b0630f", "#c48a26", "#c9a84d", "#b9b2a6", "#c4bdb2", "#cdc7bd", "#d9d4cb"),
    road_width_m=(26.0, 22.0, 18.0, 14.0, 11.0, 7.0, 5.0),
    road_min_px=(2.2, 1.9, 1.5, 1.1, 0.9, 0.7, 0.6),
    road_max_px=(16.0, 15.0, 14.0, 12.0, 11.0, 9.0, 6.0),
    label="#2b2b33",
    label_halo="#ffffff",
    label_district="#5b2f7d",
    label_town="#4d3b5e",
    label_grid="#7a6a86",
    label_road="#3c3a36",
    font_district_px=22.0,
    font_town_px=14.0,
    font_grid_px=11.0,
    font_road_px=12.0,
    font_badge_px=11.0,
    font_ui_px=13.0,
    officer_status=("#8a949e", "#16a34a", "#f59e0b", "#1d6fe0", "#9333ea"),
    officer_outline="#ffffff",
    officer_stale_fill="#c3c8cf",
    officer_stale_line="#4b5563",
    officer_px=14.0,
    officer_far_px=3.5,
    incident_priority=("#dc2626", "#f97316", "#eab308", "#0ea5e9"),
    incident_px=18.0,
    incident_outline="#ffffff",
    route="#1d6fe0",
    route_preview="#db2777",
    route_px=4.0,
    selection="#00b3ff",
    site_palette=("#b45309", "#0f766e", "#7c3aed", "#be123c", "#4d7c0f", "#0369a1",
                  "#a16207", "#9d174d", "#15803d", "#475569", "#c2410c", "#6d28d9",
                  "#0e7490", "#854d0e", "#166534", "#9f1239", "#1e40af", "#78350f", "#581c87", "#374151"),
    site_px=13.0,
    cluster_fill="#e8eaef",
    cluster_line="#8b93a1",
    cluster_text="#374151",
    heat_stops=((0.0, "#00ffd000"), (0.25, "#80ffd000"), (0.55, "#c0ff7a00"), (1.0, "#e0d0021b")),
    coverage_ok="#3016a34a",
    coverage_gap="#38dc2626",
    deco_bg="#e6ffffff",
    deco_fg="#1f2937",
    deco_line="#1f2937",
)

WALL = Theme(
    name="wall",
    dark=True,
    background="#060b14",
    land="#0f1829",
    water="#0b2e52",
    water_line="#1a4f80",
    district_fills=("#121d31", "#101c2c", "#141b30", "#0f1f2f", "#131a2a"),
    district_line="#4cc3ff",
    district_line_px=3.6,
    town_line="#3a7fb0",
    town_line_px=1.8,
    grid_line="#26486a",
    grid_line_px=1.1,
    road_fill=("#ffb547", "#f2c464", "#d9c78f", "#8d9fba", "#72839c", "#4f5f77", "#3d4a5e"),
    road_casing=("#7a4a06", "#6d5520", "#5a5236", "#2e3a4c", "#273244", "#1f2838", "#1a2230"),
    road_width_m=(26.0, 22.0, 18.0, 14.0, 11.0, 7.0, 5.0),
    road_min_px=(3.2, 2.8, 2.2, 1.6, 1.3, 1.0, 0.9),
    road_max_px=(18.0, 17.0, 16.0, 14.0, 12.0, 10.0, 7.0),
    label="#e8eef7",
    label_halo="#060b14",
    label_district="#8fdcff",
    label_town="#c9dcf0",
    label_grid="#8aa4c2",
    label_road="#d5dde8",
    font_district_px=34.0,
    font_town_px=21.0,
    font_grid_px=15.0,
    font_road_px=17.0,
    font_badge_px=15.0,
    font_ui_px=18.0,
    officer_status=("#7b8794", "#22e36b", "#ffb020", "#3d9bff", "#d16bff"),
    officer_outline="#04070d",
    officer_stale_fill="#4a5361",
    officer_stale_line="#c3cad4",
    officer_px=20.0,
    officer_far_px=4.5,
    incident_priority=("#ff3040", "#ff8a2a", "#ffd84a", "#38bdf8"),
    incident_px=26.0,
    incident_outline="#04070d",
    route="#3d9bff",
    route_preview="#ff5cb8",
    route_px=6.0,
    selection="#00e5ff",
    site_palette=("#f59e0b", "#2dd4bf", "#a78bfa", "#fb7185", "#a3e635", "#38bdf8",
                  "#facc15", "#f472b6", "#4ade80", "#94a3b8", "#fb923c", "#c084fc",
                  "#22d3ee", "#fbbf24", "#86efac", "#fda4af", "#93c5fd", "#fdba74", "#d8b4fe", "#cbd5e1"),
    site_px=17.0,
    cluster_fill="#1c2940",
    cluster_line="#5d7396",
    cluster_text="#c7d3e6",
    heat_stops=((0.0, "#00ff9f1c"), (0.25, "#70ff9f1c"), (0.55, "#b0ff4d2e"), (1.0, "#d8ff2052")),
    coverage_ok="#3022e36b",
    coverage_gap="#40ff3040",
    deco_bg="#cc0a1322",
    deco_fg="#e8eef7",
    deco_line="#e8eef7",
    stroke_scale=1.35,
)

THEMES: dict[str, Theme] = {t.name: t for t in (WORKSTATION, WALL)}


def get_theme(name: str) -> Theme:
    try:
        return THEMES[name]
    except KeyError:
        raise ValueError(f"unknown theme {name!r}: choose one of {', '.join(sorted(THEMES))}") from None
