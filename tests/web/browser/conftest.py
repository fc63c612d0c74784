"""The portal served on a free port and opened in a real Chromium, as a phone and a desktop,
with JavaScript off and on.

The browser is the system's ``chromium`` (Debian's package; ``SKILLSPROGRAM_TEST_CHROMIUM``
names another executable), driven by Playwright without any browser download of its own.
When none is installed the browser tests are skipped, unless
``SKILLSPROGRAM_TEST_REQUIRE_BROWSER=1`` (as CI sets it): then they fail.

Every page a test looks at goes through :func:`check_page`: a screenshot under
``test-artifacts/screenshots/``, no horizontal scroll, no console error (a refused
Content-Security-Policy is one), a label on every form control and no serious or critical
axe-core finding.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Response as PageResponse
from skillsprogram_cambodia.catalogue import demo_catalogue
from sqlalchemy import Engine

from skillsprogram.api import ApiSettings, create_app
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import catalogue
from tests.api.conftest import api_settings
from tests.api.helpers import registration
from tests.support.demo_programmes import started

REQUIRE_BROWSER = os.environ.get("SKILLSPROGRAM_TEST_REQUIRE_BROWSER", "") == "1"
#: Where the screenshots go (gitignored), one per page, JavaScript setting and width.
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
#: axe-core findings that fail a page.
FAILING_IMPACTS = ("serious", "critical")


@dataclass(frozen=True)
class View:
    """A browser window: its width and height, and whether it runs JavaScript."""

    width: int
    height: int
    javascript: bool

    @property
    def id(self) -> str:
        """How tests and screenshots name it: ``360-nojs``."""
        return f"{self.width}-{'js' if self.javascript else 'nojs'}"


#: A phone and a desktop, each with JavaScript off (as many phones browse) and on.
VIEWS = [View(w, h, js) for w, h in ((360, 740), (1280, 800)) for js in (False, True)]
#: The windows every page is checked in: a phone without JavaScript and a desktop with it,
#: the two ends of what the portal serves (it sends no script, so the other two pairings
#: show the same pages; set SKILLSPROGRAM_TEST_ALL_VIEWS=1 to check in all four).
CHECKED_VIEWS = (
    VIEWS
    if os.environ.get("SKILLSPROGRAM_TEST_ALL_VIEWS") == "1"
    else [v for v in VIEWS if v.id in ("360-nojs", "1280-js")]
)


def chromium_executable() -> str | None:
    """The Chromium to drive: ``SKILLSPROGRAM_TEST_CHROMIUM``, else ``chromium`` on the PATH;
    ``None`` when it is not an executable there."""
    return shutil.which(os.environ.get("SKILLSPROGRAM_TEST_CHROMIUM") or "chromium")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """The system's Chromium, headless, for one test module (Playwright's event loop marks the
    main thread as running one, so it is stopped before other modules' tests run)."""
    executable = chromium_executable()
    if executable is None:
        problem = "no chromium executable (apt-get install chromium, or set SKILLSPROGRAM_TEST_CHROMIUM)"
        if REQUIRE_BROWSER:
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        browser = launch(playwright, executable)
        yield browser
        browser.close()


def launch(playwright: Playwright, executable: str) -> Browser:
    """Chromium started from ``executable``, never a browser Playwright would download."""
    return playwright.chromium.launch(executable_path=executable, headless=True)


class LiveServer:
    """An app served by uvicorn on a free port of the loopback, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the live server at {self.url} did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.socket.close()


@pytest.fixture
def portal(ctx: ProgrammeContext) -> Iterator[str]:
    """The address of the portal (and API) of a started Testland programme, live."""
    with LiveServer(create_app(api_settings(), context=ctx)) as server:
        yield server.url


@pytest.fixture
def indonesian_portal(engine: Engine, vault: PersonalDataVault) -> Iterator[str]:
    """The address of the portal of the Indonesian demo programme (in Indonesian and English), live."""
    ctx = started("indonesia", engine, vault)
    settings: ApiSettings = api_settings(programme=ctx.config.code)
    with LiveServer(create_app(settings, context=ctx)) as server:
        yield server.url


@pytest.fixture
def cambodian_programme(engine: Engine, vault: PersonalDataVault) -> ProgrammeContext:
    """The Cambodian demo programme (in Khmer first, and English), started with wave 1 open
    and the first three courses of its demo catalogue on sale."""
    ctx = started("cambodia", engine, vault)
    with ctx.transaction() as uow:
        catalogue.add_courses(uow, ctx, demo_catalogue()[:3])
    return ctx


@pytest.fixture
def cambodian_portal(cambodian_programme: ProgrammeContext) -> Iterator[str]:
    """The address of the portal of the Cambodian demo programme, live."""
    settings: ApiSettings = api_settings(programme=cambodian_programme.config.code)
    with LiveServer(create_app(settings, context=cambodian_programme)) as server:
        yield server.url


@dataclass
class Tab:
    """A page of a fresh browser context in one :class:`View`, with what its console said."""

    page: Page
    context: BrowserContext
    view: View
    base: str
    console: list[tuple[str, str]] = field(default_factory=list)
    refused_documents: set[str] = field(default_factory=set)

    def open(self, path: str) -> PageResponse:
        """Go to ``path`` of the portal; the page's answer."""
        answer = self.page.goto(self.base + path)
        assert answer is not None
        return answer

    def submit(self, selector: str = "main form button[type=submit]") -> PageResponse:
        """Press a form's button and wait for the page it leads to."""
        with self.page.expect_navigation() as navigation:
            self.page.click(selector)
        return navigation.value

    def path(self) -> str:
        """Where the tab is now, without the site's address."""
        return self.page.url.removeprefix(self.base)

    def watch(self, message: ConsoleMessage) -> None:
        """Keep every console error (a resource that failed, a refused policy, a script error)."""
        if message.type == "error":
            self.console.append((message.text, message.location.get("url", "")))

    def answered(self, response: PageResponse) -> None:
        """Note a page (not a stylesheet or an image) that answered with an error status."""
        if response.request.is_navigation_request() and response.status >= 400:
            self.refused_documents.add(response.url)

    def problems(self) -> list[str]:
        """The console's errors, less its note of a page's own error status (a 404 page, a
        form refused with 422), which the tests check as the page's status."""
        return [
            f"{text} ({url})"
            for text, url in self.console
            if not (text.startswith("Failed to load resource") and url in self.refused_documents)
        ]


def open_tab(chromium: Browser, view: View, base: str) -> Tab:
    """A new, cookie-less context in ``view`` on ``base``, with its console watched."""
    context = chromium.new_context(
        viewport={"width": view.width, "height": view.height},
        java_script_enabled=view.javascript,
        locale="en-GB",
    )
    tab = Tab(context.new_page(), context, view, base)
    tab.page.on("console", tab.watch)
    tab.page.on("response", tab.answered)
    tab.page.on("pageerror", lambda error: tab.console.append((f"script: {error}", "")))
    return tab


@pytest.fixture(params=CHECKED_VIEWS, ids=lambda view: view.id)
def view(request: pytest.FixtureRequest) -> View:
    """Each window a page is checked in."""
    found: View = request.param
    return found


@pytest.fixture
def tab(chromium: Browser, view: View, portal: str) -> Iterator[Tab]:
    """A tab on the Testland portal in each :data:`VIEWS`."""
    opened = open_tab(chromium, view, portal)
    yield opened
    opened.context.close()


#: The form controls that have no label: no ``<label for>`` around or pointing at them, no
#: ``aria-label`` and no ``aria-labelledby`` (hidden fields and buttons aside).
UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter(el => el.type !== "hidden" && el.type !== "submit" && el.type !== "button")
  .filter(el => el.labels.length === 0 && !el.getAttribute("aria-label")
                && !el.getAttribute("aria-labelledby"))
  .map(el => el.outerHTML)"""


def check_page(tab: Tab, name: str) -> None:
    """Take the screenshot ``<name>-<width>-<js|nojs>.png`` of the page the tab shows, then check
    it: no horizontal scroll, no console error, every form control labelled, and axe-core
    finding nothing serious or critical."""
    page = tab.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{tab.view.id}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.view.width, f"{name}: {width} px wide in a {tab.view.width} px window"
    assert tab.problems() == [], f"{name}: {tab.problems()}"
    assert page.evaluate(UNLABELLED) == [], f"{name}: form controls without a label"
    failing = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in accessibility_violations(tab)
        if v["impact"] in FAILING_IMPACTS
    ]
    assert failing == [], f"{name}: {failing}"


def accessibility_violations(tab: Tab) -> list[dict[str, Any]]:
    """What axe-core finds wrong with the page the tab shows.

    axe-core runs as a script of the page and waits on timers, which a page without
    JavaScript never fires: such a page is checked as the same document (its stylesheets
    fetched from the portal) shown in a window of the same size with JavaScript on.
    """
    if tab.view.javascript:
        return list(Axe().run(tab.page).response["violations"])
    html = tab.page.content()
    url = tab.page.url
    twin = tab.context.browser
    assert twin is not None
    context = twin.new_context(viewport={"width": tab.view.width, "height": tab.view.height}, locale="en-GB")
    try:
        page = context.new_page()
        page.route(
            lambda address: address == url,
            lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"),
        )
        page.goto(url)
        return list(Axe().run(page).response["violations"])
    except PlaywrightError as error:
        raise AssertionError(f"axe-core could not check {url}: {error}") from error
    finally:
        context.close()


#: The registration form's drop-down lists.
CHOICES = ("sex", "region_code")


def fill_registration(tab: Tab, index: int, *, leave_out: tuple[str, ...] = ()) -> None:
    """Fill the registration form the tab shows as applicant ``index`` of the API tests would,
    ticking the consent, with the fields ``leave_out`` left empty."""
    for name, value in registration(index).items():
        if name in leave_out or name == "consent":
            continue
        if name in CHOICES:
            tab.page.select_option(f"#{name}", str(value))
        else:
            tab.page.fill(f"#{name}", str(value))
    tab.page.check("#consent")


def register_in_browser(tab: Tab, index: int = 1) -> None:
    """Register applicant ``index`` through the form, landing signed in on ``/me``."""
    tab.open("/register")
    fill_registration(tab, index)
    answer = tab.submit()
    assert answer.status == 200 and tab.path() == "/me", tab.path()


@pytest.fixture
def sqlite_only(tmp_path: Path, sqlite_template: Path) -> str:
    """A SQLite database at the head revision: for tests of how pages look, which are the same
    on every database (the ways through them run on both, as every service test does)."""
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"
