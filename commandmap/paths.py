"""Where the shipped data/resources and the per-user data folder are.

The wheel installs `data/` and `resources/` as `commandmap.data` and
`commandmap.resources`; a source checkout keeps them at the top level.
Every caller asks here so both layouts work.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

_PKG_DIR = Path(__file__).resolve().parent
_REPO_ROOT = _PKG_DIR.parent


def _shipped(name: str) -> Path:
    installed = _PKG_DIR / name
    if installed.is_dir():
        return installed
    return _REPO_ROOT / name


def data_dir() -> Path:
    """The shipped `data/` folder (district outlines, catalogues, names)."""
    return _shipped("data")


def resources_dir() -> Path:
    """The shipped `resources/` folder (themes, icons, fonts, translations)."""
    return _shipped("resources")


def translations_dir() -> Path:
    """Qt catalogues of the UI, `commandmap_<lang>.qm`, beside their `.ts` sources."""
    return resources_dir() / "i18n"


def ui_languages() -> tuple[str, ...]:
    """Simplified Chinese (the default), English (the source texts), then every other
    language with a compiled catalogue: a new `.ts`/`.qm` pair adds one, no code."""
    order = ["zh_CN", "en"]
    shipped = sorted(p.stem.removeprefix("commandmap_") for p in translations_dir().glob("commandmap_*.qm"))
    return tuple(order + [lang for lang in shipped if lang not in order])


def user_data_dir() -> Path:
    """Per-user writable folder: the default SQLite store and graph caches.

    `COMMANDMAP_HOME` overrides it so tests and several seats on one machine
    can keep separate stores.
    """
    override = os.environ.get("COMMANDMAP_HOME")
    path = Path(override) if override else Path(platformdirs.user_data_dir("commandmap", "CommandMap"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Writable cache folder for compiled road graphs."""
    path = user_data_dir() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
