"""An officer runs a wave from the console end to end in a real browser: sign in, close the
wave, run the identity check and screening, share the places, draw with a published seed,
issue the vouchers and send the payouts due."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from skillsprogram.context import ProgrammeContext
from tests.services.helpers import register
from tests.web.browser.conftest import View, open_tab
from tests.web.browser.test_walk import go, visit
from tests.web.conftest import staff_member


@pytest.fixture
def database_url(sqlite_only: str) -> str:
    """On SQLite only: every action is a service the service and page tests run on both."""
    return sqlite_only


def test_an_officer_runs_a_wave_from_the_console_end_to_end(
    chromium: Browser, view: View, portal: str, ctx: ProgrammeContext
) -> None:
    register(ctx, 4)
    officer = staff_member(ctx)
    tab = open_tab(chromium, view, portal)
    try:
        visit(tab, "/console/sign-in", "console-sign-in")
        tab.page.fill("#client_id", str(officer.client_id))
        tab.page.fill("#client_secret", officer.secret)
        go(tab, "main form button[type=submit]", "console-home", "/console")
        visit(tab, "/console/waves", "console-waves-open")
        go(tab, "form[action='/console/waves/1/closure'] button", "console-wave-closed")
        assert tab.path().startswith("/console/waves")
        visit(tab, "/console/steps", "console-steps")
        go(tab, "form[action='/console/steps/verify-identities'] button", "console-verified")
        assert tab.path().startswith("/console/steps")
        go(tab, "form[action='/console/steps/screening'] button", "console-screened")
        assert tab.path().startswith("/console/steps")
        visit(tab, "/console/waves", "console-waves-closed")
        tab.page.fill("#total-1", "3")
        go(tab, "form[action='/console/waves/1/quotas'] button", "console-quotas")
        assert tab.path().startswith("/console/waves")
        tab.page.fill("#seed-1", "wave-1-published-seed")
        go(tab, "form[action='/console/waves/1/draw'] button", "console-drawn")
        assert tab.path().startswith("/console/waves")
        assert "wave-1-published-seed" in tab.page.locator("main .seed").inner_text()
        rows = [row.split("\t") for row in tab.page.locator("main tbody tr").all_inner_texts()]
        assert sum(int(row[2]) for row in rows) == 3  # region, places, selected
        visit(tab, "/console/steps", "console-steps-drawn")
        go(tab, "form[action='/console/steps/voucher-issue'] button", "console-vouchers")
        assert tab.path().startswith("/console/steps")
        assert "voucher-issue done: 3." in tab.page.locator("main .notice").inner_text()
        go(tab, "form[action='/console/payouts'] button", "console-payouts")
        assert tab.path().startswith("/console/steps")
    finally:
        tab.context.close()
