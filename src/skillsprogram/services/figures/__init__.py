"""The monitoring and evaluation figures: every report a :class:`~skillsprogram.domain.figures.Table`.

:data:`REPORTS` names each report (its key is the table's and the URL's,
``/v1/reports/{key}``); :data:`SECTIONS` orders them into the dashboard's sections.
The funnel and refusal figures sum the pre-aggregated tallies that :func:`refresh`
keeps up to date (see :mod:`.tallies`); no report counts over the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import ReportFilter, Table
from skillsprogram.errors import NotFound
from skillsprogram.services.figures import funnel as _funnel
from skillsprogram.services.figures import inclusion as _inclusion
from skillsprogram.services.figures import money as _money
from skillsprogram.services.figures import outcomes as _outcomes
from skillsprogram.services.figures import refusals as _refusals
from skillsprogram.services.figures.scope import check_filter
from skillsprogram.services.figures.tallies import refresh
from skillsprogram.services.figures.titles import TITLES
from skillsprogram.storage.uow import UnitOfWork

Report = Callable[[UnitOfWork, ProgrammeContext, ReportFilter], Table]
"""A report: the figure for a programme, narrowed by a filter."""

REPORTS: dict[str, Report] = {
    "funnel-stages": _funnel.funnel,
    "funnel-rates": _funnel.funnel_rates,
    "funnel-by-wave": _funnel.funnel_by_wave,
    "funnel-by-day": _funnel.funnel_by_day,
    "funnel-by-region": _funnel.funnel_by_region,
    "refusals-by-rule": _refusals.refusals_by_rule,
    "refusals-by-region": _refusals.refusals_by_region,
    "inclusion": _inclusion.inclusion,
    "money-flows": _money.money_flows,
    "money-by-wave": _money.money_by_wave,
    "payouts-by-rail": _money.payouts_by_rail,
    "money-per-beneficiary": _money.money_per_beneficiary,
    "journey": _outcomes.journey,
    "employment": _outcomes.employment,
    "course-ratings": _outcomes.course_ratings,
    "provider-ratings": _outcomes.provider_ratings,
}

SECTIONS: dict[str, tuple[str, ...]] = {
    "funnel": ("funnel-stages", "funnel-rates", "funnel-by-wave", "funnel-by-day", "funnel-by-region"),
    "refusals": ("refusals-by-rule", "refusals-by-region"),
    "inclusion": ("inclusion",),
    "money": ("money-flows", "money-by-wave", "payouts-by-rail", "money-per-beneficiary"),
    "outcomes": ("journey", "employment", "course-ratings", "provider-ratings"),
}


def build(uow: UnitOfWork, ctx: ProgrammeContext, key: str, flt: ReportFilter) -> Table:
    """The report ``key`` for ``flt`` (checked first: see :func:`check_filter`)."""
    report = REPORTS.get(key)
    if report is None:
        raise NotFound(
            f"no report {key!r}; the reports are {sorted(REPORTS)}", code="unknown-report", report=key
        )
    check_filter(uow, ctx, flt)
    return report(uow, ctx, flt)


__all__ = ["REPORTS", "SECTIONS", "TITLES", "Report", "build", "check_filter", "refresh"]
