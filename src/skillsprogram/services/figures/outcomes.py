"""Outcomes: completion, ratings of courses and providers, and what graduates did next
(the latest employment report of each graduate)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, ReportFilter, Table, share
from skillsprogram.domain.models import Application, Course, Purchase, Rating, TrainingProvider
from skillsprogram.domain.settlement_models import EmploymentOutcome
from skillsprogram.i18n import N_
from skillsprogram.services.employment import IN_WORK
from skillsprogram.services.figures.scope import application_conditions, day_conditions, tallied
from skillsprogram.services.figures.titles import TITLES
from skillsprogram.storage.uow import UnitOfWork


def _ratings(
    uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter, by: tuple[Any, ...]
) -> list[tuple[str, str, float, int]]:
    query = (
        select(*by, func.avg(Rating.stars), func.count())
        .select_from(Rating)
        .join(Purchase, col(Purchase.id) == Rating.purchase_id)
        .join(Application, col(Application.id) == Purchase.application_id)
        .join(Course, col(Course.id) == Purchase.course_id)
        .join(TrainingProvider, col(TrainingProvider.id) == Course.provider_id)
        .where(*application_conditions(uow, ctx, flt), *day_conditions(col(Rating.rated_at), flt))
        .group_by(*by)
        .order_by(func.count().desc(), *by)
    )
    return [
        (code, name, round(float(stars), 2), int(count))
        for code, name, stars, count in uow.session.execute(query)
    ]


def _ratings_table(key: str, rows: list[tuple[str, str, float, int]]) -> Table:
    return Table(
        key=key,
        title=TITLES[key],
        columns=(
            Column("code", N_("Code"), ColumnKind.CODE),
            Column("name", N_("Name"), ColumnKind.TEXT),
            Column("stars", N_("Average stars"), ColumnKind.NUMBER),
            Column("ratings", N_("Ratings")),
        ),
        rows=tuple(rows),
        chart=Chart(ChartKind.BARS, "name", ("stars",)),
    )


def course_ratings(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Each rated course's average stars and how many rated it."""
    rows = _ratings(uow, ctx, flt, (col(Course.code), col(Course.title)))
    return _ratings_table("course-ratings", rows)


def provider_ratings(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Each rated provider's average stars over its courses and how many ratings."""
    rows = _ratings(uow, ctx, flt, (col(TrainingProvider.code), col(TrainingProvider.name)))
    return _ratings_table("provider-ratings", rows)


def latest_employment(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> dict[str, int]:
    """Graduates by the status of their latest employment report (one query: a graduate
    reported by two sources counts once, by the most recent report)."""
    ranked = (
        select(
            col(EmploymentOutcome.status).label("status"),
            func.row_number()
            .over(
                partition_by=col(EmploymentOutcome.application_id),
                order_by=(col(EmploymentOutcome.reported_at).desc(), col(EmploymentOutcome.id).desc()),
            )
            .label("rank"),
        )
        .join(Application, col(Application.id) == EmploymentOutcome.application_id)
        .where(
            *application_conditions(uow, ctx, flt), *day_conditions(col(EmploymentOutcome.reported_at), flt)
        )
        .subquery()
    )
    return {
        str(status): int(count)
        for status, count in uow.session.execute(
            select(ranked.c.status, func.count()).where(ranked.c.rank == 1).group_by(ranked.c.status)
        )
    }


def employment(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Graduates followed up, by their latest employment status."""
    counts = latest_employment(uow, ctx, flt)
    followed = sum(counts.values())
    return Table(
        key="employment",
        title=TITLES["employment"],
        note=N_("The latest report of each graduate followed up."),
        columns=(
            Column("status", N_("Status"), ColumnKind.CODE),
            Column("graduates", N_("Graduates")),
            Column("share", N_("Share of those followed up"), ColumnKind.SHARE),
        ),
        rows=tuple(
            (status, count, share(count, followed))
            for status, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ),
        chart=Chart(ChartKind.BARS, "status", ("graduates",)),
    )


def journey(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Applied, studying, graduated, employed: each step with its share of the one before."""
    counts = tallied(uow, ctx, flt, stages=("registered", "course_purchased", "course_completed")).get((), {})
    in_work = sum(count for status, count in latest_employment(uow, ctx, flt).items() if status in IN_WORK)
    steps = (
        ("applied", N_("applied"), counts.get("registered", 0)),
        ("studying", N_("studying (bought a course)"), counts.get("course_purchased", 0)),
        ("graduated", N_("graduated"), counts.get("course_completed", 0)),
        ("employed", N_("in work after training"), in_work),
    )
    return Table(
        key="journey",
        title=TITLES["journey"],
        columns=(
            Column("step", N_("Step"), ColumnKind.CODE),
            Column("label", N_("Step"), ColumnKind.TEXT),
            Column("people", N_("People")),
            Column("share", N_("Share of the step before"), ColumnKind.SHARE),
        ),
        rows=tuple(
            (key, label, count, share(count, steps[index - 1][2]) if index else None)
            for index, (key, label, count) in enumerate(steps)
        ),
        chart=Chart(ChartKind.BARS, "label", ("people",)),
    )
