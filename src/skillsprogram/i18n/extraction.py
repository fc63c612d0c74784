"""Keeping catalogues in step with the code: extract the texts, update each language's file.

A *catalogue package* is a folder of Python modules and jinja2 templates with a ``locale``
folder beside them (the core's ``skillsprogram/``, a plugin's package). Its texts are
extracted with Babel (``_()``, ``N_()``, ``gettext``, ``ngettext`` in ``**.py``, the same
in ``**/templates/**.html``) into ``locale/skillsprogram.pot``; each language's
``locale/<lang>/LC_MESSAGES/skillsprogram.po`` is then updated from it, with no fuzzy
matching: a new text arrives empty, to be translated, and a text no longer in the code is
dropped.

A plugin's catalogue may also *reword the core's texts*: an entry whose ``msgid`` is the
core's is kept (and checked) as long as the core still has that text.

``python -m skillsprogram.i18n.extraction`` (``make messages``) updates every package of a
source tree; ``--check`` only reports what is missing, untranslated, fuzzy or stale.
"""

from __future__ import annotations

import argparse
import copy
import io
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from skillsprogram.i18n import CORE_CATALOGUES, DOMAIN, babel_knows, catalogue_file

#: The language the texts are written in: its catalogue repeats each ``msgid``.
SOURCE_LANGUAGE = "en"
#: What is extracted from a package, and how (Babel's method map, paths relative to it).
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
#: The jinja2 extractor's options: the portal's environment (``rendering.build_environment``).
OPTIONS_MAP = {
    "**/templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
        "newstyle_gettext": "true",
        "silent": "false",
    }
}
#: What to run after adding or changing a text.
COMMAND = "make messages"
#: Where a wrong or missing translation is reported.
ISSUES = "https://github.com/skillsprogram/skillsprogram/issues"
#: The comment heading every catalogue.
HEADER = """\
# {language} texts of skillsprogram{where}.
# Kept in step with the code by `make messages` (python -m skillsprogram.i18n.extraction):
# translate each empty msgstr; a msgid is the English text as the code writes it.
#"""
_WIDTH = 100


@dataclass(frozen=True, slots=True)
class CataloguePackage:
    """A package whose texts have their own catalogues: ``source`` holds the code and
    templates, ``source/locale`` the catalogues."""

    source: Path

    @property
    def folder(self) -> Path:
        """The catalogue folder (``skillsprogram_message_catalogues`` offers it)."""
        return self.source / "locale"

    @property
    def template(self) -> Path:
        """The extracted texts, the template of every language's catalogue."""
        return self.folder / f"{DOMAIN}.pot"

    @property
    def is_core(self) -> bool:
        """Whether this is the core's package (no other package's texts to reword)."""
        return self.folder.resolve() == CORE_CATALOGUES

    def locales(self) -> list[str]:
        """The languages it has a catalogue for, the source language first."""
        if not self.folder.is_dir():
            return []
        found = sorted(p.name for p in self.folder.iterdir() if catalogue_file(self.folder, p.name).is_file())
        return sorted(found, key=lambda name: name != SOURCE_LANGUAGE)


def extract(source: Path) -> Catalog:
    """Every text marked for translation in ``source``'s modules and templates."""
    catalog = Catalog(
        domain=DOMAIN,
        project="skillsprogram",
        copyright_holder="skillsprogram contributors",
        msgid_bugs_address=ISSUES,
        header_comment=HEADER.format(language="The", where=_where(source)),
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(source),
        METHOD_MAP,
        OPTIONS_MAP,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _template_for(package: CataloguePackage, core: Catalog | None) -> Catalog:
    """``package``'s texts, with the core's texts that its catalogues reword."""
    template = extract(package.source)
    if core is None:
        return template
    reworded: set[object] = set()
    for locale in package.locales():
        reworded |= {m.id for m in _read(catalogue_file(package.folder, locale), locale) if m.id}
    for message in core:
        if message.id and message.id in reworded and message.id not in template:
            template[message.id] = Message(message.id, None, locations=(), flags=message.flags)
    return template


def _read(path: Path, locale: str) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=babel_knows(locale), domain=DOMAIN)


def write_catalogue(path: Path, catalog: Catalog) -> bool:
    """Write ``catalog`` to ``path`` unless only its creation date would change; whether
    it was written."""
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=_WIDTH,
        sort_output=True,
        include_lineno=False,
        ignore_obsolete=True,
        omit_header=False,
    )
    text = buffer.getvalue()
    if path.is_file() and _undated(path.read_bytes()) == _undated(text):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    return True


def _undated(text: bytes) -> bytes:
    return re.sub(rb'"POT-Creation-Date: [^"]*"\n', b"", text)


def _new_catalogue(locale: str) -> Catalog:
    known = babel_knows(locale)
    catalog = Catalog(
        locale=known,
        domain=DOMAIN,
        project="skillsprogram",
        copyright_holder="skillsprogram contributors",
        msgid_bugs_address=ISSUES,
        fuzzy=False,
    )
    catalog.language_team = f"{_language(locale)} <skillsprogram>"
    return catalog


def _where(source: Path) -> str:
    return "" if source.resolve() == CORE_CATALOGUES.parent else f": the {source.name} package"


def _language(locale: str) -> str:
    """The English name of ``locale``'s language (its code where CLDR does not know it)."""
    known = babel_knows(locale)
    return (Locale.parse(known).english_name if known else None) or locale


def update(package: CataloguePackage, core: Catalog | None = None, add: Iterable[str] = ()) -> list[Path]:
    """Extract ``package``'s texts into its template and bring each language's catalogue
    in step (``add``: languages to start a catalogue for). The source language's
    catalogue translates each text by itself. Returns the files written."""
    template = _template_for(package, core)
    if package.template.is_file():  # dated once, when first made: no date to clash in a merge
        template.creation_date = _read(package.template, SOURCE_LANGUAGE).creation_date
    written = [package.template] if write_catalogue(package.template, template) else []
    for locale in dict.fromkeys([*package.locales(), *add]):
        path = catalogue_file(package.folder, locale)
        catalog = _read(path, locale) if path.is_file() else _new_catalogue(locale)
        # Babel adds the template's own new messages to the catalogue: a copy each time.
        catalog.update(
            copy.deepcopy(template),
            no_fuzzy_matching=True,
            update_header_comment=False,
            update_creation_date=False,
        )
        catalog.fuzzy = False
        catalog.header_comment = HEADER.format(language=_language(locale), where=_where(package.source))
        catalog.msgid_bugs_address = ISSUES
        if locale == SOURCE_LANGUAGE:
            for message in catalog:
                if message.id and not _translated(message):
                    message.string = message.id
        if write_catalogue(path, catalog):
            written.append(path)
    return written


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


def problems(package: CataloguePackage, core: Catalog | None = None) -> list[str]:
    """What keeps ``package``'s catalogues from matching its code: texts missing from a
    catalogue, left untranslated or fuzzy, or no longer in the code (one line each)."""
    template = _template_for(package, core)
    wanted = {m.id: m for m in template if m.id}
    found: list[str] = []
    for locale in package.locales():
        path = catalogue_file(package.folder, locale)
        catalog = _read(path, locale)
        have = {m.id: m for m in catalog if m.id}
        where = path.relative_to(package.source.parent)
        found += [f"{where}: missing {_shown(i)}" for i in wanted if i not in have]
        found += [f"{where}: no longer in the code {_shown(i)}" for i in have if i not in wanted]
        found += [f"{where}: obsolete {_shown(m.id)}" for m in catalog.obsolete.values()]
        for key, message in have.items():
            if key not in wanted:
                continue
            if message.fuzzy:
                found.append(f"{where}: fuzzy {_shown(key)}")
            elif not _translated(message):
                found.append(f"{where}: untranslated {_shown(key)}")
            elif _placeholders(message) != _placeholders(wanted[key]):
                found.append(f"{where}: placeholders differ from the text's in {_shown(key)}")
    return found


def _placeholders(message: Message) -> set[str]:
    """The ``%(name)s`` placeholders of a message's translations (of its source texts while
    it has none); ``num``, which ``ngettext`` fills, is left out."""
    texts = message.string or message.id
    strings = [texts] if isinstance(texts, str) else list(texts)
    return {name for text in strings for name in re.findall(r"%\((\w+)\)", text or "")} - {"num"}


def _shown(message_id: object) -> str:
    text = message_id[0] if isinstance(message_id, tuple) else str(message_id)
    return repr(text if len(text) <= 70 else text[:67] + "...")


def core_package() -> CataloguePackage:
    """The core's package, as installed (its modules and templates are extracted from there)."""
    return CataloguePackage(CORE_CATALOGUES.parent)


def packages_in(root: Path) -> list[CataloguePackage]:
    """Every package of a source tree with a ``locale`` folder beside its code: the core's
    (``src/skillsprogram``) first, then plugins' and example countries' (``src/*``,
    ``examples/*/src/*``, ``plugins/*/src/*``)."""
    found: dict[Path, CataloguePackage] = {}
    for pattern in ("src/*/locale", "examples/*/src/*/locale", "plugins/*/src/*/locale"):
        for folder in sorted(root.glob(pattern)):
            if folder.is_dir():
                found.setdefault(folder.parent.resolve(), CataloguePackage(folder.parent))
    return sorted(found.values(), key=lambda package: not package.is_core)


def main(argv: Sequence[str] | None = None) -> int:
    """``make messages``: update the catalogues of every package of a source tree."""
    parser = argparse.ArgumentParser(prog="python -m skillsprogram.i18n.extraction", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the source tree (default: here)")
    parser.add_argument("--check", action="store_true", help="only report what is out of step")
    parser.add_argument(
        "--package",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="only this package (the folder holding its code and locale/); default: every one",
    )
    parser.add_argument(
        "--add-locale",
        action="append",
        default=[],
        metavar="LOCALE",
        help="start a catalogue of this language (in --package, else in the core)",
    )
    arguments = parser.parse_args(argv)
    root = arguments.root.resolve()
    core_template = extract(core_package().source)
    if arguments.package:
        packages = [CataloguePackage(p.resolve()) for p in dict.fromkeys(arguments.package)]
    else:
        packages = packages_in(root) or [core_package()]
    if arguments.check:
        found = [line for p in packages for line in problems(p, None if p.is_core else core_template)]
        for line in found:
            print(line)
        if found:
            print(f"{len(found)} problem(s): run `{COMMAND}`, then translate the empty entries.")
        return 1 if found else 0
    for package in packages:
        core = None if package.is_core else core_template
        adding = arguments.add_locale if (arguments.package or package.is_core) else []
        for path in update(package, core, adding):
            print(f"wrote {path.relative_to(root) if path.is_relative_to(root) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
