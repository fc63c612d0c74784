"""Payouts a person must decide on, and what rails tell us on their own (callbacks, returns).

A payout lands in the review queue when the rail refused it for good (closed
account, name mismatch), returned it after paying, or still cannot say what
became of it after every attempt. The beneficiary is told (``payout_failed`` /
``payout_returned`` events reach the notification hooks) to fix their account;
the operator then resends to the beneficiary's current verified account under a
new key derived from the original one, or cancels the benefit.

Rail callbacks are kept once per (rail, notice id): a duplicate is recorded in
the audit log and applied no second time, a callback naming a key we never sent
or an amount or currency that disagrees is recorded and reported, never applied.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import RailCallback
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import AccountStatus, ApplicationStatus, EntitlementStatus, PayoutStatus
from skillsprogram.domain.models import Application, Entitlement, PaymentAccount, Payout
from skillsprogram.domain.payments import PayoutReview, RailNotice
from skillsprogram.errors import AccountNotVerified, InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.payouts import Settlement, cancel_posting, settle, write_settlement
from skillsprogram.storage.uow import UnitOfWork

#: Payout states a callback may confirm as paid (the payout was sent, its fate unknown).
IN_FLIGHT = frozenset({PayoutStatus.SENDING.value, PayoutStatus.UNKNOWN.value, PayoutStatus.SCHEDULED.value})


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
            PayoutReview.id,
            Payout.id,
            Payout.rail,
            Payout.amount,
            Payout.currency,
            Payout.status,
            PayoutReview.reason,
            PayoutReview.opened_at,
        )
        .join(Payout, Payout.id == PayoutReview.payout_id)
        .where(PayoutReview.programme_id == ctx.pid, PayoutReview.resolved_at.is_(None))
        .order_by(PayoutReview.opened_at, PayoutReview.id)
    ).all()
    return [OpenReview(*row) for row in rows]


def open_review(uow: UnitOfWork, ctx: ProgrammeContext, payout: Payout, reason: str) -> None:
    """Put ``payout`` in the review queue (once: an open review is not opened twice)."""
    already = uow.session.execute(
        select(func.count())
        .select_from(PayoutReview)
        .where(PayoutReview.payout_id == payout.id, PayoutReview.resolved_at.is_(None))
    ).scalar_one()
    if not already:
        uow.session.add(
            PayoutReview(programme_id=ctx.pid, payout_id=payout.id, reason=reason, opened_at=ctx.clock.now())
        )


def resolve_review(uow: UnitOfWork, ctx: ProgrammeContext, review_id: uuid.UUID, action: str) -> str:
    """Close a review: ``retry`` sends the payout again (new key, current verified account),
    ``cancel`` cancels the benefit and returns its amount to the budget. Returns the payout's
    new status."""
    query = select(PayoutReview, Payout).join(Payout, Payout.id == PayoutReview.payout_id)
    query = query.where(PayoutReview.id == review_id, PayoutReview.programme_id == ctx.pid)
    if uow.dialect == "postgresql":
        query = query.with_for_update()
    found = uow.session.execute(query).one_or_none()
    if found is None:
        raise NotFound(f"no payout review {review_id}", code="review-not-found")
    review, payout = found
    if review.resolved_at is not None:
        raise InvalidTransition("this review is already resolved", code="review-resolved")
    if payout.status not in (PayoutStatus.FAILED.value, PayoutStatus.RETURNED.value):
        raise InvalidTransition(
            f"a payout that is {payout.status} cannot be resent or cancelled yet", current=payout.status
        )
    entitlement = uow.session.get(Entitlement, payout.entitlement_id)
    assert entitlement is not None
    before = payout.status
    now = ctx.clock.now()
    if action == "retry":
        person_id = uow.session.execute(
            select(Application.person_id).where(Application.id == entitlement.application_id)
        ).scalar_one()
        account = (
            uow.session.execute(
                select(PaymentAccount)
                .where(
                    PaymentAccount.person_id == person_id,
                    PaymentAccount.status == AccountStatus.VERIFIED.value,
                )
                .order_by(PaymentAccount.verified_at.desc(), PaymentAccount.id)
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
        payout.status = PayoutStatus.SCHEDULED.value
        payout.attempts = 0
        payout.next_attempt_at = now
    elif action == "cancel":
        payout.status = PayoutStatus.CANCELLED.value
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


CALLBACK_STATUSES = frozenset({"paid", "failed", "returned"})


def read_callbacks(items: object) -> tuple[list[RailCallback], list[str]]:
    """Callbacks from decoded JSON (a list of objects with the fields of :class:`RailCallback`),
    and a note for every item that is not one (reported, never applied)."""
    if not isinstance(items, list):
        return [], ["the callbacks are not a JSON list"]
    callbacks, unreadable = [], []
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise ValueError("not an object")
            for name in ("notice_id", "idempotency_key", "status"):
                if not isinstance(item.get(name), str) or not item[name]:
                    raise ValueError(f"no {name}")
            amount = item.get("amount")
            if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
                raise ValueError(f"amount {amount!r} is not an integer in minor units")
            callbacks.append(
                RailCallback(
                    notice_id=item["notice_id"],
                    idempotency_key=item["idempotency_key"],
                    status=item["status"],
                    reference=item.get("reference"),
                    amount=amount,
                    currency=item.get("currency"),
                    reason=item.get("reason"),
                )
            )
        except ValueError as problem:
            unreadable.append(f"item {index}: {problem}")
    return callbacks, unreadable


def apply_callbacks(
    uow: UnitOfWork, ctx: ProgrammeContext, rail: str, callbacks: Sequence[RailCallback]
) -> list[str]:
    """Apply a rail's callbacks; returns one outcome per callback.

    Outcomes: ``applied``, ``no_change`` (the payout already says so), ``recheck`` (a
    failure reported for a payout in flight: the worker asks the rail again now),
    ``duplicate``, ``unknown_reference``, ``mismatch`` (amount or currency), ``garbage``
    (a status we do not know) and ``conflict`` (contradicts a final state; opens a review).
    """
    seen = set(
        uow.session.execute(
            select(RailNotice.notice_id).where(
                RailNotice.programme_id == ctx.pid,
                RailNotice.rail == rail,
                RailNotice.notice_id.in_([c.notice_id for c in callbacks]),
            )
        ).scalars()
    )
    keys = [c.idempotency_key for c in callbacks]
    query = (
        select(Payout, Entitlement, Application.person_id, Application.status)
        .join(Entitlement, Entitlement.id == Payout.entitlement_id)
        .join(Application, Application.id == Entitlement.application_id)
        .where(Payout.programme_id == ctx.pid, Payout.rail == rail, Payout.idempotency_key.in_(keys))
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(of=Payout)
    payouts = {row[0].idempotency_key: row for row in uow.session.execute(query).all()}
    now = ctx.clock.now()
    outcomes: list[str] = []
    changes: list[Change] = []
    for callback in callbacks:
        if callback.notice_id in seen:
            outcomes.append("duplicate")
            changes.append(
                Change("rail_notice", callback.notice_id, "rail_notice_duplicate", None, None, {"rail": rail})
            )
            continue
        seen.add(callback.notice_id)
        found = payouts.get(callback.idempotency_key)
        outcome = _callback_outcome(uow, ctx, callback, found, changes)
        outcomes.append(outcome)
        uow.session.add(
            RailNotice(
                programme_id=ctx.pid,
                rail=rail,
                notice_id=callback.notice_id,
                idempotency_key=callback.idempotency_key,
                status=str(callback.status)[:24],
                outcome=outcome,
                received_at=now,
                data={
                    "reference": callback.reference,
                    "amount": callback.amount,
                    "currency": callback.currency,
                    "reason": callback.reason,
                },
            )
        )
    uow.session.flush()
    record(uow, ctx, changes)
    return outcomes


def _callback_outcome(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    callback: RailCallback,
    found: tuple[Payout, Entitlement, uuid.UUID, str] | None,
    changes: list[Change],
) -> str:
    if callback.status not in CALLBACK_STATUSES:
        return "garbage"
    if found is None:
        return "unknown_reference"
    payout, entitlement, person_id, app_status = found
    if (callback.amount is not None and callback.amount != payout.amount) or (
        callback.currency is not None and callback.currency != payout.currency
    ):
        return "mismatch"
    now = ctx.clock.now()
    data = {"person_id": str(person_id), "rail": payout.rail, "amount": payout.amount, "via": "callback"}
    before = payout.status
    if callback.status == "paid":
        if payout.status == PayoutStatus.PAID.value:
            return "no_change"
        if payout.status not in IN_FLIGHT or (
            payout.status == PayoutStatus.SCHEDULED.value and not payout.attempts
        ):
            open_review(uow, ctx, payout, f"the rail reports paid a payout we hold as {payout.status}")
            return "conflict"
        if not callback.reference:
            return "garbage"
        payout.status = PayoutStatus.PAID.value
        payout.rail_reference = callback.reference
        payout.last_error = None
        payout.updated_at = now
        out = Settlement()
        revoked = app_status == ApplicationStatus.REVOKED.value
        settle(uow, ctx, out, payout, entitlement, person_id, PayoutStatus.PAID.value, revoked, before)
        write_settlement(uow, ctx, out)
        return "applied"
    if callback.status == "failed":
        if payout.status == PayoutStatus.FAILED.value:
            return "no_change"
        if payout.status in (PayoutStatus.UNKNOWN.value, PayoutStatus.SENDING.value):
            payout.next_attempt_at = now  # ask the rail again, with the same key, right away
            return "recheck"
        open_review(uow, ctx, payout, f"the rail reports failed a payout we hold as {payout.status}")
        return "conflict"
    # returned: the rail paid, then the money came back (account closed after credit, ...)
    if payout.status == PayoutStatus.RETURNED.value:
        return "no_change"
    if payout.status != PayoutStatus.PAID.value:
        open_review(uow, ctx, payout, f"the rail reports returned a payout we hold as {payout.status}")
        return "conflict"
    payout.status = PayoutStatus.RETURNED.value
    payout.last_error = callback.reason or "returned by the rail"
    payout.updated_at = now
    ledger.post(
        uow,
        ctx,
        [
            transfer(
                "payout_returned",
                f"payout:{payout.id}",
                ledger.account(uow, ctx, AccountKind.RAIL, payout.rail),
                ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme"),
                payout.amount,
                payout.currency,
            )
        ],
    )
    open_review(uow, ctx, payout, payout.last_error)
    changes.append(Change("payout", payout.id, "payout_returned", before, payout.status, data))
    return "applied"
