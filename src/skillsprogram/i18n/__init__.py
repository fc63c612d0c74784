"""Texts in the person's language: gettext catalogues read with Babel.

The core ships a catalogue per language it speaks (``skillsprogram/locale/<lang>/
LC_MESSAGES/skillsprogram.po``); plugins offer more folders through
``skillsprogram_message_catalogues`` to translate into another language or to reword
any text. The ``.po`` files are read as they are, compiled in memory on first use: a
deployment edits a text and restarts, with no build step to forget.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

#: The gettext domain of every catalogue, the core's and the plugins'.
DOMAIN = "skillsprogram"
#: The core's catalogues.
CORE_CATALOGUES = Path(__file__).resolve().parent.parent / "locale"


def catalogue_file(folder: Path, locale: str) -> Path:
    """Where the catalogue of ``locale`` lies in ``folder``."""
    return folder / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(path: Path, locale: str) -> Translations:
    """The translations of one ``.po`` file (fuzzy entries are not used)."""
    with path.open("rb") as source:
        catalogue = read_po(source, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def language_of(locale: str) -> str:
    """The language part of a locale: ``km`` of ``km_KH``, ``id`` of ``id-ID``."""
    return locale.replace("-", "_").split("_")[0]


class Catalogues:
    """The messages of one programme, in each of its languages.

    ``folders`` are searched first to last: plugins' folders (latest registered first),
    then the core's. For each folder, the catalogue of the exact locale (``pt_TL``) is
    used before the one of its language (``pt``).
    """

    def __init__(self, folders: Sequence[Path], locales: Sequence[str]) -> None:
        self.folders = [*folders, CORE_CATALOGUES]
        self.locales = list(locales)
        self._loaded: dict[str, NullTranslations] = {}

    @property
    def default_locale(self) -> str:
        """The programme's first language."""
        return self.locales[0]

    def choose(self, wanted: Iterable[str | None]) -> str:
        """The first of ``wanted`` (a stored choice, then a browser's languages) that the
        programme offers, by exact locale or by language; the programme's default otherwise."""
        offered = {language_of(locale): locale for locale in reversed(self.locales)}
        for candidate in wanted:
            if not candidate:
                continue
            if candidate in self.locales:
                return candidate
            if language_of(candidate) in offered:
                return offered[language_of(candidate)]
        return self.default_locale

    def translations(self, locale: str) -> NullTranslations:
        """The translations of ``locale``: every folder's catalogue merged, the first
        folder's message winning; the source text where none translates a message."""
        if locale not in self._loaded:
            self._loaded[locale] = self._merge(locale)
        return self._loaded[locale]

    def _merge(self, locale: str) -> NullTranslations:
        found: NullTranslations = NullTranslations()
        for folder in reversed(self.folders):  # the last to merge wins: the first folder
            for name in dict.fromkeys([language_of(locale), locale.replace("-", "_")]):
                path = catalogue_file(folder, name)
                if path.is_file():
                    read = read_catalogue(path, name)
                    if isinstance(found, Translations):
                        found.merge(read)
                    else:
                        found = read
        return found

    def gettext(self, locale: str, message: str, **values: object) -> str:
        """``message`` translated into ``locale``, with ``%(name)s`` placeholders filled."""
        text = self.translations(locale).gettext(message)
        return text % values if values else text

    @cached_property
    def babel_locales(self) -> dict[str, Locale]:
        """Babel's locale of each of the programme's languages (English for one Babel does
        not know)."""
        found: dict[str, Locale] = {}
        for locale in self.locales:
            try:
                found[locale] = Locale.parse(locale.replace("-", "_"))
            except (UnknownLocaleError, ValueError):
                found[locale] = Locale.parse("en")
        return found


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues without translating it here: it is translated
    where it is shown, into the language of the person it is shown to."""
    return message
