"""Inclusion: how the groups the configuration defines fare through the funnel, each
stage's count and its share of everyone at that stage."""

from __future__ import annotations

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, ReportFilter, Table, share
from skillsprogram.i18n import N_
from skillsprogram.services.figures.funnel import STAGES
from skillsprogram.services.figures.groups import check_groups
from skillsprogram.services.figures.scope import tallied
from skillsprogram.services.figures.tallies import GROUP_STAGES, group_stage
from skillsprogram.services.figures.titles import TITLES
from skillsprogram.storage.uow import UnitOfWork


def inclusion(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Per inclusion group: registered, selected, completed and paid, each with its share
    of all applications at that stage."""
    check_groups(ctx)
    counts = tallied(uow, ctx, flt).get((), {})
    labels = dict(STAGES)
    columns: list[Column] = [
        Column("group", N_("Group"), ColumnKind.CODE),
        Column("label", N_("Group"), ColumnKind.TEXT),
    ]
    for stage in GROUP_STAGES:
        columns += [
            Column(stage, labels[stage]),
            Column(f"{stage}_share", N_("Share of all at this stage"), ColumnKind.SHARE),
        ]
    rows = []
    for group in ctx.config.reports.inclusion:
        row: list[object] = [group.code, group.label]
        for stage in GROUP_STAGES:
            count = counts.get(group_stage(group.code, stage), 0)
            row += [count, share(count, counts.get(stage, 0))]
        rows.append(tuple(row))
    return Table(
        key="inclusion",
        title=TITLES["inclusion"],
        note=N_(
            "Groups the configuration defines ([reports] inclusion); shares are of everyone at the stage."
        ),
        columns=tuple(columns),
        rows=tuple(rows),
        chart=Chart(ChartKind.BARS, "label", tuple(f"{stage}_share" for stage in GROUP_STAGES)),
    )
