"""The officers' console through HTTP as a browser without JavaScript sends it: staff sign
in with their client's id and secret, and each page lets in only the roles whose scopes
it needs."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from skillsprogram.api import ApiSettings
from skillsprogram.context import ProgrammeContext
from skillsprogram.services import clients, draw_replay, identity, progress, screening, waves
from tests.api.conftest import api_settings
from tests.services.helpers import register, status_of, to_voucher
from tests.web.conftest import console_sign_in, csrf, form_tokens, staff_member
from tests.web.test_partner_pages import session_of


@pytest.fixture
def settings() -> ApiSettings:
    """Three failed sign-ins a window."""
    return api_settings(partner_sign_in_limit=3)


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


def signed_in(browser: TestClient, ctx: ProgrammeContext, role: str = "officer", scope: str = "") -> None:
    """Sign in as a new staff member of ``role`` (with only ``scope`` when given)."""
    assert console_sign_in(browser, staff_member(ctx, role), scope=scope).status_code == 303


def act(browser: TestClient, path: str, **fields: str) -> Response:
    """Send the console form posting to ``path`` from the waves page."""
    page = browser.get("/console/waves")
    assert page.status_code == 200, page.text
    return browser.post(path, data={**form_tokens(page.text), **fields})


def test_an_officer_closes_shares_places_downloads_the_inputs_and_draws_a_wave(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    register(ctx, 6)
    signed_in(browser, ctx)
    closed = act(browser, "/console/waves/1/closure")
    assert closed.status_code == 303 and closed.headers["location"] == "/console/waves?done=closed"
    identity.verify_identities(ctx)
    screening.screen(ctx)
    shared = act(browser, "/console/waves/1/quotas", total="4")
    assert shared.status_code == 303
    page = browser.get(shared.headers["location"])
    assert "The places are shared over the regions." in page.text and "Drawable applicants" in page.text
    inputs = browser.get("/console/waves/1/draw-inputs.csv")
    assert inputs.status_code == 200 and inputs.headers["content-type"].startswith("text/csv")
    assert inputs.text.count("\ncandidate,") == 6
    drawn = act(browser, "/console/waves/1/draw", seed="seed-of-wave-1")
    assert drawn.status_code == 303
    page = browser.get(drawn.headers["location"])
    assert "seed-of-wave-1" in page.text and "Run the draw" not in page.text
    replayed = draw_replay.replay(ctx.hook, ctx.config, draw_replay.from_csv(inputs.text), "seed-of-wave-1")
    with ctx.uow() as uow:
        assert sum(line.selected for line in waves.quota_lines(uow, ctx, waves.get_wave(uow, ctx, 1))) == len(
            replayed
        )


def test_a_second_draw_an_unknown_wave_and_a_bad_total_are_refused_with_a_message(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    register(ctx, 2)
    signed_in(browser, ctx)
    act(browser, "/console/waves/1/closure")
    for total in ("0", "-3", "many"):
        refused = act(browser, "/console/waves/1/quotas", total=total)
        assert refused.status_code == 422 and "a whole number above zero" in refused.text
    unknown = act(browser, "/console/waves/9/closure")
    assert unknown.status_code == 404 and "There is no such wave." in unknown.text
    identity.verify_identities(ctx)
    screening.screen(ctx)
    not_shared = act(browser, "/console/waves/1/draw")
    assert not_shared.status_code == 409 and "before drawing it" in not_shared.text
    over = act(browser, "/console/waves/1/quotas", total="50")
    assert "2 of the 50 places asked for were shared" in browser.get(over.headers["location"]).text
    assert act(browser, "/console/waves/1/draw").status_code == 303
    again = act(browser, "/console/waves/1/draw")
    assert again.status_code == 409 and "has not been drawn yet" in again.text
    opened = act(browser, "/console/waves")
    assert act(browser, "/console/waves").status_code == 409 and opened.status_code == 303


def test_without_waves_write_no_wave_button_is_shown_and_a_post_gets_the_403_page(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    signed_in(browser, ctx, scope="applications:read reports:read")
    page = browser.get("/console/waves")
    assert page.status_code == 200 and "Close registration" not in page.text
    posted = browser.post("/console/waves/1/closure", data={"csrf_token": csrf(page.text)})
    assert posted.status_code == 403 and posted.headers["content-type"].startswith("text/html")
    with ctx.uow() as uow:
        assert waves.get_wave(uow, ctx, 1).status == "open"


def test_a_minister_gets_the_403_page_on_the_operations_pages(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    signed_in(browser, ctx, "minister")
    refused = browser.get("/console/waves")
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("text/html")


def test_the_steps_page_runs_each_step_and_counts_who_waits_for_it_and_who_passed_it(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    register(ctx, 3)
    signed_in(browser, ctx)
    page = browser.get("/console/steps")
    assert page.status_code == 200
    assert page.text.count('action="/console/steps/') >= 6
    ran = browser.post("/console/steps/verify-identities", data=form_tokens(page.text))
    assert (
        ran.status_code == 303 and ran.headers["location"] == "/console/steps?ran=verify-identities&count=3"
    )
    with ctx.uow() as uow:
        counted = {p.step: p for p in progress.step_progress(uow, ctx, ["verify-identities", "screening"])}
    assert (counted["verify-identities"].waiting, counted["verify-identities"].passed) == (0, 3)
    assert counted["screening"].waiting == 3
    page = browser.get("/console/steps")
    paid = browser.post("/console/payouts", data=form_tokens(page.text))
    assert paid.status_code == 303 and "No payout yet." in browser.get("/console/steps").text
    assert browser.post("/console/steps/no-such-step", data=form_tokens(page.text)).status_code == 404


def test_without_payouts_write_the_payout_button_is_hidden_and_refused(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    signed_in(browser, ctx, scope="applications:read waves:write")
    page = browser.get("/console/steps")
    assert "Send the payouts that are due" not in page.text and "/console/steps/screening" in page.text
    assert browser.post("/console/payouts", data=form_tokens(page.text)).status_code == 403


def test_failed_staff_sign_ins_are_limited_and_then_even_the_right_secret_waits(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    officer = staff_member(ctx)
    for attempt in ("wrong-1", "wrong-2", "wrong-3"):
        assert console_sign_in(browser, officer, secret=attempt).status_code == 401
    limited = console_sign_in(browser, officer)
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_a_sign_in_asking_scopes_beyond_the_role_is_refused(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    refused = console_sign_in(browser, staff_member(ctx, "minister"), scope="waves:write")
    assert refused.status_code == 401 and "staff" not in session_of(browser)


def test_an_officer_revokes_an_application_with_a_reason_and_sees_the_money_released(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    (holder,) = to_voucher(ctx, 1)
    signed_in(browser, ctx)
    page = browser.get("/console/revocation")
    tokens = form_tokens(page.text)
    no_reason = browser.post("/console/revocation", data={**tokens, "application_id": str(holder)})
    assert no_reason.status_code == 422 and "the reason for revoking it" in no_reason.text
    unknown = browser.post(
        "/console/revocation",
        data={**tokens, "application_id": str(uuid.UUID(int=5)), "reason": "fraud"},
    )
    assert unknown.status_code == 404 and "There is no such application." in unknown.text
    done = browser.post(
        "/console/revocation", data={**tokens, "application_id": str(holder), "reason": "fraud"}
    )
    assert done.status_code == 200 and "is revoked" in done.text, done.text
    assert "unspent voucher released to the budget" in done.text
    assert status_of(ctx, holder) == "revoked"


def test_without_applications_write_revocation_is_the_403_page(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    signed_in(browser, ctx, scope="applications:read")
    assert browser.get("/console/revocation").status_code == 403
    assert "/console/revocation" not in browser.get("/console").text
