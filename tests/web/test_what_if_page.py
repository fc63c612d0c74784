"""The console's budget what-if page through HTTP: prefilled from the configuration,
scenarios side by side as tables, bad input beside its field, and only for reports:read."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from skillsprogram.context import ProgrammeContext
from tests.web.conftest import console_sign_in, staff_member

RUN = {"run": "1", "applicants": "20000", "waves": "2", "wave_days": "30", "seed": "3", "budget": ""}


def test_the_what_if_form_is_prefilled_from_the_configuration(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    console_sign_in(browser, staff_member(ctx, "minister"))
    page = browser.get("/console/what-if")
    assert page.status_code == 200
    assert 'name="s1_name"' in page.text and 'value="configured"' in page.text
    assert f'placeholder="{ctx.config.voucher.amount}"' in page.text
    assert "Scenarios side by side" not in page.text


def test_scenarios_are_compared_side_by_side_as_tables(browser: TestClient, ctx: ProgrammeContext) -> None:
    console_sign_in(browser, staff_member(ctx, "minister"))
    query = {
        **RUN,
        "s1_name": "small",
        "s1_quota": "1000",
        "s2_name": "large",
        "s2_quota": "4000",
        "budget": "900000000",
    }
    page = browser.get("/console/what-if", params=query)
    assert page.status_code == 200, page.text
    for key in ("what_if_summary", "what_if_waves", "what_if_cumulative"):
        assert f'id="{key}"' in page.text
    summary = page.text[page.text.index('id="what_if_summary"') : page.text.index('id="what_if_waves"')]
    assert summary.index(">small<") < summary.index(">large<")  # a column per scenario
    assert (
        '<th scope="row">Total spend</th>' in summary and '<th scope="row">Cost per completer</th>' in summary
    )
    again = browser.get("/console/what-if", params=query)
    assert re.sub(r'name="csrf_token" value="[^"]*"', "", again.text) == re.sub(
        r'name="csrf_token" value="[^"]*"', "", page.text
    )


def test_a_bad_field_is_refused_beside_it_and_nothing_is_run(
    browser: TestClient, ctx: ProgrammeContext
) -> None:
    console_sign_in(browser, staff_member(ctx, "minister"))
    page = browser.get("/console/what-if", params={**RUN, "s1_name": "odd", "s1_take_up": "2", "waves": "0"})
    assert page.status_code == 422
    assert 'id="s1_take_up-error"' in page.text and "not a share between 0 and 1" in page.text
    assert 'id="waves-error"' in page.text
    assert 'id="what_if_summary"' not in page.text


def test_the_what_if_sends_whoever_is_not_signed_in_as_staff_to_the_sign_in(browser: TestClient) -> None:
    signed_out = browser.get("/console/what-if", params=RUN)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/console/sign-in?next=/console/what-if"
