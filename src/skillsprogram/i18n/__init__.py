"""Texts in the person's language: gettext catalogues read with Babel.

The core ships a catalogue per language it speaks (``skillsprogram/locale/<lang>/
LC_MESSAGES/skillsprogram.po``); plugins offer more folders through
``skillsprogram_message_catalogues`` to translate into another language or to reword
any text. The ``.po`` files are read as they are, compiled in memory on first use: a
deployment edits a text and restarts, with no build step to forget.
"""

from __future__ import annotations

import io
import re
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


def babel_knows(locale: str) -> str | None:
    """``locale`` as Babel spells it (``pt_TL``) when Babel (CLDR) knows it, else ``None``: a
    catalogue of a language CLDR lacks (Tetum) is read all the same, with one plural form."""
    try:
        Locale.parse(locale.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None
    return locale.replace("-", "_")


def read_catalogue(path: Path, locale: str) -> Translations:
    """The translations of one ``.po`` file (fuzzy entries are not used)."""
    return _read_entries(path, locale)[0]


def _read_entries(path: Path, locale: str) -> tuple[Translations, list[str]]:
    """The translations of one ``.po`` file and the texts it translates."""
    with path.open("rb") as source:
        catalogue = read_po(source, locale=babel_knows(locale), domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    texts = [m.id for m in catalogue if isinstance(m.id, str) and m.id and m.string and not m.fuzzy]
    return Translations(compiled, domain=DOMAIN), texts


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def filled_pattern(message: str) -> re.Pattern[str] | None:
    """What ``message`` reads as once its ``%(name)s`` placeholders are filled in (each
    value caught under its name), or ``None`` for a message without placeholders."""
    parts = _PLACEHOLDER.split(message)
    if len(parts) == 1:
        return None
    pattern = "".join(
        re.escape(part.replace("%%", "%")) if i % 2 == 0 else f"(?P<{part}>.+?)"
        for i, part in enumerate(parts)
    )
    try:
        return re.compile(pattern, re.DOTALL)
    except re.error:  # the same placeholder twice
        return None


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
        self._patterns: dict[str, list[tuple[re.Pattern[str], str]]] = {}

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
        texts: dict[str, None] = {}
        for folder in reversed(self.folders):  # the last to merge wins: the first folder
            for name in dict.fromkeys([language_of(locale), locale.replace("-", "_")]):
                path = catalogue_file(folder, name)
                if path.is_file():
                    read, translated = _read_entries(path, name)
                    texts.update(dict.fromkeys(translated))
                    if isinstance(found, Translations):
                        found.merge(read)
                    else:
                        found = read
        self._patterns[locale] = [
            (pattern, text) for text in texts if (pattern := filled_pattern(text)) is not None
        ]
        return found

    def translate_filled(self, locale: str, text: str) -> str:
        """A text made in English from a catalogue message, in ``locale``: a refusal
        reason a rule wrote as ``N_("aged %(age)s, below ...") % values`` and stored is
        shown translated, with the same values. A text no message makes is shown as it is."""
        translations = self.translations(locale)
        if (exact := translations.gettext(text)) != text:
            return exact
        for pattern, message in self._patterns.get(locale, ()):
            if (match := pattern.fullmatch(text)) is not None:
                # A value that is itself a text of the catalogues (a label) is translated too.
                values = {name: translations.gettext(value) for name, value in match.groupdict().items()}
                try:
                    return translations.gettext(message) % values
                except (KeyError, ValueError, TypeError):
                    return text
        return text

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
