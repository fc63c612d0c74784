"""The portal's first pages, through HTTP as a browser without JavaScript sends them."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application
from tests.api.helpers import registration
from tests.api.test_logging import NAME as FULL_NAME
from tests.api.test_logging import NATIONAL_ID, PERSONAL, PHONE, _lines
from tests.web.conftest import csrf, form_tokens, register_through_the_portal


def applications(ctx: ProgrammeContext) -> int:
    with ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(Application)).scalar_one())


def test_the_home_page_is_html_with_the_security_headers(browser: TestClient) -> None:
    page = browser.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "Testland Skills 2025" in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_the_registration_form_offers_the_programmes_regions_at_their_finest_level(
    browser: TestClient,
) -> None:
    page = browser.get("/register").text
    assert '<option value="10.01">North Harbour, North</option>' in page
    assert '<option value="10">' not in page


def test_a_registration_with_errors_shows_each_beside_its_field_keeps_what_was_typed_and_stores_nothing(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    page = browser.get("/register")
    answer = browser.post("/register", data={**form_tokens(page.text), "full_name": "Ayu", "consent": "true"})
    assert answer.status_code == 422
    assert 'id="national_id-error">Please fill in this field.' in answer.text
    assert 'value="Ayu"' in answer.text
    assert applications(ctx) == 0


def test_a_registration_refused_by_a_domain_rule_says_why_beside_the_field(browser: TestClient) -> None:
    register_through_the_portal(browser, 1)
    browser.post("/sign-out", data={"csrf_token": csrf(browser.get("/").text)})
    page = browser.get("/register")

    fields = {k: str(v) for k, v in registration(1).items() if k != "consent"}
    answer = browser.post("/register", data={**form_tokens(page.text), **fields, "consent": "true"})
    assert answer.status_code == 422
    assert "already registered" in answer.text


def test_registering_without_consent_is_refused_in_words(browser: TestClient, ctx: ProgrammeContext) -> None:
    page = browser.get("/register")
    fields = {k: str(v) for k, v in registration(2).items() if k != "consent"}
    answer = browser.post("/register", data={**form_tokens(page.text), **fields})
    assert answer.status_code == 422
    assert 'id="consent-error">You can register only if you agree' in answer.text
    assert applications(ctx) == 0


def test_registering_signs_the_applicant_in_and_shows_the_timeline(browser: TestClient) -> None:
    assert register_through_the_portal(browser, 3) == "/me"
    page = browser.get("/me")
    assert page.status_code == 200
    assert "You registered" in page.text
    assert "Your identity is checked" in page.text


def test_a_registration_form_sent_twice_registers_once_and_leads_to_the_same_page(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    page = browser.get("/register")
    fields = {k: str(v) for k, v in registration(4).items() if k != "consent"}
    sent = {**form_tokens(page.text), **fields, "consent": "true"}
    first = browser.post("/register", data=sent)
    again = browser.post("/register", data=sent)
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == "/me"
    assert applications(ctx) == 1


def test_a_form_without_the_sessions_secret_is_refused_with_a_page(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    browser.get("/register")
    answer = browser.post(
        "/register", data={"csrf_token": "forged", "form_token": "x" * 16, "full_name": "A"}
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "did not come from this site" in answer.text
    assert applications(ctx) == 0


def test_my_application_needs_a_signed_in_applicant(browser: TestClient) -> None:
    answer = browser.get("/me")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/me"


def test_an_unknown_page_is_an_html_page_and_an_unknown_api_path_a_problem(browser: TestClient) -> None:
    page = browser.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "This page does not exist." in page.text
    api = browser.get("/v1/no-such-path")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_the_language_switch_goes_back_only_to_a_page_of_this_site(browser: TestClient) -> None:
    token = csrf(browser.get("/").text)
    for target, expected in (
        ("/register", "/register"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
    ):
        answer = browser.post("/language", data={"csrf_token": token, "locale": "en", "next": target})
        assert answer.status_code == 303
        assert answer.headers["location"] == expected


def test_registering_and_failing_through_the_portal_logs_no_personal_value_and_puts_none_in_a_url(
    browser: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        personal = {
            "national_id": NATIONAL_ID,
            "full_name": FULL_NAME,
            "phone": PHONE,
            "household_number": "H777",
        }
        page = browser.get("/register")
        refused = browser.post("/register", data={**form_tokens(page.text), **personal})  # no birth date
        assert refused.status_code == 422
        location = register_through_the_portal(browser, 777, **personal)
        assert browser.get(location).status_code == 200
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert not any(value in location for value in PERSONAL)
    lines = _lines(caplog)
    assert len(lines) > 10
    leaks = [(value, line[:300]) for line in lines for value in PERSONAL if value in line]
    assert not leaks, leaks
