"""Payouts a person must decide on.

A payout lands in the review queue when the rail refused it for good (closed
account, name mismatch), returned it after paying, or still cannot say what
became of it after every attempt. The beneficiary is told (``payout_failed`` /
``payout_returned`` events reach the notification hooks) to fix their account;
the operator then resends to the beneficiary's current verified account under a
new key derived from the original one, or cancels the benefit.

What rails push on their own (paid, failed, returned) is applied by
:mod:`skillsprogram.services.rail_callbacks`, which opens reviews here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import AccountStatus, EntitlementStatus
from skillsprogram.domain.models import Application, Entitlement, PaymentAccount, Payout
from skillsprogram.domain.payments import PayoutReview
from skillsprogram.domain.transfers import PAYOUT_MOVES, TransferEvent, move
from skillsprogram.errors import AccountNotVerified, InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.payouts import cancel_posting
from skillsprogram.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenReview:
    """A payout waiting for a decision."""

    review_id: uuid.UUID
    payout_id: uuid.UUID
    rail: str
    amount: int
    currency: str
    status: str
    reason: str
    opened_at: datetime


def open_reviews(uow: UnitOfWork, ctx: ProgrammeContext) -> list[OpenReview]:
    """The review queue, oldest first."""
    rows = uow.session.execute(
        select(
            col(PayoutReview.id),
            col(Payout.id),
            col(Payout.rail),
            col(Payout.amount),
            col(Payout.currency),
            col(Payout.status),
            col(PayoutReview.reason),
            col(PayoutReview.opened_at),
        )
        .join(Payout, col(Payout.id) == PayoutReview.payout_id)
        .where(col(PayoutReview.programme_id) == ctx.pid, col(PayoutReview.resolved_at).is_(None))
        .order_by(col(PayoutReview.opened_at), col(PayoutReview.id))
    ).all()
    return [OpenReview(*row) for row in rows]


def open_review(uow: UnitOfWork, ctx: ProgrammeContext, payout: Payout, reason: str) -> None:
    """Put ``payout`` in the review queue (once: an open review is not opened twice)."""
    already = uow.session.execute(
        select(func.count())
        .select_from(PayoutReview)
        .where(col(PayoutReview.payout_id) == payout.id, col(PayoutReview.resolved_at).is_(None))
    ).scalar_one()
    if not already:
        uow.session.add(
            PayoutReview(programme_id=ctx.pid, payout_id=payout.id, reason=reason, opened_at=ctx.clock.now())
        )


def resolve_review(uow: UnitOfWork, ctx: ProgrammeContext, review_id: uuid.UUID, action: str) -> str:
    """Close a review: ``retry`` sends the payout again (new key, current verified account),
    ``cancel`` cancels the benefit and returns its amount to the budget. Returns the payout's
    new status."""
    query = (
        select(PayoutReview, Payout)
        .join(Payout, col(Payout.id) == PayoutReview.payout_id)
        .where(col(PayoutReview.id) == review_id, col(PayoutReview.programme_id) == ctx.pid)
    )
    found = uow.session.execute(uow.locked(query)).one_or_none()
    if found is None:
        raise NotFound(f"no payout review {review_id}", code="review-not-found")
    review, payout = found
    if review.resolved_at is not None:
        raise InvalidTransition("this review is already resolved", code="review-resolved")
    if not PAYOUT_MOVES.allows(payout.status, TransferEvent.RESEND):
        raise InvalidTransition(
            f"a payout that is {payout.status} cannot be resent or cancelled yet", current=payout.status
        )
    entitlement = uow.session.get(Entitlement, payout.entitlement_id)
    assert entitlement is not None
    before = payout.status
    now = ctx.clock.now()
    if action == "retry":
        person_id = uow.session.execute(
            select(col(Application.person_id)).where(col(Application.id) == entitlement.application_id)
        ).scalar_one()
        account = (
            uow.session.execute(
                select(PaymentAccount)
                .where(
                    col(PaymentAccount.person_id) == person_id,
                    col(PaymentAccount.status) == AccountStatus.VERIFIED.value,
                )
                .order_by(col(PaymentAccount.verified_at).desc(), col(PaymentAccount.id))
            )
            .scalars()
            .first()
        )
        if account is None:
            raise AccountNotVerified("the beneficiary has no verified payment account to resend to")
        generation = payout.idempotency_key.count("#") + 1
        base = payout.idempotency_key.split("#")[0]
        payout.idempotency_key = f"{base}#{generation}"
        payout.payment_account_id = account.id
        payout.rail = account.rail
        move(payout, PAYOUT_MOVES, TransferEvent.RESEND, now)
        payout.attempts = 0
        payout.next_attempt_at = now
    elif action == "cancel":
        move(payout, PAYOUT_MOVES, TransferEvent.CANCEL, now)
        entitlement.status = EntitlementStatus.CANCELLED.value
        ledger.post(uow, ctx, [cancel_posting(uow, ctx, payout)])
    else:
        raise ValidationFailed("the action is 'retry' or 'cancel'", code="invalid-action", field="action")
    payout.updated_at = now
    review.resolved_at = now
    review.resolution = action
    record(
        uow,
        ctx,
        [
            Change(
                "payout",
                payout.id,
                f"payout_review_{action}",
                before,
                payout.status,
                {"review": str(review.id)},
            )
        ],
    )
    return payout.status
