"""The monitoring figures on SQLite and PostgreSQL: tallies taken in from the audit log,
funnel and refusals against what the test walked applicants through."""

from __future__ import annotations

from datetime import date

import pytest

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import ReportFilter, Table
from skillsprogram.errors import NotFound, ValidationFailed
from skillsprogram.services import figures, registration
from tests.services.helpers import to_eligible
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
    counts = _counts(_report(ctx, "funnel"), "stage", "count")
    assert counts["registered"] == 3
    assert counts["screened_ineligible"] == 1
    assert counts["screened_eligible"] == 2
    assert counts["selected"] == 0


def test_refresh_twice_counts_nothing_twice(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    figures.refresh(ctx)
    before = _report(ctx, "funnel").rows
    assert figures.refresh(ctx) == 0
    assert _report(ctx, "funnel").rows == before


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
    counts = _counts(_report(ctx, "funnel", ReportFilter(region="20")), "stage", "count")
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
        _report(ctx, "funnel", flt)
    assert raised.value.code == code


def test_every_report_key_is_its_tables_key_and_in_one_section(ctx: ProgrammeContext) -> None:
    _screen_three_one_soldier(ctx)
    figures.refresh(ctx)
    listed = [key for keys in figures.SECTIONS.values() for key in keys]
    assert sorted(listed) == sorted(figures.REPORTS)
    for key in figures.REPORTS:
        assert _report(ctx, key).key == key
