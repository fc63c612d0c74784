"""Monitoring figures: the programme funnel and where the money went."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.figures import ReportFilter
from skillsprogram.domain.lifecycle import EntitlementStatus, PayoutStatus
from skillsprogram.domain.models import (
    Application,
    Entitlement,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Purchase,
)
from skillsprogram.domain.settlement_models import ProviderSettlement, SettlementItem
from skillsprogram.services.employment import IN_WORK
from skillsprogram.services.figures.outcomes import latest_employment
from skillsprogram.services.figures.scope import tallied
from skillsprogram.services.figures.tallies import PAID, rules_failed
from skillsprogram.services.settlements import PAYABLE_STATES
from skillsprogram.storage.uow import UnitOfWork

#: Funnel stages in order: the audit action that marks reaching each one.
STAGES = (
    ("registered", "registered"),
    ("identity verified", "identity_verified"),
    ("identity rejected", "identity_rejected"),
    ("eligible", "screened_eligible"),
    ("ineligible", "screened_ineligible"),
    ("selected", "selected"),
    ("waitlisted for a later wave", "waitlisted"),
    ("voucher issued", "voucher_issued"),
    ("voucher forfeited (no purchase in time)", "voucher_forfeited"),
    ("bought a course", "course_purchased"),
    ("completed training", "course_completed"),
    ("rated a course", "course_rated"),
    ("answered a survey", "survey_answered"),
    ("revoked", "revoked"),
)


@dataclass
class Funnel:
    """Counts per stage, ineligibility by rule, payouts and money moved by currency."""

    stages: list[tuple[str, int]] = field(default_factory=list)
    ineligible_by_rule: list[tuple[str, int]] = field(default_factory=list)
    current_status: dict[str, int] = field(default_factory=dict)
    payouts: list[tuple[str, str, int, int]] = field(default_factory=list)
    paid_people: int = 0
    money: list[tuple[str, str, int]] = field(default_factory=list)
    benefits: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(benefit, state, instalments, amount): paid, in progress, failed, awaiting an account,
    or withheld because the benefit's condition was not met."""
    settlements: list[tuple[str, int, int, int]] = field(default_factory=list)
    """(status, settlements, enrolments, amount) of provider settlements."""
    employment: list[tuple[str, int]] = field(default_factory=list)
    """(status, graduates) at follow-up; a graduate reported by two sources counts once, by
    the most recent report."""


def payouts_by_status(uow: UnitOfWork, ctx: ProgrammeContext) -> list[tuple[str, str, int, int]]:
    """(status, currency, payouts, amount) of the programme's payouts: each payout once,
    however many times it was sent."""
    return [
        (status, currency, int(count), int(amount))
        for status, currency, count, amount in uow.session.execute(
            select(col(Payout.status), col(Payout.currency), func.count(), func.sum(Payout.amount))
            .where(col(Payout.programme_id) == ctx.pid)
            .group_by(col(Payout.status), col(Payout.currency))
            .order_by(col(Payout.status), col(Payout.currency))
        ).all()
    ]


def funnel(uow: UnitOfWork, ctx: ProgrammeContext) -> Funnel:
    """How many applications reached each stage (the report tallies, as the last
    :func:`skillsprogram.services.figures.refresh` left them), current statuses, and the
    money from the ledger."""
    report = Funnel()
    reached = tallied(uow, ctx, ReportFilter()).get((), {})
    report.stages = [
        (label, reached.get(action, 0))
        for label, action in STAGES
        if action != "survey_answered" or ctx.config.surveys  # no survey row without surveys
    ]
    report.ineligible_by_rule = rules_failed(reached)
    report.current_status = {
        status: int(count)
        for status, count in uow.session.execute(
            select(col(Application.status), func.count())
            .where(col(Application.programme_id) == ctx.pid)
            .group_by(col(Application.status))
        ).all()
    }
    report.payouts = payouts_by_status(uow, ctx)
    report.paid_people = reached.get(PAID, 0)
    report.money = [
        (kind, currency, int(total))
        for kind, currency, total in uow.session.execute(
            select(col(LedgerTransaction.kind), col(LedgerEntry.currency), func.sum(LedgerEntry.amount))
            .join(LedgerTransaction, col(LedgerTransaction.id) == LedgerEntry.transaction_id)
            .where(col(LedgerTransaction.programme_id) == ctx.pid, col(LedgerEntry.amount) > 0)
            .group_by(col(LedgerTransaction.kind), col(LedgerEntry.currency))
            .order_by(col(LedgerTransaction.kind))
        ).all()
    ]
    report.benefits = benefits_by_state(uow, ctx)
    report.settlements = [
        (status, int(count), int(enrolments), int(amount))
        for status, count, enrolments, amount in uow.session.execute(
            select(
                col(ProviderSettlement.status),
                func.count(),
                func.sum(ProviderSettlement.enrolments),
                func.sum(ProviderSettlement.amount),
            )
            .where(col(ProviderSettlement.programme_id) == ctx.pid)
            .group_by(col(ProviderSettlement.status))
            .order_by(col(ProviderSettlement.status))
        ).all()
    ]
    if ctx.config.provider_settlement is not None:
        waiting, owed = unsettled_enrolments(uow, ctx)
        if waiting:
            report.settlements.append(("awaiting a verified provider account", 0, waiting, owed))
    report.employment = sorted(
        latest_employment(uow, ctx, ReportFilter()).items(), key=lambda item: (-item[1], item[0])
    )
    if report.employment:
        followed = sum(count for _status, count in report.employment)
        in_work = sum(count for status, count in report.employment if status in IN_WORK)
        report.stages += [("followed up after graduation", followed), ("in work after training", in_work)]
    return report


def _benefit_state(entitlement: str, payout: str | None) -> str:
    if entitlement == EntitlementStatus.PAYOUT_CREATED.value:
        return {PayoutStatus.PAID.value: "paid", PayoutStatus.FAILED.value: "payout failed"}.get(
            payout or "", "payout in progress"
        )
    return {
        EntitlementStatus.EARNED.value: "awaiting a verified account",
        EntitlementStatus.WITHHELD.value: "withheld (condition not met)",
    }.get(entitlement, entitlement)


def benefits_by_state(uow: UnitOfWork, ctx: ProgrammeContext) -> list[tuple[str, str, int, int]]:
    """Instalments per benefit and where they stand: paid, in progress, failed, awaiting an
    account, or withheld because their condition was not met."""
    totals: dict[tuple[str, str], list[int]] = {}
    for benefit, entitlement, payout, count, amount in uow.session.execute(
        select(
            col(Entitlement.benefit),
            col(Entitlement.status),
            col(Payout.status),
            func.count(),
            func.sum(Entitlement.amount),
        )
        .outerjoin(Payout, col(Payout.entitlement_id) == Entitlement.id)
        .where(col(Entitlement.programme_id) == ctx.pid)
        .group_by(col(Entitlement.benefit), col(Entitlement.status), col(Payout.status))
    ).all():
        total = totals.setdefault((benefit, _benefit_state(entitlement, payout)), [0, 0])
        total[0] += int(count)
        total[1] += int(amount)
    return [(benefit, state, count, amount) for (benefit, state), (count, amount) in sorted(totals.items())]


def unsettled_enrolments(uow: UnitOfWork, ctx: ProgrammeContext) -> tuple[int, int]:
    """Payable enrolments not settled yet (their provider has no verified account): count, amount."""
    rules = ctx.config.provider_settlement
    assert rules is not None
    count, amount = uow.session.execute(
        select(func.count(), func.coalesce(func.sum(Purchase.price), 0))
        .join(Application, col(Application.id) == Purchase.application_id)
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Purchase.status).in_([s.value for s in PAYABLE_STATES[rules.settle_when]]),
            col(Purchase.id).not_in(select(col(SettlementItem.purchase_id))),
        )
    ).one()
    return int(count), int(amount)
