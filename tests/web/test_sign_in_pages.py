"""Signing in on the portal by a one-time code, and the consent statement at registration."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from skillsprogram.api import ApiSettings, create_app
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, Person
from tests.api.helpers import registration
from tests.support import testland
from tests.web.conftest import csrf, form_tokens, register_through_the_portal


@pytest.fixture(autouse=True)
def outbox() -> Iterator[None]:
    testland.OUTBOX.clear()
    yield
    testland.OUTBOX.clear()


def registered_and_signed_out(browser: TestClient, index: int) -> None:
    register_through_the_portal(browser, index)
    browser.post("/sign-out", data={"csrf_token": csrf(browser.get("/").text)})


def ask_for_code(browser: TestClient, index: int, next_path: str = "/me") -> str:
    page = browser.get(f"/sign-in?next={next_path}")
    body = registration(index)
    answer = browser.post(
        "/sign-in",
        data={
            **form_tokens(page.text),
            "next": next_path,
            "national_id": body["national_id"],
            "birth_date": body["birth_date"],
        },
    )
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"])


def test_a_code_sent_to_the_phone_signs_the_applicant_in_and_leads_to_their_application(
    browser: TestClient,
) -> None:
    registered_and_signed_out(browser, 1)
    assert browser.get("/me").headers["location"] == "/sign-in?next=/me"
    location = ask_for_code(browser, 1)
    assert location == "/sign-in/code?next=/me"
    page = browser.get(location)
    assert "6 digits" in page.text and 'autocomplete="one-time-code"' in page.text
    code = testland.OUTBOX[-1].values["code"]
    answer = browser.post("/sign-in/code", data={**form_tokens(page.text), "next": "/me", "code": code})
    assert answer.status_code == 303 and answer.headers["location"] == "/me"
    assert "You registered" in browser.get("/me").text


def test_asking_for_a_code_for_no_one_leads_to_the_same_page(browser: TestClient) -> None:
    registered_and_signed_out(browser, 1)
    assert ask_for_code(browser, 1) == ask_for_code(browser, 2)
    assert len(testland.OUTBOX) == 1


def test_a_wrong_code_is_said_beside_the_field_and_does_not_sign_in(browser: TestClient) -> None:
    registered_and_signed_out(browser, 1)
    page = browser.get(ask_for_code(browser, 1))
    code = testland.OUTBOX[-1].values["code"]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    answer = browser.post("/sign-in/code", data={**form_tokens(page.text), "next": "/me", "code": wrong})
    assert answer.status_code == 422
    assert 'id="code-error">This code is wrong or no longer valid.' in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert browser.get("/me").status_code == 303


def test_next_cannot_lead_to_another_site(browser: TestClient) -> None:
    registered_and_signed_out(browser, 1)
    location = ask_for_code(browser, 1, next_path="https://evil.example/steal")
    assert location == "/sign-in/code?next=/me"
    page = browser.get(location)
    code = testland.OUTBOX[-1].values["code"]
    sent = {**form_tokens(page.text), "next": "//evil.example/steal", "code": code}
    answer = browser.post("/sign-in/code", data=sent)
    assert answer.status_code == 303 and answer.headers["location"] == "/me"


def test_a_sign_in_form_without_the_csrf_secret_is_refused(browser: TestClient) -> None:
    registered_and_signed_out(browser, 1)
    page = browser.get("/sign-in")
    tokens = form_tokens(page.text)
    body = registration(1)
    sent = {
        "form_token": tokens["form_token"],
        "national_id": body["national_id"],
        "birth_date": body["birth_date"],
    }
    answer = browser.post("/sign-in", data={**sent, "csrf_token": "forged"})
    assert answer.status_code == 403
    assert testland.OUTBOX == []


def test_a_code_form_sent_twice_signs_in_once_and_leads_to_the_same_page(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    registered_and_signed_out(browser, 1)
    page = browser.get(ask_for_code(browser, 1))
    sent = {**form_tokens(page.text), "next": "/me", "code": testland.OUTBOX[-1].values["code"]}
    first = browser.post("/sign-in/code", data=sent)
    again = browser.post("/sign-in/code", data=sent)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"] == "/me"


def test_asking_without_an_identity_or_a_contact_says_what_is_missing(browser: TestClient) -> None:
    page = browser.get("/sign-in")
    answer = browser.post("/sign-in", data=form_tokens(page.text))
    assert answer.status_code == 422
    assert 'id="national_id-error">Please fill in this field.' in answer.text
    assert 'id="birth_date-error">' in answer.text


def test_the_registration_form_shows_the_consent_statement_in_full_and_stores_its_version(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    page = browser.get("/register").text
    assert "For five years after the programme ends" in page
    assert "data protection authority" in page
    assert 'name="consent_version" value="testland-2025-01"' in page
    register_through_the_portal(browser, 1, consent_version="testland-2025-01")
    with ctx.uow() as uow:
        application = uow.session.execute(select(Application)).scalar_one()
        person = uow.session.get(Person, application.person_id)
        assert application.consent_version == "testland-2025-01"
        assert person is not None and person.locale == "en"


def test_a_consent_statement_changed_since_the_page_was_opened_is_said_beside_the_checkbox(
    browser: TestClient,
) -> None:
    page = browser.get("/register")
    fields = {k: str(v) for k, v in registration(1).items() if k != "consent"}
    sent = {**form_tokens(page.text), **fields, "consent": "true", "consent_version": "testland-2024-01"}
    answer = browser.post("/register", data=sent)
    assert answer.status_code == 422
    assert 'id="consent-error">The statement about your data has changed' in answer.text


def test_a_signed_in_applicant_who_changes_language_keeps_it_with_them(
    ctx: ProgrammeContext, settings: ApiSettings
) -> None:
    info = ctx.config.programme.model_copy(update={"locales": ["en", "id"]})
    bilingual = replace(ctx, config=ctx.config.model_copy(update={"programme": info}))
    with TestClient(create_app(settings, context=bilingual), follow_redirects=False) as browser:
        register_through_the_portal(browser, 1)
        answer = browser.post(
            "/language", data={"csrf_token": csrf(browser.get("/me").text), "locale": "id", "next": "/me"}
        )
        assert answer.status_code == 303
    with ctx.uow() as uow:
        person = uow.session.execute(select(Person)).scalar_one()
        assert person.locale == "id"


def test_where_codes_go_by_email_the_forms_ask_for_an_email_address_and_the_code_goes_there(
    ctx: ProgrammeContext, settings: ApiSettings
) -> None:
    rules = ctx.config.sign_in.model_copy(update={"contact": "email"})
    by_email = replace(ctx, config=ctx.config.model_copy(update={"sign_in": rules}))
    with TestClient(create_app(settings, context=by_email), follow_redirects=False) as browser:
        assert 'name="email" type="email"' in browser.get("/register").text
        register_through_the_portal(browser, 1, email="ayu@example.org")
        browser.post("/sign-out", data={"csrf_token": csrf(browser.get("/").text)})
        page = browser.get("/sign-in")
        assert "E-mail address" in page.text
        answer = browser.post("/sign-in", data={**form_tokens(page.text), "contact": "ayu@example.org"})
        assert answer.status_code == 303
    assert testland.OUTBOX[-1].to == "ayu@example.org"
