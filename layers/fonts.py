"""The one font family every map label uses, chosen explicitly for Chinese.

Left to itself Qt picks a family per character; on a minimal Linux that can
be one without CJK glyphs, and 海曙区 renders as three boxes. So we choose:
Noto Sans CJK SC (installed by scripts/setup.sh as `fonts-noto-cjk`), then
other well-known Simplified-Chinese sans families, then any family that
declares the Simplified Chinese writing system — and log a clear warning when
there is none, because the map would then be unreadable.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtGui import QFont, QFontDatabase

log = logging.getLogger(__name__)

PREFERRED_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC",
    "Hiragino Sans GB", "SimHei", "Droid Sans Fallback", "Noto Sans CJK JP",
)

_lock = threading.Lock()
_family: str | None = None


def cjk_family() -> str:
    """The label font family (cached; needs a Q(Gui)Application)."""
    global _family
    with _lock:
        if _family is None:
            _family = _pick_family()
        return _family


def _pick_family() -> str:
    available = set(QFontDatabase.families())
    for name in PREFERRED_FAMILIES:
        if name in available:
            return name
    for name in sorted(available):
        if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(name):
            log.warning("label font: none of %s installed; using %r for Chinese labels",
                        ", ".join(PREFERRED_FAMILIES[:2]), name)
            return name
    fallback = QFont().defaultFamily()
    log.warning("label font: NO installed font has Chinese glyphs — Chinese labels will show as boxes. "
                "Install Noto Sans CJK (Debian/Ubuntu: apt-get install fonts-noto-cjk). Using %r.", fallback)
    return fallback


def label_font(px: float, bold: bool = False) -> QFont:
    """A label font of `px` logical pixels (pixel sizes keep exports and the
    screen identical, whatever the device's DPI)."""
    font = QFont(cjk_family())
    font.setPixelSize(max(1, round(px)))
    if bold:
        font.setWeight(QFont.Weight.Bold)
    font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    return font


def has_cjk_glyphs(family: str) -> bool:
    return QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family)
