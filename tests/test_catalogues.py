"""The catalogues against the code: every text translated, none left behind, none fuzzy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
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
    from skillsprogram.i18n.extraction import write_catalogue

    path = catalogue_file(package.folder, locale)
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    for key, text in texts.items():
        catalog[key].string = text
    write_catalogue(path, catalog)


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


def test_a_plugins_message_wins_over_the_cores_and_an_exact_locale_over_its_language(tmp_path: Path) -> None:
    from skillsprogram.i18n import Catalogues

    plugin = tmp_path / "plugin"
    for locale, text in (("pt", "Bem-vindo"), ("pt_TL", "Benvindu ba Timor")):
        path = catalogue_file(plugin, locale)
        path.parent.mkdir(parents=True)
        path.write_text(f'msgid "Welcome"\nmsgstr "{text}"\n', encoding="utf-8")
    (catalogue_file(plugin, "id").parent).mkdir(parents=True)
    catalogue_file(plugin, "id").write_text('msgid "Welcome"\nmsgstr "Selamat datang di Prakerja"\n')
    texts = Catalogues([plugin], ["id", "pt-TL", "pt"])
    assert texts.gettext("id", "Welcome") == "Selamat datang di Prakerja"
    assert texts.gettext("id", "Sign in") == "Masuk"  # the core's, where the plugin says nothing
    assert texts.gettext("pt-TL", "Welcome") == "Benvindu ba Timor"
    assert texts.gettext("pt", "Welcome") == "Bem-vindo"
    assert Catalogues([], ["id"]).gettext("id", "Welcome") == "Selamat datang"


def test_the_language_chosen_is_the_stored_one_then_the_browsers_then_the_programmes_first() -> None:
    from skillsprogram.i18n import Catalogues

    texts = Catalogues([], ["km", "en"])
    assert texts.choose(["en", "km"]) == "en"
    assert texts.choose([None, "fr-FR", "en-GB"]) == "en"  # by language
    assert texts.choose([None, "fr"]) == "km"


def test_every_notification_template_has_a_text_translated_into_indonesian_and_khmer() -> None:
    from skillsprogram.i18n import Catalogues
    from skillsprogram.services.events import NOTIFICATION_TEXTS, NOTIFIED_ACTIONS

    assert set(NOTIFIED_ACTIONS.values()) == set(NOTIFICATION_TEXTS)
    texts = Catalogues([], ["id", "km", "en"])
    for english in NOTIFICATION_TEXTS.values():
        assert texts.gettext("en", english) == english
        assert texts.gettext("id", english) not in ("", english)
        assert texts.gettext("km", english) not in ("", english)


def test_a_notification_carries_its_text_in_the_language_it_is_written_in() -> None:
    from datetime import UTC, datetime

    from skillsprogram.domain.exchange import LifecycleEvent
    from skillsprogram.i18n import Catalogues
    from skillsprogram.services.events import notifications_of

    event = LifecycleEvent(
        7, datetime(2025, 1, 6, tzinfo=UTC), "application", "a", "selected", None, None, {}
    )
    (told,) = notifications_of([event], "id", Catalogues([], ["id", "en"]))
    assert (told.template, told.locale, told.text) == (
        "selected",
        "id",
        "Selamat! Anda lolos seleksi program ini.",
    )
    (untranslated,) = notifications_of([event], "id")
    assert untranslated.text == "Congratulations! You have been selected for the programme."


def test_the_cores_refusal_reasons_are_shown_translated_with_their_values() -> None:
    import uuid

    from skillsprogram.config import load_config
    from skillsprogram.defaults.eligibility import skillsprogram_eligibility_rules
    from skillsprogram.domain.exchange import ApplicantFacts
    from skillsprogram.i18n import Catalogues
    from tests.conftest import TESTLAND

    config = load_config(TESTLAND)
    young = ApplicantFacts(
        application_id=uuid.uuid4(),
        person_id=uuid.uuid4(),
        age=(config.eligibility.min_age or 18) - 1,
        sex="F",
        region_code="10",
        occupation=None,
        in_education=False,
        previous_recipient=True,
        household_recipients=0,
        attributes={},
    )
    reasons = [f.reason or "" for f in skillsprogram_eligibility_rules(applicants=[young], programme=config)]
    minimum = config.eligibility.min_age
    texts = Catalogues([], ["id", "km"])
    assert [texts.translate_filled("id", r) for r in reasons] == [
        f"berusia {young.age} tahun, di bawah batas usia minimal {minimum} tahun",
        "sudah pernah menerima program ini sebelumnya",
    ]
    assert texts.translate_filled("km", reasons[0]) == f"អាយុ {young.age} ឆ្នាំ តិចជាងអាយុអប្បបរមា {minimum} ឆ្នាំ"


def test_the_check_command_exits_non_zero_naming_each_problem_and_what_to_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skillsprogram.i18n.extraction import main

    assert main(["--check", "--root", str(ROOT)]) == 0
    package = small_package(tmp_path, 'from skillsprogram.i18n import N_\nA = N_("Text")\n')
    assert main(["--package", str(package.source), "--add-locale", "km"]) == 0
    capsys.readouterr()
    assert main(["--check", "--package", str(package.source)]) == 1
    said = capsys.readouterr().out
    assert "untranslated 'Text'" in said and "run `make messages`" in said
