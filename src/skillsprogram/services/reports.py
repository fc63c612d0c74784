"""Monitoring figures: the programme funnel and where the money went."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import EntitlementStatus, PayoutStatus
from skillsprogram.domain.models import (
    Application,
    AuditEvent,
    EligibilityFinding,
    Entitlement,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Purchase,
)
from skillsprogram.domain.settlement_models import EmploymentOutcome, ProviderSettlement, SettlementItem
from skillsprogram.services.employment import IN_WORK
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
            select(Payout.status, Payout.currency, func.count(), func.sum(Payout.amount))
            .where(Payout.programme_id == ctx.pid)
            .group_by(Payout.status, Payout.currency)
            .order_by(Payout.status, Payout.currency)
        ).all()
    ]


def funnel(uow: UnitOfWork, ctx: ProgrammeContext) -> Funnel:
    """How many applications reached each stage, from the audit log and the ledger."""
    report = Funnel()
    reached = dict(
        uow.session.execute(
            select(AuditEvent.action, func.count(distinct(AuditEvent.entity_id)))
            .where(AuditEvent.programme_id == ctx.pid, AuditEvent.entity == "application")
            .group_by(AuditEvent.action)
        ).all()
    )
    report.stages = [
        (label, int(reached.get(action, 0)))
        for label, action in STAGES
        if action != "survey_answered" or ctx.config.surveys  # no survey row without surveys
    ]
    report.ineligible_by_rule = [
        (rule, int(count))
        for rule, count in uow.session.execute(
            select(EligibilityFinding.rule, func.count(distinct(EligibilityFinding.application_id)))
            .join(Application, Application.id == EligibilityFinding.application_id)
            .where(Application.programme_id == ctx.pid, EligibilityFinding.passed.is_(False))
            .group_by(EligibilityFinding.rule)
            .order_by(func.count(distinct(EligibilityFinding.application_id)).desc())
        ).all()
    ]
    report.current_status = {
        status: int(count)
        for status, count in uow.session.execute(
            select(Application.status, func.count())
            .where(Application.programme_id == ctx.pid)
            .group_by(Application.status)
        ).all()
    }
    report.payouts = payouts_by_status(uow, ctx)
    report.paid_people = int(
        uow.session.execute(
            select(func.count(distinct(Entitlement.application_id)))
            .join(Payout, Payout.entitlement_id == Entitlement.id)
            .where(Payout.programme_id == ctx.pid, Payout.status == PayoutStatus.PAID.value)
        ).scalar_one()
    )
    report.money = [
        (kind, currency, int(total))
        for kind, currency, total in uow.session.execute(
            select(LedgerTransaction.kind, LedgerEntry.currency, func.sum(LedgerEntry.amount))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerTransaction.programme_id == ctx.pid, LedgerEntry.amount > 0)
            .group_by(LedgerTransaction.kind, LedgerEntry.currency)
            .order_by(LedgerTransaction.kind)
        ).all()
    ]
    report.benefits = benefits_by_state(uow, ctx)
    report.settlements = [
        (status, int(count), int(enrolments), int(amount))
        for status, count, enrolments, amount in uow.session.execute(
            select(
                ProviderSettlement.status,
                func.count(),
                func.sum(ProviderSettlement.enrolments),
                func.sum(ProviderSettlement.amount),
            )
            .where(ProviderSettlement.programme_id == ctx.pid)
            .group_by(ProviderSettlement.status)
            .order_by(ProviderSettlement.status)
        ).all()
    ]
    if ctx.config.provider_settlement is not None:
        waiting, owed = unsettled_enrolments(uow, ctx)
        if waiting:
            report.settlements.append(("awaiting a verified provider account", 0, waiting, owed))
    report.employment = employment_summary(uow, ctx)
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
            Entitlement.benefit, Entitlement.status, Payout.status, func.count(), func.sum(Entitlement.amount)
        )
        .outerjoin(Payout, Payout.entitlement_id == Entitlement.id)
        .where(Entitlement.programme_id == ctx.pid)
        .group_by(Entitlement.benefit, Entitlement.status, Payout.status)
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
        .join(Application, Application.id == Purchase.application_id)
        .where(
            Application.programme_id == ctx.pid,
            Purchase.status.in_([s.value for s in PAYABLE_STATES[rules.settle_when]]),
            Purchase.id.not_in(select(SettlementItem.purchase_id)),
        )
    ).one()
    return int(count), int(amount)


def employment_summary(uow: UnitOfWork, ctx: ProgrammeContext) -> list[tuple[str, int]]:
    """Graduates by employment status at follow-up (the latest report of each graduate)."""
    latest: dict[object, tuple[object, str]] = {}
    for application_id, status, reported_at in uow.session.execute(
        select(EmploymentOutcome.application_id, EmploymentOutcome.status, EmploymentOutcome.reported_at)
        .join(Application, Application.id == EmploymentOutcome.application_id)
        .where(Application.programme_id == ctx.pid)
    ).all():
        known = latest.get(application_id)
        if known is None or reported_at >= known[0]:
            latest[application_id] = (reported_at, status)
    counts: dict[str, int] = {}
    for _when, status in latest.values():
        counts[status] = counts.get(status, 0) + 1
    return sorted(counts.items(), key=lambda item: -item[1])
