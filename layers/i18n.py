"""Bilingual map text (Simplified Chinese / English) without Qt's translator.

Layer titles, legend rows and tooltips are short fixed strings; each call
site gives both languages, and the app picks one per process (`--lang`).
"""

from __future__ import annotations

_language = "zh_CN"
LANGUAGES = ("zh_CN", "en")


def set_language(lang: str) -> None:
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    _language = lang


def language() -> str:
    return _language


def tr(zh: str, en: str) -> str:
    """The text in the current language."""
    return zh if _language == "zh_CN" else en
