"""The checks every page goes through catch what they are there to catch: a page that
scrolls sideways on a phone, an inline style or script the policy refuses, a control without a
label, and what axe-core calls critical, with JavaScript off as well as on."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Route

from skillsprogram.web.headers import CONTENT_SECURITY_POLICY
from tests.web.browser.conftest import VIEWS, Tab, View, check_page, open_tab

SITE = "http://portal.test"
PAGE = (
    '<!doctype html><html lang="en"><head><title>A page</title></head>'
    "<body><main><h1>A page</h1>{}</main></body></html>"
)
PHONES = [view for view in VIEWS if view.width == 360]


@pytest.fixture(params=PHONES, ids=lambda view: view.id)
def phone(request: pytest.FixtureRequest, chromium: Browser) -> Iterator[Tab]:
    """A tab in a phone's window on a made-up site, each page of which the test writes."""
    view: View = request.param
    opened = open_tab(chromium, view, SITE)
    yield opened
    opened.context.close()


def show(tab: Tab, body: str) -> None:
    """Open a page of ``body``, served with the portal's Content-Security-Policy."""

    def answer(route: Route) -> None:
        route.fulfill(
            body=PAGE.format(body),
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
        )

    tab.page.route(f"{SITE}/**", answer)
    tab.open("/")


def test_a_plain_page_passes(phone: Tab) -> None:
    show(phone, '<form><label for="n">Name</label><input id="n" name="n"></form>')
    check_page(phone, "check-plain")


@pytest.mark.parametrize(
    ("body", "caught"),
    [
        (f"<pre>{'a-long-unbroken-line-' * 10}</pre>", "px wide"),
        ('<p style="color: red">red</p><script>document.title = "x"</script>', "Content Security Policy"),
        ('<input name="n">', "without a label"),
        ('<button type="button"></button>', "button-name (critical)"),
    ],
    ids=["sideways-scroll", "inline-style-and-script", "unlabelled-control", "axe-critical"],
)
def test_a_page_with_a_fault_fails_the_check_naming_it(phone: Tab, body: str, caught: str) -> None:
    show(phone, body)
    with pytest.raises(AssertionError, match=re.escape(caught)):
        check_page(phone, "check-fault")
