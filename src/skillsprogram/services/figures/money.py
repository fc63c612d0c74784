"""Where the money went: vouchers issued, spent on courses, incentives paid and money
returned, by wave and by rail, and what the programme spent per beneficiary.

These read the per-beneficiary tables (vouchers, purchases, payouts: about a tenth of
the applicants) through their indexes at request time; amounts are in the programme
currency's minor unit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, func, literal, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import Chart, ChartKind, Column, ColumnKind, ReportFilter, Table
from skillsprogram.domain.lifecycle import PayoutStatus, PurchaseStatus
from skillsprogram.domain.models import (
    Application,
    Entitlement,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Purchase,
    Voucher,
    Wave,
)
from skillsprogram.i18n import N_
from skillsprogram.services.figures.scope import application_conditions, day_conditions, tallied
from skillsprogram.services.figures.tallies import PAID
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
SPENT = (PurchaseStatus.REDEEMED.value, PurchaseStatus.COMPLETED.value)


def money_flows(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """The ledger's flows of the programme: transactions and amounts (the days filter
    applies; the ledger knows no wave or region)."""
    kinds = {kind: flow for flow, _label, group in FLOWS for kind in group}
    totals: dict[str, list[int]] = {flow: [0, 0] for flow, _label, _group in FLOWS}
    for kind, count, amount in uow.session.execute(
        select(col(LedgerTransaction.kind), func.count(), func.sum(LedgerEntry.amount))
        .join(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
        .where(
            col(LedgerTransaction.programme_id) == ctx.pid,
            col(LedgerTransaction.kind).in_(list(kinds)),
            col(LedgerEntry.amount) > 0,
            col(LedgerEntry.currency) == ctx.config.currency,
            *day_conditions(col(LedgerTransaction.created_at), flt),
        )
        .group_by(col(LedgerTransaction.kind))
    ).all():
        total = totals[kinds[kind]]
        total[0] += int(count)
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


def _by_wave(uow: UnitOfWork, query: Any) -> dict[int, tuple[int, int]]:
    return {
        int(wave or 0): (int(count), int(amount or 0)) for wave, count, amount in uow.session.execute(query)
    }


def money_by_wave(uow: UnitOfWork, ctx: ProgrammeContext, flt: ReportFilter) -> Table:
    """Vouchers issued, spent on courses and incentives paid, per wave."""
    scope = application_conditions(uow, ctx, flt)
    wave = func.coalesce(col(Wave.number), 0)

    def per_wave(select_from: Any, amount: Any, *where: Any) -> dict[int, tuple[int, int]]:
        return _by_wave(
            uow,
            select(wave, func.count(), func.sum(amount))
            .select_from(select_from)
            .outerjoin(Wave, col(Wave.id) == Application.wave_id)
            .where(*scope, *where)
            .group_by(wave),
        )

    issued = per_wave(
        Voucher.__table__.join(Application, col(Application.id) == Voucher.application_id),  # type: ignore[attr-defined]
        literal(ctx.config.voucher.amount, BigInteger()),
        *day_conditions(col(Voucher.issued_at), flt),
    )
    spent = per_wave(
        Purchase.__table__.join(Application, col(Application.id) == Purchase.application_id),  # type: ignore[attr-defined]
        col(Purchase.price),
        col(Purchase.status).in_(SPENT),
        col(Purchase.currency) == ctx.config.currency,
        *day_conditions(col(Purchase.purchased_at), flt),
    )
    paid = per_wave(
        Payout.__table__.join(Entitlement, col(Entitlement.id) == Payout.entitlement_id).join(  # type: ignore[attr-defined]
            Application, col(Application.id) == Entitlement.application_id
        ),
        col(Payout.amount),
        col(Payout.status) == PayoutStatus.PAID.value,
        col(Payout.currency) == ctx.config.currency,
        *day_conditions(col(Payout.updated_at), flt),
    )
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
