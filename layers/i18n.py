"""The current UI language code, for code that must choose by language.

Texts are translated by Qt (`self.tr` in QObjects, `QCoreApplication.translate`
elsewhere, English source strings, catalogues in `resources/i18n/`), installed
by `commandmap.ui.language.apply_language`, which also records the code here.
Code that draws translated text into a cache keys the cache on `language()`,
and code that picks data by language (Chinese or English place names) asks it.
"""

from __future__ import annotations

_language = "zh_CN"


def set_language(lang: str) -> None:
    """Record the language code (`apply_language` checks it is one we ship)."""
    global _language
    if not lang:
        raise ValueError("empty language code")
    _language = lang


def language() -> str:
    return _language


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:  # noqa: N802 (lupdate looks for this name)
    """Marks `source` for lupdate in `context` and returns it untranslated: for texts kept
    in tables and class attributes, translated with `QCoreApplication.translate(context, ...)`
    when shown. (PySide6's own marker is typed as returning `object`.)"""
    return source
