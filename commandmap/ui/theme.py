"""Apply a theme to the whole application: Qt style sheet + the CJK UI font.

The map's colours live in `layers.themes.Theme`; the widgets around it (docks,
panels, status bar) are styled by `resources/themes/<name>.qss`, so both
follow one switch.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from layers.fonts import cjk_family
from layers.themes import Theme, get_theme

from ..paths import resources_dir

log = logging.getLogger(__name__)


def qss_path(name: str):  # type: ignore[no-untyped-def]
    return resources_dir() / "themes" / f"{name}.qss"


def apply_theme(app: QApplication, name: str) -> Theme:
    """Style `app` with theme `name` ('wall' or 'workstation') and return the map theme."""
    theme = get_theme(name)
    font = QFont(cjk_family())
    font.setPixelSize(round(theme.font_ui_px))
    app.setFont(font)
    path = qss_path(name)
    try:
        app.setStyleSheet(path.read_text(encoding="utf-8"))
    except OSError as exc:   # a missing style sheet leaves plain Qt widgets, not a crash
        log.warning("theme %s: cannot read %s (%s); using the default widget style", name, path, exc)
        app.setStyleSheet("")
    app.setProperty("commandmap_theme", name)
    return theme
