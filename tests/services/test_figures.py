"""The monitoring figures on SQLite and PostgreSQL: tallies taken in from the audit log,
funnel and refusals against what the test walked applicants through."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from skillsprogram.config import InclusionGroup, ReportSettings
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import ReportFilter, Table
from skillsprogram.domain.models import Application
from skillsprogram.errors import ConfigurationError, NotFound, ValidationFailed
from skillsprogram.services import accounts, employment, figures, payouts, registration, training, vouchers
from tests.services.helpers import course, to_eligible, to_voucher
from tests.support.testland import person


def _screen_three_one_soldier(ctx: ProgrammeContext) -> None:
    """Three registered (two in 10.01, one in 20.01), the one in 20.01 a soldier."""
    requests = [person(0, occupation="soldier"), person(1), person(2)]
    with ctx.transaction() as uow:
        registration.register_many(uow, ctx, requests)
    to_eligible(ctx)


def _report(ctx: ProgrammeContext, key: str, flt: ReportFilter | None = None) -> Table:
    with ctx.uow() as uow:
        return figures.build(uow, ctx, key, flt or ReportFilter())


def _counts(table: Table, label: str, value: str) -> dict[str, object]:
    return {row[table.column(label)]: row[table.column(value)] for row in table.rows}


def test_funnel_counts_each_stage_reached_from_the_tallies(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    assert figures.refresh(ctx) > 0
    counts = _counts(_report(ctx, "funnel-stages"), "stage", "count")
    assert counts["registered"] == 3
    assert counts["screened_ineligible"] == 1
    assert counts["screened_eligible"] == 2
    assert counts["selected"] == 0


def test_refresh_twice_counts_nothing_twice(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    figures.refresh(ctx)
    before = _report(ctx, "funnel-stages").rows
    assert figures.refresh(ctx) == 0
    assert _report(ctx, "funnel-stages").rows == before


def test_refusals_name_the_rule_failed_and_the_region_it_was_failed_in(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    figures.refresh(ctx)
    assert _counts(_report(ctx, "refusals-by-rule"), "rule", "count") == {"testland.not_soldier": 1}
    by_region = _counts(_report(ctx, "refusals-by-region"), "region", "screened_ineligible")
    assert by_region["20"] == 1 and by_region["10"] == 0


def test_funnel_by_region_breaks_the_chosen_region_into_its_children(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    figures.refresh(ctx)
    top = _counts(_report(ctx, "funnel-by-region"), "region", "registered")
    assert top["10"] == 2 and top["20"] == 1
    inside = _counts(_report(ctx, "funnel-by-region", ReportFilter(region="10")), "region", "registered")
    assert inside["10.01"] == 2
    assert sum(inside.values()) == top["10"]  # type: ignore[arg-type]


def test_a_region_filter_narrows_the_funnel_to_that_region(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    figures.refresh(ctx)
    counts = _counts(_report(ctx, "funnel-stages", ReportFilter(region="20")), "stage", "count")
    assert counts["registered"] == 1 and counts["screened_ineligible"] == 1


def test_unknown_report_is_not_found(ctx: ProgrammeContext) -> None:
    with pytest.raises(NotFound):
        _report(ctx, "no-such-report")


@pytest.mark.parametrize(
    ("flt", "code"),
    [
        (ReportFilter(wave=99), "unknown-wave"),
        (ReportFilter(region="99.99"), "unknown-region"),
        (ReportFilter(since=date(2026, 2, 1), until=date(2026, 1, 1)), "invalid-date-range"),
    ],
)
def test_a_filter_naming_nothing_that_exists_is_refused(
    ctx: ProgrammeContext, flt: ReportFilter, code: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        _report(ctx, "funnel-stages", flt)
    assert raised.value.code == code


def test_every_report_key_is_its_tables_key_and_in_one_section(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    figures.refresh(ctx)
    listed = [key for keys in figures.SECTIONS.values() for key in keys]
    assert sorted(listed) == sorted(figures.REPORTS)
    for key in figures.REPORTS:
        assert _report(ctx, key).key == key


def _paid_graduate(ctx: ProgrammeContext) -> tuple[uuid.UUID, int]:
    """Two voucher holders; one trains (welding, rated 5 stars) and is paid the first
    instalment on the wallet rail. Returns the graduate and the course's price."""
    first, _second = to_voucher(ctx, 2)
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, first, course(ctx, "T-WELD"))
        training.redeem(uow, ctx, purchase.redeem_code)
        training.complete(uow, ctx, purchase.id, "CERT-1", 88)
        training.rate(uow, ctx, purchase.id, 5)
        price = purchase.price
        person_id = uow.session.execute(
            select(Application.person_id).where(Application.id == first)
        ).scalar_one()
    with ctx.transaction() as uow:
        accounts.add_payment_account(uow, ctx, person_id, "wallet", "W000000001")
    payouts.run_payouts(ctx)
    figures.refresh(ctx)
    return first, price


def test_money_figures_follow_vouchers_purchases_and_payouts(ctx: ProgrammeContext) -> None:
    _graduate, price = _paid_graduate(ctx)
    by_wave = _report(ctx, "money-by-wave")
    (row,) = by_wave.rows
    assert by_wave.currency == ctx.config.currency
    assert row[by_wave.column("vouchers")] == 2
    assert row[by_wave.column("vouchers_amount")] == 2 * ctx.config.voucher.amount
    assert row[by_wave.column("spent")] == price
    assert row[by_wave.column("payouts")] == 1
    rails = _report(ctx, "payouts-by-rail")
    assert [(r[0], r[1], r[2]) for r in rails.rows] == [("wallet", "paid", 1), ("wallet", "scheduled", 1)]
    flows = _counts(_report(ctx, "money-flows"), "flow", "amount")
    assert flows["vouchers_issued"] == 2 * ctx.config.voucher.amount
    assert flows["incentives_paid"] == row[by_wave.column("paid")]
    per = _counts(_report(ctx, "money-per-beneficiary"), "per", "total")
    assert per["selected"] == round((price + row[by_wave.column("paid")]) / 2)


def test_funnel_counts_the_paid_and_the_rates_divide_the_stages(ctx: ProgrammeContext) -> None:
    _paid_graduate(ctx)
    counts = _counts(_report(ctx, "funnel-stages"), "stage", "count")
    assert (counts["voucher_issued"], counts["course_purchased"], counts["course_completed"]) == (2, 1, 1)
    assert counts["paid"] == 1 and counts["course_rated"] == 1
    rates = _counts(_report(ctx, "funnel-rates"), "rate", "share")
    assert rates == {"take_up": 0.5, "completion": 1.0, "payment": 1.0}


def test_outcomes_rate_the_course_and_follow_the_graduate_into_work(ctx: ProgrammeContext) -> None:
    graduate, _price = _paid_graduate(ctx)
    ratings = _report(ctx, "course-ratings")
    assert [(r[0], r[2], r[3]) for r in ratings.rows] == [("T-WELD", 5.0, 1)]
    assert len(_report(ctx, "provider-ratings").rows) == 1
    with ctx.transaction() as uow:
        employment.record_employment(uow, ctx, graduate, "not_employed")
    ctx.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    with ctx.transaction() as uow:
        employment.record_employment(uow, ctx, graduate, "employed", "provider_report")
    assert _counts(_report(ctx, "employment"), "status", "graduates") == {"employed": 1}
    steps = _counts(_report(ctx, "journey"), "step", "people")
    assert steps == {"applied": 2, "studying": 1, "graduated": 1, "employed": 1}


def test_inclusion_groups_count_who_the_configuration_names(ctx: ProgrammeContext) -> None:
    requests = [
        person(0, region_code="10.02", birth_date=date(2000, 6, 1)),  # remote, young, a man
        person(1),  # a woman, 35
        person(2),  # a man, 35
    ]
    with ctx.transaction() as uow:
        registration.register_many(uow, ctx, requests)
    figures.refresh(ctx)
    table = _report(ctx, "inclusion")
    registered = _counts(table, "group", "registered")
    assert registered == {"women": 1, "remote": 1, "young": 1}
    assert _counts(table, "group", "registered_share")["women"] == round(1 / 3, 4)


def test_an_inclusion_group_reading_an_undeclared_attribute_is_a_configuration_error(
    ctx: ProgrammeContext,
) -> None:
    group = InclusionGroup(code="x", label="X", attribute="no_such_attribute", values=[True])
    odd = dataclasses.replace(
        ctx, config=ctx.config.model_copy(update={"reports": ReportSettings(inclusion=[group])})
    )
    with pytest.raises(ConfigurationError, match="no_such_attribute"):
        figures.refresh(odd)
