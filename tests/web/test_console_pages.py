"""The officers' console through HTTP as a browser without JavaScript sends it: staff sign
in with their client's id and secret, and each page lets in only the roles whose scopes
it needs."""

from __future__ import annotations

from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from skillsprogram.services import clients
from tests.web.conftest import console_sign_in, csrf, form_tokens, staff_member
from tests.web.test_partner_pages import session_of


def test_an_officer_signs_in_with_id_and_secret_and_the_session_holds_only_the_id(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    assert browser.get("/console").headers["location"] == "/console/sign-in?next=/console"
    officer = staff_member(ctx)
    answer = console_sign_in(browser, officer)
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    held = session_of(browser)
    assert held["staff"] == str(officer.client_id) and officer.secret not in str(held)
    home = browser.get("/console")
    assert home.status_code == 200 and 'href="/console/figures"' in home.text
    assert 'type="password"' in browser.get("/console/sign-in").text


def test_a_wrong_secret_an_unknown_id_or_an_organisation_s_client_is_refused_beside_the_field(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    officer = staff_member(ctx)
    with ctx.transaction() as uow:
        provider = clients.create_client(uow, ctx, "provider", "a provider", "p1")
    wrong = console_sign_in(browser, officer, secret="wrong")
    assert wrong.status_code == 401 and 'id="client_secret-error"' in wrong.text
    page = browser.get("/console/sign-in")
    unknown = browser.post(
        "/console/sign-in", data={**form_tokens(page.text), "client_id": "not-an-id", "client_secret": "x"}
    )
    assert unknown.status_code == 401
    organisation = console_sign_in(browser, type(officer)(provider.client.id, provider.secret))
    assert organisation.status_code == 401
    assert "staff" not in session_of(browser)


def test_revoking_the_staff_client_ends_the_console_session_at_once(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    officer = staff_member(ctx)
    console_sign_in(browser, officer)
    assert browser.get("/console").status_code == 200
    with ctx.transaction() as uow:
        clients.revoke_client(uow, ctx, officer.client_id)
    answer = browser.get("/console")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/console/sign-in")
    assert "staff" not in session_of(browser)


def test_signing_out_ends_the_staff_session(browser: TestClient, ctx: ProgrammeContext) -> None:
    console_sign_in(browser, staff_member(ctx))
    home = browser.get("/console")
    browser.post("/sign-out", data={"csrf_token": csrf(home.text)})
    assert browser.get("/console").status_code == 303


def test_a_minister_sees_only_the_figures(browser: TestClient, ctx: ProgrammeContext) -> None:
    console_sign_in(browser, staff_member(ctx, "minister"))
    home = browser.get("/console")
    assert home.status_code == 200 and 'href="/console/figures"' in home.text
    assert "Operations" not in home.text
