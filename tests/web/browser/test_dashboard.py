"""The monitoring & evaluation dashboard in a real browser: after a demo wave of the Indonesian
programme, an officer signs in and each section's charts render with data, in English and in
Indonesian (screenshots under the browser tests' screenshot folder)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy import Engine, func, select

from skillsprogram.api import create_app
from skillsprogram.clock import FixedClock
from skillsprogram.config import load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import figures
from skillsprogram.simulation import run_demo
from tests.api.conftest import api_settings
from tests.conftest import START
from tests.support.demo_programmes import DEMO_CONFIGS
from tests.web.browser.conftest import LiveServer, View, open_tab
from tests.web.browser.test_walk import go, visit
from tests.web.conftest import staff_member


@pytest.fixture
def database_url(sqlite_only: str) -> str:
    """On SQLite only: the figures' services and pages are tested on both databases."""
    return sqlite_only


@pytest.fixture
def demo_wave(engine: Engine, vault: PersonalDataVault) -> ProgrammeContext:
    """The Indonesian programme after a demo wave of 120 people (the demo refreshes the figures)."""
    clock = FixedClock(START)
    ctx = ProgrammeContext(
        config=load_config(DEMO_CONFIGS["indonesia"]), engine=engine, vault=vault, clock=clock
    )
    run_demo(ctx, clock, 120, seed=3)
    return ctx


@pytest.fixture
def dashboard(demo_wave: ProgrammeContext) -> Iterator[str]:
    """The portal of that programme, live."""
    settings = api_settings(programme=demo_wave.config.code)
    with LiveServer(create_app(settings, context=demo_wave)) as server:
        yield server.url


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_dashboard_s_charts_render_with_data_in_english_and_indonesian(
    chromium: Browser, view: View, dashboard: str, demo_wave: ProgrammeContext, language: str
) -> None:
    officer = staff_member(demo_wave)
    tab = open_tab(chromium, view, dashboard)
    try:
        if language != "en":
            tab.open("/")
            tab.page.select_option("#locale", language)
            tab.submit("footer form button[type=submit]")
        visit(tab, "/console/sign-in", f"dashboard-sign-in-{language}")
        tab.page.fill("#client_id", str(officer.client_id))
        tab.page.fill("#client_secret", officer.secret)
        go(tab, "main form button[type=submit]", f"dashboard-home-{language}", "/console")
        for section in ("funnel", "money", "outcomes"):
            visit(tab, f"/console/figures/{section}", f"dashboard-{section}-{language}")
            assert tab.page.get_attribute("html", "lang") == language
            bars = tab.page.locator("main svg.chart rect")
            assert bars.count() > 0, f"{section}: no bar drawn"
            drawn = [float(bars.nth(i).get_attribute("width").rstrip("%")) for i in range(bars.count())]
            assert max(drawn) > 0, f"{section}: every bar is empty"
        with demo_wave.uow() as uow:
            stages = figures.build(uow, demo_wave, "funnel-stages", figures.ReportFilter())
            applications = uow.session.execute(select(func.count()).select_from(Application)).scalar_one()
        assert stages.rows[0][stages.column("count")] == applications > 0
    finally:
        tab.context.close()
