"""The portal in the example countries' languages: Indonesian and Khmer first, English on request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from skillsprogram.api import create_app
from skillsprogram.bootstrap import country_config
from skillsprogram.clock import FixedClock
from skillsprogram.config import ProgrammeConfig, load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import PersonalDataVault
from tests.api.conftest import api_settings
from tests.conftest import start_testland
from tests.services.helpers import to_eligible
from tests.web.conftest import csrf, register_through_the_portal

#: Each example country, its first language, and texts of its pages in it.
COUNTRIES = {
    "indonesia": ("id", ["Daftar", "Sudah mendaftar? Masuk", "Bahasa"], ["Kewarganegaraan", "Bukan WNI"]),
    "cambodia": (
        "km",
        ["ចុះឈ្មោះ", "ខ្ញុំបានចុះឈ្មោះរួចហើយ៖ ចូលគណនី", "ភាសា"],
        ["សញ្ជាតិ", "សញ្ជាតិផ្សេងទៀត", "ជនមានពិការភាព"],
    ),
}


@pytest.fixture(params=sorted(COUNTRIES))
def country(request: pytest.FixtureRequest) -> str:
    """An example country."""
    return str(request.param)


@pytest.fixture
def portal(country: str, engine: Engine, vault: PersonalDataVault, clock: FixedClock) -> Iterator[TestClient]:
    """The portal of ``country``'s packaged programme, started with wave 1 open."""
    config = load_config(country_config(country))
    ctx = start_testland(
        ProgrammeContext(config=config, engine=engine, vault=vault, clock=clock, actor="test")
    )
    settings = api_settings(programme=config.programme.code)
    with TestClient(create_app(settings, context=ctx), follow_redirects=False) as client:
        yield client


def test_a_page_is_served_in_the_programmes_first_language_by_default(
    country: str, portal: TestClient
) -> None:
    language, texts, _ = COUNTRIES[country]
    page = portal.get("/")
    assert page.headers["content-language"] == language
    assert f'<html lang="{language}">' in page.text
    for text in texts:
        assert text in page.text
    assert "Register</a>" not in page.text


def test_the_registration_form_labels_the_countrys_attributes_in_its_language(
    country: str, portal: TestClient
) -> None:
    _, _, labels = COUNTRIES[country]
    page = portal.get("/register")
    assert page.headers["content-language"] == COUNTRIES[country][0]
    for label in labels:
        assert label in page.text


def test_english_is_served_once_chosen_and_kept_for_the_next_pages(country: str, portal: TestClient) -> None:
    chosen = portal.post(
        "/language", data={"csrf_token": csrf(portal.get("/").text), "locale": "en", "next": "/"}
    )
    assert chosen.status_code == 303
    page = portal.get("/register")
    assert page.headers["content-language"] == "en"
    assert "National identity number" in page.text and '<html lang="en">' in page.text


def test_a_browser_asking_for_english_gets_english_and_one_asking_for_a_language_not_offered_the_default(
    country: str, portal: TestClient
) -> None:
    assert portal.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).headers["content-language"] == "en"
    page = portal.get("/", headers={"Accept-Language": "fr-FR"})
    assert page.headers["content-language"] == COUNTRIES[country][0]


def test_a_language_the_programme_does_not_offer_is_not_kept(country: str, portal: TestClient) -> None:
    portal.post("/language", data={"csrf_token": csrf(portal.get("/").text), "locale": "fr", "next": "/"})
    assert portal.get("/").headers["content-language"] == COUNTRIES[country][0]


@pytest.fixture
def indonesian_testland(
    engine: Engine, vault: PersonalDataVault, clock: FixedClock, config: ProgrammeConfig
) -> Iterator[tuple[ProgrammeContext, TestClient]]:
    """Testland's portal, its programme speaking Indonesian first."""
    info = config.programme.model_copy(update={"locales": ["id", "en"]})
    ctx = ProgrammeContext(
        config=config.model_copy(update={"programme": info}), engine=engine, vault=vault, clock=clock
    )
    start_testland(ctx)
    with TestClient(create_app(api_settings(), context=ctx), follow_redirects=False) as client:
        yield ctx, client


def test_the_applicants_page_gives_the_refusal_reason_in_their_language_with_its_values(
    indonesian_testland: tuple[ProgrammeContext, TestClient],
) -> None:
    ctx, browser = indonesian_testland
    assert register_through_the_portal(browser, 1, birth_date="2008-06-01") == "/me"
    to_eligible(ctx)  # screened a week later: aged 16
    page = browser.get("/me")
    assert page.headers["content-language"] == "id"
    assert "Tidak lolos" in page.text
    assert "berusia 16 tahun, di bawah batas usia minimal 18 tahun" in page.text
