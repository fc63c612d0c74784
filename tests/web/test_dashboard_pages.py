"""The monitoring & evaluation dashboard through HTTP: each section's figures as a chart,
a table and a CSV link; filters in the query string; a bad filter shown beside its field;
officers and the read-only minister see it, a staff member without ``reports:read`` gets 403."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from skillsprogram.services import figures
from tests.services.helpers import to_voucher
from tests.web.conftest import console_sign_in, staff_member


@pytest.fixture
def walked(ctx: ProgrammeContext) -> ProgrammeContext:
    """Four people drawn and given vouchers, and the figures refreshed."""
    to_voucher(ctx, 4)
    figures.refresh(ctx)
    return ctx


@pytest.mark.parametrize("section", list(figures.SECTIONS))
def test_each_section_draws_its_figures_as_charts_with_their_tables_and_csv_links(
    browser: TestClient, walked: ProgrammeContext, section: str
) -> None:
    console_sign_in(browser, staff_member(walked, "minister"))
    page = browser.get(f"/console/figures/{section}")
    assert page.status_code == 200
    for key in figures.SECTIONS[section]:
        assert f'id="figure-{key}"' in page.text
        assert f'href="/console/figures/{section}/{key}.csv"' in page.text
    assert "<table" in page.text and "<caption>" in page.text
    if section == "funnel":
        assert '<svg class="chart' in page.text and 'role="img"' in page.text


def test_the_funnel_counts_what_happened_and_its_csv_says_the_same(
    browser: TestClient, walked: ProgrammeContext
) -> None:
    console_sign_in(browser, staff_member(walked))
    table = browser.get("/console/figures/funnel/funnel-stages.csv")
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    assert 'filename="funnel-stages.csv"' in table.headers["content-disposition"]
    with walked.uow() as uow:
        expected = figures.build(uow, walked, "funnel-stages", figures.ReportFilter()).csv()
    assert table.text == expected and ",4" in expected


def test_a_filter_is_kept_in_the_section_links_and_the_csv_links(
    browser: TestClient, walked: ProgrammeContext
) -> None:
    console_sign_in(browser, staff_member(walked))
    page = browser.get("/console/figures/money?wave=1&since=2020-01-01")
    assert page.status_code == 200
    assert "/console/figures/money/money-flows.csv?wave=1&amp;since=2020-01-01" in page.text
    assert 'href="/console/figures/funnel?wave=1&amp;since=2020-01-01"' in page.text


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("region=NOWHERE", "region"),
        ("wave=99", "wave"),
        ("wave=abc", "wave"),
        ("since=2024-13-40", "since"),
        ("since=2024-05-02&until=2024-05-01", "until"),
    ],
)
def test_a_bad_filter_is_told_beside_its_field_and_the_whole_programme_is_shown(
    browser: TestClient, walked: ProgrammeContext, query: str, field: str
) -> None:
    console_sign_in(browser, staff_member(walked))
    page = browser.get(f"/console/figures/funnel?{query}")
    assert page.status_code == 422
    assert f'id="{field}-error"' in page.text
    assert 'id="figure-funnel-stages"' in page.text


def test_a_staff_member_without_reports_read_gets_403_and_no_figures_link(
    browser: TestClient, walked: ProgrammeContext
) -> None:
    console_sign_in(browser, staff_member(walked), scope="waves:write")
    assert 'href="/console/figures"' not in browser.get("/console").text
    assert browser.get("/console/figures").status_code == 403
    assert browser.get("/console/figures/funnel/funnel-stages.csv").status_code == 403


def test_an_unknown_section_or_figure_is_a_404_page(browser: TestClient, walked: ProgrammeContext) -> None:
    console_sign_in(browser, staff_member(walked))
    assert browser.get("/console/figures/nothing").status_code == 404
    assert browser.get("/console/figures/money/funnel-stages.csv").status_code == 404
