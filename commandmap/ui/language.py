"""The UI language: our catalogue and Qt's own, installed and switched at run time.

Source strings are English (`self.tr`, `QCoreApplication.translate`); each
other language is a `resources/i18n/commandmap_<lang>.qm` compiled from its
`.ts` by `scripts/build-translations.sh`, so a new language is a new file pair
and no code. Qt's standard widgets (file dialogs, message-box buttons) take
their texts from the `qtbase` catalogue that PySide6 ships. Installing or
removing a translator makes Qt send `QEvent.LanguageChange` to every widget,
which then calls its `retranslate_ui()`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from layers.i18n import set_language

from .. import paths

log = logging.getLogger(__name__)
DEFAULT_LANGUAGE = "zh_CN"
SOURCE_LANGUAGE = "en"          # the texts in the code: no catalogue needed
_installed: list[QTranslator] = []


def _load(name: str, folder: str) -> QTranslator | None:
    translator = QTranslator()      # kept alive by _installed while installed
    return translator if translator.load(name, folder) else None


def apply_language(app: QCoreApplication, lang: str | None) -> str:
    """Show our strings and Qt's widgets in `lang` (None: the default); returns the language used.

    May be called again at run time: the previous catalogues are removed first, and Qt
    posts `QEvent.LanguageChange` to every widget (handled on the next event-loop turn)."""
    lang = lang or DEFAULT_LANGUAGE
    choices = paths.ui_languages()
    if lang not in choices:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(choices)}")
    set_language(lang)          # first, so widgets retranslating on the events below see it
    QLocale.setDefault(QLocale(lang))
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if lang == SOURCE_LANGUAGE:
        return lang
    folder = paths.translations_dir()
    ours = _load(f"commandmap_{lang}", str(folder))
    if ours is None:
        log.warning("our %s catalogue is missing from %s: texts stay in English", lang, folder)
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    qtbase = _load(f"qtbase_{lang}", qt_folder)
    if qtbase is None:
        log.warning("Qt's own %s catalogue was not found in %s: standard buttons stay in English", lang, qt_folder)
    for translator in (qtbase, ours):
        if translator is not None:
            app.installTranslator(translator)
            _installed.append(translator)
    return lang
