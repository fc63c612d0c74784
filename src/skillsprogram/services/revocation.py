"""Revocation: a beneficiary found ineligible loses the programme; money comes back."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind, Posting, transfer
from skillsprogram.domain.lifecycle import (
    ApplicationStatus,
    EntitlementStatus,
    PayoutStatus,
    VoucherStatus,
)
from skillsprogram.domain.models import Entitlement, Payout, Voucher
from skillsprogram.domain.payments import PayoutReview
from skillsprogram.domain.transfers import PAYOUT_MOVES, TransferEvent
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import ledger, voucher_holds
from skillsprogram.services.transitions import load_for_move, move_one
from skillsprogram.services.vouchers import release_vouchers
from skillsprogram.storage.uow import UnitOfWork

#: Payout states in which no money is at the beneficiary: revocation cancels them. Payouts in
#: flight (sending, unknown) are left to the worker; if they turn out paid they are claimed back.
#: Payouts revocation cancels: those the payout table lets take the ``cancel`` event.
NOT_SENT = tuple(state for state, event in PAYOUT_MOVES.table if event == TransferEvent.CANCEL)


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
        select(Voucher).where(col(Voucher.application_id) == application_id)
    ).scalar_one_or_none()
    if voucher is not None and voucher.status == VoucherStatus.ACTIVE.value:
        # Purchases not yet redeemed give their reservation back to the voucher first.
        open_purchases = voucher_holds.open_purchases(uow, application_id)
        voucher_holds.cancel_purchases(uow, ctx, [p.id for p in open_purchases], f"revoked: {reason}")
        released = release_vouchers(uow, ctx, [(voucher.id, voucher.account_id)], VoucherStatus.REVOKED)
    budget = ledger.budget_account(uow, ctx)
    owed = ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme")
    # Payouts not sent are cancelled first, by a guarded UPDATE: a payout a worker claims at
    # this very moment (now ``sending``) is not matched, so its entitlement stays payable and
    # the worker's outcome decides (paid: claimed back below or when it lands).
    mine = select(col(Entitlement.id)).where(col(Entitlement.application_id) == application_id)
    stopped = set(
        uow.session.execute(
            update(Payout)
            .where(col(Payout.entitlement_id).in_(mine), col(Payout.status).in_(NOT_SENT))
            .values(status=PayoutStatus.CANCELLED.value, updated_at=ctx.clock.now())
            .returning(col(Payout.entitlement_id), col(Payout.id))
            .execution_options(synchronize_session=False)
        ).all()
    )
    stopped_entitlements = {entitlement_id for entitlement_id, _ in stopped}
    uow.execute_among(
        update(PayoutReview)
        .where(col(PayoutReview.resolved_at).is_(None))
        .values(resolved_at=ctx.clock.now(), resolution="revoked")
        .execution_options(synchronize_session=False),
        col(PayoutReview.payout_id),
        [payout_id for _, payout_id in stopped],
    )
    unpaid = [
        entitlement
        for entitlement in uow.session.execute(
            select(Entitlement)
            .where(
                col(Entitlement.application_id) == application_id,
                col(Entitlement.status).in_(
                    [EntitlementStatus.EARNED.value, EntitlementStatus.PAYOUT_CREATED.value]
                ),
            )
            .order_by(col(Entitlement.id))
        ).scalars()
        if entitlement.status == EntitlementStatus.EARNED.value or entitlement.id in stopped_entitlements
    ]
    postings: list[Posting] = []
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
    if ctx.config.clawback_paid_benefits:
        claimed = int(
            uow.session.execute(
                select(func.coalesce(func.sum(Payout.amount), 0))
                .join(Entitlement, col(Entitlement.id) == Payout.entitlement_id)
                .where(
                    col(Entitlement.application_id) == application_id,
                    col(Payout.status) == PayoutStatus.PAID.value,
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
