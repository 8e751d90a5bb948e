"""What the workstation remembers between runs: dock layout, language, theme.

Qt's QSettings (an INI file under the per-user data folder, so
`COMMANDMAP_HOME` keeps tests and several seats on one machine apart).
Defaults live here, in one place.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from ..paths import user_data_dir

DEFAULT_LANGUAGE = "zh_CN"
LANGUAGES = ("zh_CN", "en")
LAYOUT_VERSION = 1          # bump when docks are added or renamed: an old saved layout is then ignored


def settings() -> QSettings:
    return QSettings(str(user_data_dir() / "commandmap.ini"), QSettings.Format.IniFormat)


def load_language() -> str:
    value = settings().value("ui/language", DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def save_language(lang: str) -> None:
    s = settings()
    s.setValue("ui/language", lang)
    s.sync()


def load_theme(default: str) -> str:
    value = settings().value("ui/theme", default)
    return value if value in ("workstation", "wall") else default


def save_theme(name: str) -> None:
    s = settings()
    s.setValue("ui/theme", name)
    s.sync()


def load_layout() -> tuple[QByteArray | None, QByteArray | None]:
    """(window geometry, dock state) saved by `save_layout`, or Nones."""
    s = settings()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    return (geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None)


def save_layout(geometry: QByteArray, state: QByteArray) -> None:
    s = settings()
    s.setValue("window/geometry", geometry)
    s.setValue("window/state", state)
    s.sync()


def clear_layout() -> None:
    s = settings()
    s.remove("window/geometry")
    s.remove("window/state")
    s.sync()
