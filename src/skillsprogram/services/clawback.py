"""What revoked beneficiaries owe back, and the repayments they make.

Revocation (:mod:`skillsprogram.services.revocation`) turns what was paid into a
receivable where ``clawback_paid_benefits`` is set: the receivable account goes
negative by the debt. A repayment moves money in through the ``collections``
account and brings the receivable back towards zero; it can never overpay it,
and one bank reference is recorded once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import Application, LedgerAccount
from skillsprogram.domain.payments import Repayment
from skillsprogram.domain.types import new_id
from skillsprogram.errors import ApplicationNotFound, DomainError, InvalidTransition, ValidationFailed
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.outcomes import Outcome, each, single
from skillsprogram.storage.rows import RepaymentRow
from skillsprogram.storage.uow import UnitOfWork


class Overpayment(DomainError):
    """A repayment larger than what is still owed."""

    code = "repayment-exceeds-debt"


class DuplicateRepayment(DomainError):
    """A repayment whose reference was recorded before."""

    code = "duplicate-repayment"


@dataclass(frozen=True, slots=True)
class RepaymentIn:
    """Money a beneficiary paid back, as the collecting bank reports it."""

    application_id: uuid.UUID
    amount: int
    reference: str


def outstanding(
    uow: UnitOfWork, ctx: ProgrammeContext, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """What each application still owes (0 when nothing)."""
    rows = list(
        uow.rows_among(
            select(col(LedgerAccount.owner_id), col(LedgerAccount.id)).where(_receivables(ctx)),
            col(LedgerAccount.owner_id),
            [str(a) for a in application_ids],
        )
    )
    balances = ledger.balances(uow, [account_id for _, account_id in rows])
    owed = {uuid.UUID(owner): -balances[account_id] for owner, account_id in rows}
    return {a: owed.get(a, 0) for a in application_ids}


def record_repayment(uow: UnitOfWork, ctx: ProgrammeContext, repayment: RepaymentIn) -> uuid.UUID:
    """Record one repayment (see :func:`record_repayments`)."""
    return single(record_repayments(uow, ctx, [repayment]))


def record_repayments(
    uow: UnitOfWork, ctx: ProgrammeContext, repayments: Sequence[RepaymentIn]
) -> list[Outcome[uuid.UUID]]:
    """Record repayments against receivables; returns the repayment id or the refusal of each.

    The receivables are locked first (PostgreSQL; SQLite's single writer otherwise), so
    two collections of the same debt can never overpay it together.
    """
    apps = list({r.application_id for r in repayments})
    receivables = select(col(LedgerAccount.owner_id)).where(_receivables(ctx))
    list(uow.scalars_among(receivables, col(LedgerAccount.owner_id), [str(a) for a in apps], lock=True))
    owed = outstanding(uow, ctx, apps)
    statuses = dict(
        uow.rows_among(
            select(col(Application.id), col(Application.status)).where(
                col(Application.programme_id) == ctx.pid
            ),
            col(Application.id),
            apps,
        )
    )
    known = set(
        uow.scalars_among(
            select(col(Repayment.reference)).where(col(Repayment.programme_id) == ctx.pid),
            col(Repayment.reference),
            [r.reference for r in repayments],
        )
    )
    collections = ledger.account(uow, ctx, AccountKind.COLLECTIONS, "programme")
    now = ctx.clock.now()

    def accept(repayment: RepaymentIn) -> tuple[RepaymentIn, int]:
        if repayment.application_id not in statuses:
            raise ApplicationNotFound(repayment.application_id)
        if statuses[repayment.application_id] != ApplicationStatus.REVOKED.value:
            raise InvalidTransition("only a revoked beneficiary repays", code="not-revoked")
        if (
            isinstance(repayment.amount, bool)
            or not isinstance(repayment.amount, int)
            or repayment.amount <= 0
        ):
            raise ValidationFailed("a repayment is a positive integer amount", code="invalid-amount")
        if not repayment.reference.strip():
            raise ValidationFailed("a repayment needs its bank reference", code="reference-required")
        if repayment.reference in known:
            raise DuplicateRepayment(f"repayment {repayment.reference} was recorded before")
        if repayment.amount > owed[repayment.application_id]:
            raise Overpayment(
                f"{repayment.amount} repaid but {owed[repayment.application_id]} is owed",
                owed=owed[repayment.application_id],
            )
        known.add(repayment.reference)
        owed[repayment.application_id] -= repayment.amount
        return repayment, owed[repayment.application_id]

    def write(repayment: RepaymentIn, still_owed: int) -> uuid.UUID:
        receivable = ledger.account(uow, ctx, AccountKind.RECEIVABLE, str(repayment.application_id))
        (transaction_id,) = ledger.post(
            uow,
            ctx,
            [
                transfer(
                    "repayment",
                    f"repayment:{repayment.reference}",
                    collections,
                    receivable,
                    repayment.amount,
                    ctx.config.currency,
                )
            ],
        )
        repayment_id = new_id()
        row: RepaymentRow = {
            "id": repayment_id,
            "programme_id": ctx.pid,
            "application_id": repayment.application_id,
            "amount": repayment.amount,
            "currency": ctx.config.currency,
            "reference": repayment.reference,
            "received_at": now,
            "ledger_transaction_id": transaction_id,
        }
        uow.insert_rows(Repayment, [row])
        record(
            uow,
            ctx,
            [
                Change(
                    "application",
                    repayment.application_id,
                    "repayment_recorded",
                    ApplicationStatus.REVOKED,
                    ApplicationStatus.REVOKED,
                    {
                        "amount": repayment.amount,
                        "reference": repayment.reference,
                        "still_owed": still_owed,
                    },
                )
            ],
        )
        return repayment_id

    return [
        Outcome(write(*checked.value)) if checked.value is not None else Outcome(error=checked.error)
        for checked in each(repayments, accept)
    ]


def _receivables(ctx: ProgrammeContext) -> ColumnElement[bool]:
    """The condition that picks the programme's receivable accounts (one per revoked
    beneficiary who was paid, owned by the application)."""
    return and_(
        col(LedgerAccount.programme_id) == ctx.pid,
        col(LedgerAccount.kind) == AccountKind.RECEIVABLE.value,
    )
