"""Pick the UI language once per process.

Our own strings carry both languages inline (`layers.i18n.tr(zh, en)`); Qt's
standard widgets (file dialogs, message-box buttons) take their Chinese from
the `qtbase` catalogue that PySide6 ships, loaded here from Qt's own folder
so it works offline and in a wheel install.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from layers.i18n import set_language

log = logging.getLogger(__name__)
_installed: list[QTranslator] = []


def apply_language(app: QCoreApplication, lang: str | None) -> str:
    """Set the language of our strings and of Qt's widgets; returns the language used."""
    lang = lang or "zh_CN"
    set_language(lang)      # raises ValueError naming the choices for an unknown language
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China) if lang == "zh_CN"
                       else QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    if lang != "en":
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        translator = QTranslator(app)
        if translator.load(f"qtbase_{lang}", folder):
            app.installTranslator(translator)
            _installed.append(translator)
        else:
            log.warning("Qt's own %s catalogue was not found in %s: standard buttons stay in English", lang, folder)
    return lang
