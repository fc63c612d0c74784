"""Every page of the portal, in a phone's and a desktop's window, with JavaScript off and on:
screenshot, no horizontal scroll, no console error or refused policy, every control labelled,
nothing serious for axe-core. A new page is one line of :data:`PAGES`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import Response as PageResponse

from tests.web.browser.conftest import Tab, check_page, register_in_browser


def send_empty_registration(tab: Tab) -> PageResponse:
    """Send the registration form as it comes: every required field refused."""
    return tab.submit()


@dataclass(frozen=True)
class Shown:
    """A page as a person reaches it: ``before`` it (signing in), its path, what is done on
    it (``then``: sending a form), and the status it answers with."""

    name: str
    path: str
    status: int = 200
    before: Callable[[Tab], None] | None = None
    then: Callable[[Tab], PageResponse] | None = None


@pytest.fixture
def database_url(sqlite_only: str) -> str:
    """Each page is looked at on SQLite only: what it shows is the services' answer, tested on
    both databases elsewhere, and four windows of every page on two databases would double the
    suite's slowest tests for nothing."""
    return sqlite_only


PAGES = [
    Shown("home", "/"),
    Shown("register", "/register"),
    Shown("register-refused", "/register", 422, then=send_empty_registration),
    Shown("my-application", "/me", before=register_in_browser),
    Shown("home-signed-in", "/", before=register_in_browser),
    Shown("not-found", "/no-such-page", 404),
    Shown("sign-in", "/sign-in"),
    Shown("courses", "/courses"),
    Shown("courses-searched", "/courses?q=weld&mode=offline"),
    Shown("my-voucher-none-yet", "/me/voucher", 404, before=register_in_browser),
    Shown("my-accounts", "/me/accounts", before=register_in_browser),
    Shown("my-complaints", "/me/complaints", before=register_in_browser),
    Shown("my-surveys", "/me/surveys", before=register_in_browser),
    Shown("partner-sign-in", "/partner/sign-in"),
]


@pytest.mark.parametrize("shown", PAGES, ids=lambda shown: shown.name)
def test_each_page_fits_the_window_is_labelled_accessible_and_quiet_in_the_console(
    tab: Tab, shown: Shown
) -> None:
    if shown.before:
        shown.before(tab)
    answer = tab.open(shown.path)
    if shown.then:
        answer = shown.then(tab)
    assert answer.status == shown.status
    check_page(tab, shown.name)
