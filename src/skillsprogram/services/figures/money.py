"""Where the money went: vouchers issued, spent on courses, incentives paid and money
returned, by wave and by rail, and what the programme spent per beneficiary.

These read the per-beneficiary tables (vouchers, purchases, payouts: about a tenth of
the applicants) through their indexes at request time; amounts are in the programme
currency's minor unit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, ReportFilter, Table
from skillsprogram.domain.models import (
    Application,
    Entitlement,
    Payout,
)
from skillsprogram.domain.report_models import ReportTally
from skillsprogram.i18n import N_
from skillsprogram.services.figures.scope import (
    Regions,
    application_conditions,
    day_conditions,
    tallied,
    tally_conditions,
)
from skillsprogram.services.figures.tallies import LEDGER_PREFIX, PAID, PAID_MONEY, SPENT
from skillsprogram.services.figures.titles import TITLES
from skillsprogram.storage.uow import UnitOfWork

#: Ledger transaction kinds by the flow they belong to.
FLOWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("vouchers_issued", N_("vouchers issued"), ("voucher_issue",)),
    ("spent_on_courses", N_("spent on courses"), ("course_capture", "provider_settlement")),
    ("incentives_paid", N_("incentives paid"), ("payout",)),
    (
        "returned",
        N_("returned to the budget (forfeited, expired, revoked, released, cancelled)"),
        (
            "voucher_forfeited",
            "voucher_expired",
            "voucher_revoked",
            "course_release",
            "benefit_cancelled",
            "payout_returned",
        ),
    ),
)


def money_flows(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """The ledger's flows of the programme: transactions and amounts, from the tally the
    last refresh left (the days filter applies; the ledger knows no wave or region)."""
    kinds = {LEDGER_PREFIX + kind: flow for flow, _label, group in FLOWS for kind in group}
    totals: dict[str, list[int]] = {flow: [0, 0] for flow, _label, _group in FLOWS}
    for stage, count, amount in uow.session.execute(
        select(col(ReportTally.stage), func.sum(ReportTally.count), func.sum(ReportTally.amount))
        .where(
            col(ReportTally.programme_id) == ctx.pid,
            col(ReportTally.stage).in_(list(kinds)),
            *tally_conditions(None, ReportFilter(since=flt.since, until=flt.until)),
        )
        .group_by(col(ReportTally.stage))
    ).all():
        total = totals[kinds[stage]]
        total[0] += int(count or 0)
        total[1] += int(amount or 0)
    return Table(
        key="money-flows",
        title=TITLES["money-flows"],
        note=N_("From the ledger; the wave and region filters do not apply here."),
        currency=ctx.config.currency,
        columns=(
            Column("flow", N_("Flow"), ColumnKind.CODE),
            Column("label", N_("Flow"), ColumnKind.TEXT),
            Column("transactions", N_("Transactions")),
            Column("amount", N_("Amount"), ColumnKind.MONEY),
        ),
        rows=tuple((flow, label, *totals[flow]) for flow, label, _group in FLOWS),
        chart=Chart(ChartKind.BARS, "label", ("amount",)),
    )


def money_by_wave(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Vouchers issued, spent on courses and incentives paid, per wave (from the tally)."""
    regions = Regions.load(uow) if flt.region is not None else None
    found: dict[str, dict[int, tuple[int, int]]] = {"voucher_issued": {}, SPENT: {}, PAID_MONEY: {}}
    for wave, stage, count, amount in uow.session.execute(
        select(
            col(ReportTally.wave),
            col(ReportTally.stage),
            func.sum(ReportTally.count),
            func.sum(ReportTally.amount),
        )
        .where(
            col(ReportTally.programme_id) == ctx.pid,
            col(ReportTally.stage).in_(list(found)),
            *tally_conditions(regions, flt),
        )
        .group_by(col(ReportTally.wave), col(ReportTally.stage))
    ).all():
        found[stage][int(wave)] = (int(count or 0), int(amount or 0))
    issued = {w: (n, n * ctx.config.voucher.amount) for w, (n, _amount) in found["voucher_issued"].items()}
    spent, paid = found[SPENT], found[PAID_MONEY]
    waves = sorted(set(issued) | set(spent) | set(paid))
    none = (0, 0)
    return Table(
        key="money-by-wave",
        title=TITLES["money-by-wave"],
        note=N_("Vouchers at their issued value; purchases redeemed or completed; payouts paid."),
        currency=ctx.config.currency,
        columns=(
            Column("wave", N_("Wave"), ColumnKind.CODE),
            Column("vouchers", N_("Vouchers issued")),
            Column("vouchers_amount", N_("Vouchers issued (amount)"), ColumnKind.MONEY),
            Column("purchases", N_("Courses bought")),
            Column("spent", N_("Spent on courses"), ColumnKind.MONEY),
            Column("payouts", N_("Incentives paid")),
            Column("paid", N_("Incentives paid (amount)"), ColumnKind.MONEY),
        ),
        rows=tuple((w, *issued.get(w, none), *spent.get(w, none), *paid.get(w, none)) for w in waves),
        chart=Chart(ChartKind.STACKED, "wave", ("vouchers_amount", "spent", "paid")),
    )


def payouts_by_rail(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Payouts by rail and state: how many, and how much."""
    query = (
        select(col(Payout.rail), col(Payout.status), func.count(), func.sum(Payout.amount))
        .where(
            col(Payout.programme_id) == ctx.pid,
            col(Payout.currency) == ctx.config.currency,
            *day_conditions(col(Payout.created_at), flt),
        )
        .group_by(col(Payout.rail), col(Payout.status))
        .order_by(col(Payout.rail), col(Payout.status))
    )
    if flt.wave is not None or flt.region is not None:
        query = (
            query.join(Entitlement, col(Entitlement.id) == Payout.entitlement_id)
            .join(Application, col(Application.id) == Entitlement.application_id)
            .where(*application_conditions(uow, ctx, flt))
        )
    return Table(
        key="payouts-by-rail",
        title=TITLES["payouts-by-rail"],
        currency=ctx.config.currency,
        columns=(
            Column("rail", N_("Rail"), ColumnKind.CODE),
            Column("status", N_("State"), ColumnKind.CODE),
            Column("payouts", N_("Payouts")),
            Column("amount", N_("Amount"), ColumnKind.MONEY),
        ),
        rows=tuple(
            (rail, status, int(count), int(amount or 0))
            for rail, status, count, amount in uow.session.execute(query)
        ),
        chart=Chart(ChartKind.BARS, "rail", ("amount",)),
    )


def money_per_beneficiary(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """What was spent on courses and paid in incentives, per person selected, per
    completer and per person paid."""
    by_wave = money_by_wave(uow, ctx, flt)
    spent = sum(row[by_wave.column("spent")] for row in by_wave.rows)
    paid = sum(row[by_wave.column("paid")] for row in by_wave.rows)
    counts = tallied(uow, ctx, flt, stages=("selected", "course_completed", PAID)).get((), {})
    people = (
        ("selected", N_("per person selected")),
        ("course_completed", N_("per completer")),
        (PAID, N_("per person paid")),
    )

    def per(total: int, whole: int) -> int | None:
        return round(total / whole) if whole else None

    return Table(
        key="money-per-beneficiary",
        title=TITLES["money-per-beneficiary"],
        note=N_("Spent on courses and incentives paid, divided by the people at each stage (rounded)."),
        currency=ctx.config.currency,
        columns=(
            Column("per", N_("Per"), ColumnKind.CODE),
            Column("label", N_("Per"), ColumnKind.TEXT),
            Column("people", N_("People")),
            Column("spent", N_("Spent on courses"), ColumnKind.MONEY),
            Column("paid", N_("Incentives paid"), ColumnKind.MONEY),
            Column("total", N_("Total"), ColumnKind.MONEY),
        ),
        rows=tuple(
            (
                stage,
                label,
                counts.get(stage, 0),
                per(spent, counts.get(stage, 0)),
                per(paid, counts.get(stage, 0)),
                per(spent + paid, counts.get(stage, 0)),
            )
            for stage, label in people
        ),
        chart=Chart(ChartKind.BARS, "label", ("spent", "paid")),
    )
