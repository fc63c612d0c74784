"""Refusals: applications found ineligible, by the rule they failed, and identities
rejected, overall and by region."""

from __future__ import annotations

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, ReportFilter, Table, share
from skillsprogram.i18n import N_
from skillsprogram.services.figures.funnel import by_region
from skillsprogram.services.figures.scope import tallied
from skillsprogram.services.figures.tallies import rules_failed
from skillsprogram.services.figures.titles import TITLES
from skillsprogram.storage.uow import UnitOfWork

REJECTED = "identity_rejected"
INELIGIBLE = "screened_ineligible"


def refusals_by_rule(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Applications that failed each eligibility rule (one failing two rules counts under
    both), as a share of all found ineligible."""
    counts = tallied(uow, ctx, flt).get((), {})
    ineligible = counts.get(INELIGIBLE, 0)
    rules = rules_failed(counts)
    return Table(
        key="refusals-by-rule",
        title=TITLES["refusals-by-rule"],
        note=N_("An application failing two rules counts under both."),
        columns=(
            Column("rule", N_("Rule"), ColumnKind.CODE),
            Column("count", N_("Applications")),
            Column("share", N_("Share of ineligible"), ColumnKind.SHARE),
        ),
        rows=tuple((rule, count, share(count, ineligible)) for rule, count in rules),
        chart=Chart(ChartKind.BARS, "rule", ("count",)),
    )


def refusals_by_region(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Identities rejected and applications found ineligible in each region one level
    under the filter's region, with the share of registrations refused."""
    regions, rows = by_region(uow, ctx, flt, ("registered", REJECTED, INELIGIBLE))
    return Table(
        key="refusals-by-region",
        title=TITLES["refusals-by-region"],
        columns=(
            Column("region", N_("Region"), ColumnKind.CODE),
            Column("name", N_("Name"), ColumnKind.TEXT),
            Column("registered", N_("registered")),
            Column(REJECTED, N_("identity rejected")),
            Column(INELIGIBLE, N_("ineligible")),
            Column("refused_share", N_("Share refused"), ColumnKind.SHARE),
        ),
        rows=tuple(
            (
                code,
                regions.names.get(code, code),
                counts.get("registered", 0),
                counts.get(REJECTED, 0),
                counts.get(INELIGIBLE, 0),
                share(counts.get(REJECTED, 0) + counts.get(INELIGIBLE, 0), counts.get("registered", 0)),
            )
            for code, counts in rows
        ),
        chart=Chart(ChartKind.STACKED, "name", (REJECTED, INELIGIBLE)),
    )
