"""Revocation: a beneficiary found ineligible loses the programme; money comes back."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import (
    ApplicationStatus,
    EntitlementStatus,
    PayoutStatus,
    VoucherStatus,
)
from skillsprogram.domain.models import Entitlement, Payout, Voucher
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import ledger
from skillsprogram.services.transitions import load_for_move, move_one
from skillsprogram.services.vouchers import release_vouchers
from skillsprogram.storage.uow import UnitOfWork


def revoke(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID, reason: str) -> dict[str, int]:
    """Revoke an application: the unspent voucher returns to the budget, unpaid benefits
    are cancelled, and (where ``clawback_paid_benefits``) what was paid becomes a receivable.

    Returns the amounts released, cancelled and claimed back.
    """
    if not reason.strip():
        raise ValidationFailed("a revocation needs a reason", code="reason-required", field="reason")
    application = load_for_move(uow, ctx, application_id)
    released = cancelled = claimed = 0
    voucher = uow.session.execute(
        select(Voucher).where(Voucher.application_id == application_id)
    ).scalar_one_or_none()
    if voucher is not None and voucher.status == VoucherStatus.ACTIVE.value:
        released = release_vouchers(uow, ctx, [(voucher.id, voucher.account_id)], VoucherStatus.REVOKED)
    budget = ledger.budget_account(uow, ctx)
    owed = ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme")
    unpaid = (
        uow.session.execute(
            select(Entitlement)
            .outerjoin(Payout, Payout.entitlement_id == Entitlement.id)
            .where(
                Entitlement.application_id == application_id,
                Entitlement.status.in_(
                    [
                        EntitlementStatus.EARNED.value,
                        EntitlementStatus.PAYOUT_CREATED.value,
                    ]
                ),
                (Payout.id.is_(None)) | (Payout.status == PayoutStatus.SCHEDULED.value),
            )
        )
        .scalars()
        .all()
    )
    postings = []
    for entitlement in unpaid:
        entitlement.status = EntitlementStatus.CANCELLED.value
        cancelled += entitlement.amount
        postings.append(
            transfer(
                "benefit_cancelled",
                f"entitlement:{entitlement.id}",
                owed,
                budget,
                entitlement.amount,
                entitlement.currency,
            )
        )
    uow.session.execute(
        update(Payout)
        .where(
            Payout.entitlement_id.in_([e.id for e in unpaid]),
            Payout.status == PayoutStatus.SCHEDULED.value,
        )
        .values(status=PayoutStatus.CANCELLED.value, updated_at=ctx.clock.now())
        .execution_options(synchronize_session=False)
    )
    if ctx.config.clawback_paid_benefits:
        claimed = int(
            uow.session.execute(
                select(func.coalesce(func.sum(Payout.amount), 0))
                .join(Entitlement, Entitlement.id == Payout.entitlement_id)
                .where(
                    Entitlement.application_id == application_id,
                    Payout.status == PayoutStatus.PAID.value,
                )
            ).scalar_one()
        )
        if claimed:
            receivable = ledger.account(uow, ctx, AccountKind.RECEIVABLE, str(application_id))
            # The beneficiary now owes what was paid: the receivable goes negative by the
            # debt and the programme's net cost falls by the same amount.
            postings.append(
                transfer(
                    "clawback",
                    f"application:{application_id}",
                    receivable,
                    budget,
                    claimed,
                    ctx.config.currency,
                )
            )
    ledger.post(uow, ctx, postings)
    move_one(
        uow,
        ctx,
        application,
        ApplicationStatus.REVOKED,
        "revoked",
        {"reason": reason, "released": released, "cancelled": cancelled, "claimed_back": claimed},
    )
    return {"released": released, "cancelled": cancelled, "claimed_back": claimed}
