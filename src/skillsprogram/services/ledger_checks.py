"""The ledger's invariants, checked against the records they stand for.

``skillsprogram ledger verify`` runs :func:`verify`. Each check is one or two
set-based queries, so it runs on a whole programme. A clean ledger gives no
problem; each violation is one line naming the record.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind
from skillsprogram.domain.lifecycle import EntitlementStatus, PayoutStatus, PurchaseStatus, VoucherStatus
from skillsprogram.domain.models import (
    Entitlement,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    Purchase,
    Voucher,
)
from skillsprogram.domain.payments import Repayment
from skillsprogram.services import ledger
from skillsprogram.services.disbursements import envelope_problems
from skillsprogram.storage.uow import UnitOfWork

#: The ledger transaction kind each purchase step writes (reference ``purchase:<id>``).
PURCHASE_STEPS = {
    PurchaseStatus.PURCHASED.value: ("course_reserve",),
    PurchaseStatus.REDEEMED.value: ("course_reserve", "course_capture"),
    PurchaseStatus.COMPLETED.value: ("course_reserve", "course_capture"),
    PurchaseStatus.CANCELLED.value: ("course_reserve", "course_release"),
}


@dataclass
class LedgerReport:
    """What was checked (records per check) and every violation found."""

    checked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no invariant is violated."""
        return not self.problems


def _balances_by(uow: UnitOfWork, ctx: ProgrammeContext, kind: AccountKind) -> dict[str, int]:
    rows = uow.session.execute(
        select(col(LedgerAccount.owner_id), func.coalesce(func.sum(LedgerEntry.amount), 0))
        .outerjoin(LedgerEntry, col(LedgerEntry.account_id) == LedgerAccount.id)
        .where(col(LedgerAccount.programme_id) == ctx.pid, col(LedgerAccount.kind) == kind.value)
        .group_by(col(LedgerAccount.owner_id))
    ).all()
    return {owner: int(total) for owner, total in rows}


def _references(uow: UnitOfWork, ctx: ProgrammeContext, kinds: tuple[str, ...]) -> dict[str, list[str]]:
    rows = uow.session.execute(
        select(col(LedgerTransaction.reference), col(LedgerTransaction.kind)).where(
            col(LedgerTransaction.programme_id) == ctx.pid, col(LedgerTransaction.kind).in_(kinds)
        )
    ).all()
    found: dict[str, list[str]] = defaultdict(list)
    for reference, kind in rows:
        found[reference].append(kind)
    return found


def verify(uow: UnitOfWork, ctx: ProgrammeContext) -> LedgerReport:
    """Check every invariant of the programme's ledger; see the module documentation."""
    report = LedgerReport()
    _double_entry(uow, ctx, report)
    _vouchers(uow, ctx, report)
    _purchases(uow, ctx, report)
    _payouts(uow, ctx, report)
    _receivables(uow, ctx, report)
    report.problems.extend(envelope_problems(uow, ctx))
    return report


def _double_entry(uow: UnitOfWork, ctx: ProgrammeContext, report: LedgerReport) -> None:
    report.checked["transactions"] = int(
        uow.session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(col(LedgerTransaction.programme_id) == ctx.pid)
        ).scalar_one()
    )
    for transaction_id in ledger.unbalanced_transactions(uow, ctx):
        report.problems.append(f"transaction {transaction_id} does not sum to zero per currency")
    thin = uow.session.execute(
        select(col(LedgerTransaction.id))
        .outerjoin(LedgerEntry, col(LedgerEntry.transaction_id) == LedgerTransaction.id)
        .where(col(LedgerTransaction.programme_id) == ctx.pid)
        .group_by(col(LedgerTransaction.id))
        .having(func.count(col(LedgerEntry.id)) < 2)
    ).scalars()
    report.problems.extend(f"transaction {t} has fewer than two entries" for t in thin)
    foreign = uow.session.execute(
        select(col(LedgerEntry.id), col(LedgerAccount.id))
        .join(LedgerAccount, col(LedgerAccount.id) == LedgerEntry.account_id)
        .where(
            col(LedgerAccount.programme_id) == ctx.pid, col(LedgerEntry.currency) != LedgerAccount.currency
        )
    ).all()
    report.problems.extend(f"entry {e} is not in the currency of account {a}" for e, a in foreign)
    for account_id in ledger.overdrawn_accounts(uow, ctx):
        report.problems.append(f"account {account_id} may not go below zero but does")


def _vouchers(uow: UnitOfWork, ctx: ProgrammeContext, report: LedgerReport) -> None:
    balances = _balances_by(uow, ctx, AccountKind.VOUCHER)
    holds = _balances_by(uow, ctx, AccountKind.VOUCHER_HOLD)
    vouchers = uow.session.execute(
        select(col(Voucher.id), col(Voucher.status))
        .join(LedgerAccount, col(LedgerAccount.id) == Voucher.account_id)
        .where(col(LedgerAccount.programme_id) == ctx.pid)
    ).all()
    open_prices: dict[uuid.UUID, int | None] = dict(
        uow.session.execute(
            select(col(Purchase.voucher_id), func.sum(Purchase.price))
            .where(col(Purchase.status) == PurchaseStatus.PURCHASED.value)
            .group_by(col(Purchase.voucher_id))
        ).all()
    )
    report.checked["vouchers"] = len(vouchers)
    for voucher_id, status in vouchers:
        balance = balances.get(str(voucher_id), 0)
        if status != VoucherStatus.ACTIVE.value and balance != 0:
            report.problems.append(f"voucher {voucher_id} is {status} but still holds {balance}")
        held = holds.get(str(voucher_id), 0)
        reserved = int(open_prices.get(voucher_id, 0) or 0)
        if held != reserved:
            report.problems.append(
                f"voucher {voucher_id} has {held} on hold but its open purchases reserve {reserved}"
            )


def _purchases(uow: UnitOfWork, ctx: ProgrammeContext, report: LedgerReport) -> None:
    steps = _references(uow, ctx, ("course_reserve", "course_capture", "course_release", "course_purchase"))
    purchases = uow.session.execute(
        select(
            col(Purchase.id), col(Purchase.status), col(Purchase.price), col(Purchase.ledger_transaction_id)
        )
        .join(Voucher, col(Voucher.id) == Purchase.voucher_id)
        .join(LedgerAccount, col(LedgerAccount.id) == Voucher.account_id)
        .where(col(LedgerAccount.programme_id) == ctx.pid)
    ).all()
    report.checked["voucher spends"] = len(purchases)
    for purchase_id, status, price, transaction_id in purchases:
        written = sorted(steps.get(f"purchase:{purchase_id}", []))
        if not price:
            if written:
                report.problems.append(f"purchase {purchase_id} is free but has ledger transactions")
            continue
        if written == ["course_purchase"]:
            continue  # bought before spends were two-phase: captured at purchase
        expected = sorted(PURCHASE_STEPS.get(status, ()))
        if written != expected:
            report.problems.append(
                f"purchase {purchase_id} is {status} with ledger steps {written}, expected {expected}"
            )
        if transaction_id is None:
            report.problems.append(f"purchase {purchase_id} does not name its ledger transaction")


def _payouts(uow: UnitOfWork, ctx: ProgrammeContext, report: LedgerReport) -> None:
    paid_kinds = _references(uow, ctx, ("payout", "payout_returned"))
    rows = uow.session.execute(
        select(col(Payout.id), col(Payout.status), col(Payout.rail), col(Payout.amount)).where(
            col(Payout.programme_id) == ctx.pid
        )
    ).all()
    report.checked["payouts"] = len(rows)
    sent: dict[str, int] = defaultdict(int)
    known: set[str] = set()
    for payout_id, status, rail, amount in rows:
        reference = f"payout:{payout_id}"
        known.add(reference)
        kinds = paid_kinds.get(reference, [])
        sent_out, came_back = kinds.count("payout"), kinds.count("payout_returned")
        # A payout may be paid, returned, resent and paid again: what is out is one payment
        # when it is paid, none otherwise, and a return always follows a payment.
        out = sent_out - came_back
        expected_out = 1 if status == PayoutStatus.PAID.value else 0
        if status == PayoutStatus.PAID.value:
            sent[rail] += amount
        if (
            out != expected_out
            or came_back > sent_out
            or (status == PayoutStatus.RETURNED.value and not came_back)
        ):
            report.problems.append(
                f"payout {payout_id} is {status} with ledger steps {sorted(kinds)}: "
                f"{out} payment(s) out, expected {expected_out}"
            )
    for reference in paid_kinds:
        if reference not in known:
            report.problems.append(f"ledger transaction {reference} names no payout of this programme")
    for rail, balance in _balances_by(uow, ctx, AccountKind.RAIL).items():
        if balance != sent.get(rail, 0):
            report.problems.append(
                f"rail {rail} account holds {balance}, payouts paid through it {sent[rail]}"
            )
    owed_rows = uow.session.execute(
        select(func.coalesce(func.sum(Entitlement.amount), 0))
        .outerjoin(Payout, col(Payout.entitlement_id) == Entitlement.id)
        .where(
            col(Entitlement.programme_id) == ctx.pid,
            col(Entitlement.status).in_(
                [EntitlementStatus.EARNED.value, EntitlementStatus.PAYOUT_CREATED.value]
            ),
            col(Payout.id).is_(None) | (col(Payout.status) != PayoutStatus.PAID.value),
        )
    ).scalar_one()
    payable = _balances_by(uow, ctx, AccountKind.BENEFIT_PAYABLE).get("programme", 0)
    if payable != int(owed_rows):
        report.problems.append(f"benefit_payable holds {payable}, unpaid entitlements add up to {owed_rows}")


def _receivables(uow: UnitOfWork, ctx: ProgrammeContext, report: LedgerReport) -> None:
    receivables = _balances_by(uow, ctx, AccountKind.RECEIVABLE)
    repaid: dict[uuid.UUID, int] = {
        application_id: int(total)
        for application_id, total in uow.session.execute(
            select(col(Repayment.application_id), func.sum(Repayment.amount))
            .where(col(Repayment.programme_id) == ctx.pid)
            .group_by(col(Repayment.application_id))
        ).all()
    }
    report.checked["receivables"] = len(receivables)
    for owner, balance in receivables.items():
        if balance > 0:
            report.problems.append(f"receivable of application {owner} is overpaid by {balance}")
    for application_id in repaid:
        if str(application_id) not in receivables:
            report.problems.append(f"repayment by application {application_id} without a receivable")
    collected = sum(_balances_by(uow, ctx, AccountKind.COLLECTIONS).values())
    if -collected != sum(repaid.values()):
        report.problems.append(f"collections hold {-collected}, repayments add up to {sum(repaid.values())}")


__all__ = ["LedgerReport", "verify"]
