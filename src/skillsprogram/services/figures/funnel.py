"""The funnel: how many applications reached each stage, overall, by wave, by day and by
region (at any level of the hierarchy), with take-up, completion and payment rates."""

from __future__ import annotations

from typing import Any

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, ReportFilter, Table, share
from skillsprogram.i18n import N_
from skillsprogram.services.figures.scope import Regions, tallied
from skillsprogram.services.figures.tallies import PAID
from skillsprogram.services.figures.titles import TITLES
from skillsprogram.storage.uow import UnitOfWork

#: The funnel's stages in order (tally stage, English label).
STAGES: tuple[tuple[str, str], ...] = (
    ("registered", N_("registered")),
    ("identity_verified", N_("identity verified")),
    ("identity_rejected", N_("identity rejected")),
    ("screened_eligible", N_("eligible")),
    ("screened_ineligible", N_("ineligible")),
    ("selected", N_("selected")),
    ("waitlisted", N_("waitlisted for a later wave")),
    ("voucher_issued", N_("voucher issued")),
    ("voucher_forfeited", N_("voucher forfeited (no purchase in time)")),
    ("course_purchased", N_("bought a course")),
    ("course_completed", N_("completed training")),
    ("course_rated", N_("rated a course")),
    ("survey_answered", N_("answered a survey")),
    (PAID, N_("paid (at least one incentive)")),
    ("revoked", N_("revoked")),
)

#: The rates: (key, label, numerator stage, denominator stage).
RATES: tuple[tuple[str, str, str, str], ...] = (
    ("take_up", N_("take-up (bought / voucher issued)"), "course_purchased", "voucher_issued"),
    ("completion", N_("completion (completed / bought)"), "course_completed", "course_purchased"),
    ("payment", N_("payment (paid / completed)"), PAID, "course_completed"),
)

#: The stages a breakdown (by wave, day, region) shows side by side.
BREAKDOWN = (
    "registered",
    "screened_eligible",
    "selected",
    "voucher_issued",
    "course_purchased",
    "course_completed",
    PAID,
)


def stages(ctx: ProgrammeContext) -> list[tuple[str, str]]:
    """The funnel's stages for this programme (no survey row without surveys)."""
    return [(stage, label) for stage, label in STAGES if stage != "survey_answered" or ctx.config.surveys]


def _label(stage: str) -> str:
    return dict(STAGES)[stage]


def rates_of(counts: dict[str, int]) -> list[float | None]:
    """The take-up, completion and payment rates of one set of stage counts."""
    return [share(counts.get(part, 0), counts.get(whole, 0)) for _key, _label, part, whole in RATES]


def _breakdown_columns() -> tuple[Column, ...]:
    return tuple(Column(stage, _label(stage)) for stage in BREAKDOWN) + tuple(
        Column(key, label, ColumnKind.SHARE) for key, label, _part, _whole in RATES
    )


def _breakdown_row(counts: dict[str, int]) -> tuple[Any, ...]:
    return tuple(counts.get(stage, 0) for stage in BREAKDOWN) + tuple(rates_of(counts))


def funnel(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Applications reaching each stage, and each as a share of those registered."""
    counts = tallied(uow, ctx, flt).get((), {})
    registered = counts.get("registered", 0)
    return Table(
        key="funnel-stages",
        title=TITLES["funnel-stages"],
        note=N_("Applications that reached each stage; an application reaching a stage twice counts once."),
        columns=(
            Column("stage", N_("Stage"), ColumnKind.CODE),
            Column("label", N_("Stage"), ColumnKind.TEXT),
            Column("count", N_("Applications")),
            Column("share", N_("Share of registered"), ColumnKind.SHARE),
        ),
        rows=tuple(
            (stage, label, counts.get(stage, 0), share(counts.get(stage, 0), registered))
            for stage, label in stages(ctx)
        ),
        chart=Chart(ChartKind.BARS, "label", ("count",)),
    )


def funnel_rates(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Take-up, completion and payment: each rate with its parts."""
    counts = tallied(uow, ctx, flt).get((), {})
    return Table(
        key="funnel-rates",
        title=TITLES["funnel-rates"],
        columns=(
            Column("rate", N_("Rate"), ColumnKind.CODE),
            Column("label", N_("Rate"), ColumnKind.TEXT),
            Column("part", N_("Applications")),
            Column("whole", N_("Out of")),
            Column("share", N_("Rate"), ColumnKind.SHARE),
        ),
        rows=tuple(
            (
                key,
                label,
                counts.get(part, 0),
                counts.get(whole, 0),
                share(counts.get(part, 0), counts.get(whole, 0)),
            )
            for key, label, part, whole in RATES
        ),
        chart=Chart(ChartKind.BARS, "label", ("share",)),
    )


def funnel_by_wave(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """The funnel of each wave (``0``: applications not drawn into one yet)."""
    found = tallied(uow, ctx, flt, by=("wave",), stages=BREAKDOWN)
    return Table(
        key="funnel-by-wave",
        title=TITLES["funnel-by-wave"],
        note=N_("Wave 0 holds the applications not drawn into a wave yet."),
        columns=(Column("wave", N_("Wave"), ColumnKind.CODE), *_breakdown_columns()),
        rows=tuple((wave, *_breakdown_row(counts)) for (wave,), counts in sorted(found.items())),
        chart=Chart(ChartKind.BARS, "wave", BREAKDOWN),
    )


def funnel_by_day(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """How many reached each stage on each day (UTC)."""
    found = tallied(uow, ctx, flt, by=("day",), stages=BREAKDOWN)
    return Table(
        key="funnel-by-day",
        title=TITLES["funnel-by-day"],
        columns=(
            Column("day", N_("Day"), ColumnKind.DATE),
            *(Column(stage, _label(stage)) for stage in BREAKDOWN),
        ),
        rows=tuple(
            (day, *(counts.get(stage, 0) for stage in BREAKDOWN)) for (day,), counts in sorted(found.items())
        ),
        chart=Chart(ChartKind.LINE, "day", BREAKDOWN),
    )


def by_region(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    flt: ReportFilter,
    stages: tuple[str, ...] | None = None,
) -> tuple[Regions, list[tuple[str, dict[str, int]]]]:
    """Stage counts of each child of the filter's region (the top level without one), in
    code order: the leaf tallies summed up the hierarchy."""
    regions = Regions.load(uow)
    found = tallied(uow, ctx, flt, by=("region_code",), stages=stages, regions=regions)
    sums: dict[str, dict[str, int]] = {code: {} for code in regions.children(flt.region)}
    for (code,), counts in found.items():
        child = regions.under(flt.region, code)
        if child is None:
            continue
        into = sums.setdefault(child, {})
        for stage, count in counts.items():
            into[stage] = into.get(stage, 0) + count
    return regions, sorted(sums.items())


def funnel_by_region(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """The funnel of each region one level under the filter's region."""
    regions, rows = by_region(uow, ctx, flt, BREAKDOWN)
    return Table(
        key="funnel-by-region",
        title=TITLES["funnel-by-region"],
        note=N_(
            "Each region directly under the chosen one (the top level without one), with everything below it."
        ),
        columns=(
            Column("region", N_("Region"), ColumnKind.CODE),
            Column("name", N_("Name"), ColumnKind.TEXT),
            *_breakdown_columns(),
        ),
        rows=tuple((code, regions.names.get(code, code), *_breakdown_row(counts)) for code, counts in rows),
        chart=Chart(ChartKind.BARS, "name", ("registered", "selected", "course_completed")),
    )
