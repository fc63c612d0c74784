"""The catalogues against the code: every text translated, none left behind, none fuzzy."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from skillsprogram.i18n import catalogue_file
from skillsprogram.i18n.extraction import (
    COMMAND,
    CataloguePackage,
    core_package,
    extract,
    packages_in,
    problems,
    update,
)

ROOT = Path(__file__).resolve().parent.parent


def test_every_catalogue_translates_every_text_of_its_code_and_nothing_else() -> None:
    packages = packages_in(ROOT)
    core = extract(core_package().source)
    found = [line for p in packages for line in problems(p, None if p.is_core else core)]
    assert not found, (
        f"the catalogues are out of step with the code: run `{COMMAND}`, translate the empty "
        'entries of each language (msgstr "") and run this test again:\n' + "\n".join(found)
    )


def test_the_core_and_both_example_countries_have_their_catalogues() -> None:
    packages = packages_in(ROOT)
    assert packages[0].is_core and packages[0].source == core_package().source
    found = {p.source.name: p.locales() for p in packages}
    assert found["skillsprogram"] == ["en", "id", "km"]
    assert found["skillsprogram_indonesia"] == ["en", "id"]
    assert found["skillsprogram_cambodia"] == ["en", "km"]


def test_babel_cfg_extracts_the_same_texts_as_make_messages() -> None:
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    by_pybabel = {
        message
        for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, options_map, DEFAULT_KEYWORDS)
    }
    by_make = {m.id for m in extract(ROOT / "src" / "skillsprogram") if m.id}
    assert by_pybabel == by_make
    assert "Register for %(programme)s" in by_make  # a template's
    assert "This page does not exist." in by_make  # an N_() of Python


def small_package(tmp_path: Path, code: str, template: str = "") -> CataloguePackage:
    source = tmp_path / "pkg"
    (source / "templates").mkdir(parents=True)
    (source / "rules.py").write_text(code, encoding="utf-8")
    (source / "templates" / "page.html").write_text(template, encoding="utf-8")
    return CataloguePackage(source)


def translate(package: CataloguePackage, locale: str, texts: dict[str, str]) -> None:
    from skillsprogram.i18n.extraction import _write

    path = catalogue_file(package.folder, locale)
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    for key, text in texts.items():
        catalog[key].string = text
    _write(path, catalog)


def test_a_new_text_is_reported_until_translated_and_a_removed_one_until_the_catalogues_are_updated(
    tmp_path: Path,
) -> None:
    package = small_package(
        tmp_path,
        'from skillsprogram.i18n import N_\nA = N_("Old text")\n',
        '{{ _("Hello %(name)s", name=x) }}',
    )
    update(package, add=["en", "id"])
    assert problems(package) == [
        "pkg/locale/id/LC_MESSAGES/skillsprogram.po: untranslated 'Hello %(name)s'",
        "pkg/locale/id/LC_MESSAGES/skillsprogram.po: untranslated 'Old text'",
    ]  # the source language's catalogue repeats each text by itself
    translate(package, "id", {"Old text": "Teks lama", "Hello %(name)s": "Halo %(nama)s"})
    assert problems(package) == [
        "pkg/locale/id/LC_MESSAGES/skillsprogram.po: placeholders differ from the text's in 'Hello %(name)s'"
    ]
    translate(package, "id", {"Hello %(name)s": "Halo %(name)s"})
    assert problems(package) == []

    (package.source / "rules.py").write_text(
        'from skillsprogram.i18n import N_\nA = N_("New text")\n', encoding="utf-8"
    )
    assert sorted(problems(package)) == [
        "pkg/locale/en/LC_MESSAGES/skillsprogram.po: missing 'New text'",
        "pkg/locale/en/LC_MESSAGES/skillsprogram.po: no longer in the code 'Old text'",
        "pkg/locale/id/LC_MESSAGES/skillsprogram.po: missing 'New text'",
        "pkg/locale/id/LC_MESSAGES/skillsprogram.po: no longer in the code 'Old text'",
    ]
    update(package)
    assert problems(package) == ["pkg/locale/id/LC_MESSAGES/skillsprogram.po: untranslated 'New text'"]
    po = catalogue_file(package.folder, "id").read_text(encoding="utf-8")
    assert "Old text" not in po and "#, fuzzy" not in po  # dropped, and no guess from a close text


def test_a_fuzzy_translation_is_reported(tmp_path: Path) -> None:
    package = small_package(tmp_path, 'from skillsprogram.i18n import N_\nA = N_("Text")\n')
    update(package, add=["id"])
    path = catalogue_file(package.folder, "id")
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'msgid "Text"\nmsgstr ""', '#, fuzzy\nmsgid "Text"\nmsgstr "Teks"'
        ),
        encoding="utf-8",
    )
    assert problems(package) == ["pkg/locale/id/LC_MESSAGES/skillsprogram.po: fuzzy 'Text'"]


def test_a_plugin_catalogue_keeps_its_rewording_of_a_core_text_while_the_core_has_it(tmp_path: Path) -> None:
    core = extract(ROOT / "src" / "skillsprogram")
    package = small_package(tmp_path, 'from skillsprogram.i18n import N_\nA = N_("Own text")\n')
    update(package, core, add=["en"])
    path = catalogue_file(package.folder, "en")
    with path.open("a", encoding="utf-8") as po:
        po.write('\nmsgid "Welcome"\nmsgstr "Welcome to the TVET programme"\n')
        po.write('\nmsgid "A text the core dropped"\nmsgstr "Gone"\n')
    update(package, core)
    text = path.read_text(encoding="utf-8")
    assert 'msgstr "Welcome to the TVET programme"' in text
    assert "A text the core dropped" not in text
    assert problems(package, core) == []


def test_updating_twice_writes_nothing_the_second_time(tmp_path: Path) -> None:
    source = tmp_path / "core"
    shutil.copytree(ROOT / "src" / "skillsprogram" / "web" / "templates", source / "templates")
    package = CataloguePackage(source)
    assert update(package, add=["en", "km"])
    assert update(package) == []


def test_a_catalogue_of_a_language_cldr_does_not_know_is_made_and_read(tmp_path: Path) -> None:
    from skillsprogram.i18n import Catalogues

    package = small_package(tmp_path, 'from skillsprogram.i18n import N_\nA = N_("Welcome")\n')
    update(package, add=["tet"])
    translate(package, "tet", {"Welcome": "Benvindu"})
    assert problems(package) == []
    assert Catalogues([package.folder], ["tet"]).gettext("tet", "Welcome") == "Benvindu"
