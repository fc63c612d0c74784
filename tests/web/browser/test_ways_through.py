"""What a person does on the portal, in a phone's and a desktop's window, with JavaScript off
and on: registering (a mistake shown beside its field, corrected), changing the language,
and finding the way back from a page that does not exist."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.web.browser.conftest import Tab, View, check_page, fill_registration, open_tab


def error_beside(tab: Tab, name: str) -> str:
    """The error shown for the field ``name``: announced with it, placed just above it and
    across the same column; its text."""
    page = tab.page
    error = page.locator(f"#{name}-error")
    control = page.locator(f"#{name}")
    assert error.is_visible(), f"no error shown for {name}"
    assert control.get_attribute("aria-invalid") == "true"
    assert f"{name}-error" in (control.get_attribute("aria-describedby") or "").split()
    said, field = error.bounding_box(), control.bounding_box()
    assert said is not None and field is not None
    assert 0 <= field["y"] - (said["y"] + said["height"]) <= 16, (said, field)
    assert said["x"] < field["x"] + field["width"] and field["x"] < said["x"] + said["width"]
    return error.inner_text()


def test_a_person_registers_corrects_the_field_shown_wrong_and_lands_on_the_timeline(tab: Tab) -> None:
    tab.open("/register")
    fill_registration(tab, 7, leave_out=("national_id",))
    tab.page.uncheck("#consent")
    refused = tab.submit()
    assert refused.status == 422
    assert error_beside(tab, "national_id") == "Please fill in this field."
    assert error_beside(tab, "consent").startswith("You can register only if you agree")
    assert tab.page.input_value("#full_name") == "Person 7", "what was typed is kept"
    check_page(tab, "register-corrected-before")

    tab.page.fill("#national_id", "1000007")
    tab.page.check("#consent")
    landed = tab.submit()
    assert landed.status == 200 and tab.path() == "/me"
    stages = tab.page.locator(".timeline .stage")
    assert stages.first.locator("h2").inner_text() == "You registered"
    assert "done" in (stages.first.get_attribute("class") or "")
    assert stages.count() >= 5
    check_page(tab, "register-corrected-after")


@pytest.fixture
def indonesian_tab(chromium: Browser, view: View, indonesian_portal: str) -> Iterator[Tab]:
    """A tab on the Indonesian programme's portal in each window."""
    opened = open_tab(chromium, view, indonesian_portal)
    yield opened
    opened.context.close()


def test_the_language_chosen_at_the_foot_of_a_page_brings_the_same_page_back_in_it(
    indonesian_tab: Tab,
) -> None:
    tab = indonesian_tab
    tab.open("/register")
    assert tab.page.get_attribute("html", "lang") == "en", "the browser asks for English"
    offered = tab.page.locator("#locale option").all_inner_texts()
    assert "Indonesia" in offered and "English" in offered, offered
    tab.page.select_option("#locale", "id")
    answer = tab.submit("footer form button[type=submit]")
    assert answer.status == 200 and tab.path() == "/register"
    assert tab.page.get_attribute("html", "lang") == "id"
    assert tab.page.input_value("#locale") == "id"
    check_page(tab, "language-switched")
    tab.open("/")
    assert tab.page.get_attribute("html", "lang") == "id", "the choice is kept for the next page"


def test_a_page_that_does_not_exist_says_so_and_leads_back_to_the_start(tab: Tab) -> None:
    answer = tab.open("/courses/no-such-course")
    assert answer.status == 404
    assert tab.page.locator("h1").inner_text() == "This page does not exist."
    back = tab.submit("main a.button")
    assert back.status == 200 and tab.path() == "/"
