"""Two-phase voucher spends: a purchase reserves, redemption captures, cancellation releases.

Buying a course moves its price from the voucher to the voucher's hold account
(``course_reserve``): the beneficiary can no longer spend it, the provider is not
owed it yet. When the provider redeems the code the price moves on to the
provider (``course_capture``); when the purchase is cancelled before redemption
it goes back to the voucher, or to the budget if the voucher has closed in the
meantime (``course_release``). Every step's ledger transaction has the reference
``purchase:<id>``, which ``ledger verify`` checks against the purchase's status.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind, Posting, transfer
from skillsprogram.domain.lifecycle import PurchaseStatus, VoucherStatus
from skillsprogram.domain.models import Course, Purchase, Voucher
from skillsprogram.errors import DomainError, InvalidTransition, NotFound
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.outcomes import Outcome
from skillsprogram.storage.uow import UnitOfWork


def hold_accounts(
    uow: UnitOfWork, ctx: ProgrammeContext, voucher_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The hold account of each voucher, created where missing."""
    found = ledger.accounts(uow, ctx, AccountKind.VOUCHER_HOLD, [str(v) for v in voucher_ids])
    return {v: found[str(v)] for v in voucher_ids}


def capture(uow: UnitOfWork, ctx: ProgrammeContext, purchases: Sequence[Purchase]) -> int:
    """Move the reserved price of redeemed ``purchases`` to their providers; returns the total."""
    paying = [p for p in purchases if p.price]
    if not paying:
        return 0
    providers: dict[uuid.UUID, uuid.UUID] = {
        course_id: provider_id
        for course_id, provider_id in uow.rows_among(
            select(col(Course.id), col(Course.provider_id)), col(Course.id), {p.course_id for p in paying}
        )
    }
    provider_accounts = ledger.accounts(uow, ctx, AccountKind.PROVIDER, [str(v) for v in providers.values()])
    holds = hold_accounts(uow, ctx, list({p.voucher_id for p in paying}))
    ledger.post(
        uow,
        ctx,
        [
            transfer(
                "course_capture",
                f"purchase:{p.id}",
                holds[p.voucher_id],
                provider_accounts[str(providers[p.course_id])],
                p.price,
                p.currency,
            )
            for p in paying
        ],
    )
    return sum(p.price for p in paying)


def release(uow: UnitOfWork, ctx: ProgrammeContext, purchases: Sequence[Purchase]) -> int:
    """Return the reserved price of ``purchases`` (being cancelled) to their voucher, or to the
    budget when the voucher is no longer active; returns the total released."""
    paying = [p for p in purchases if p.price]
    if not paying:
        return 0
    vouchers = {
        v.id: v for v in uow.scalars_among(select(Voucher), col(Voucher.id), {p.voucher_id for p in paying})
    }
    holds = hold_accounts(uow, ctx, list(vouchers))
    budget = ledger.budget_account(uow, ctx)
    postings: list[Posting] = []
    for p in paying:
        voucher = vouchers[p.voucher_id]
        target = voucher.account_id if voucher.status == VoucherStatus.ACTIVE.value else budget
        postings.append(
            transfer("course_release", f"purchase:{p.id}", holds[p.voucher_id], target, p.price, p.currency)
        )
    ledger.post(uow, ctx, postings)
    return sum(p.price for p in paying)


def cancel_purchases(
    uow: UnitOfWork, ctx: ProgrammeContext, purchase_ids: Sequence[uuid.UUID], reason: str
) -> list[Outcome[int]]:
    """Cancel purchases not yet redeemed: the price goes back to the voucher. Returns, per
    purchase, the amount released; a redeemed or unknown purchase is refused."""
    found = {p.id: p for p in uow.scalars_among(select(Purchase), col(Purchase.id), purchase_ids, lock=True)}
    outcomes: list[Outcome[int]] = []
    cancelled: list[Purchase] = []
    for purchase_id in purchase_ids:
        try:
            purchase = found.get(purchase_id)
            if purchase is None:
                raise NotFound(f"no purchase {purchase_id}", code="purchase-not-found")
            if purchase.status != PurchaseStatus.PURCHASED.value or purchase in cancelled:
                raise InvalidTransition(
                    f"a purchase that is {purchase.status} cannot be cancelled",
                    code="purchase-not-cancellable",
                )
        except DomainError as error:
            outcomes.append(Outcome(error=error))
            continue
        cancelled.append(purchase)
        outcomes.append(Outcome(purchase.price))
    release(uow, ctx, cancelled)
    for purchase in cancelled:
        purchase.status = PurchaseStatus.CANCELLED.value
    record(
        uow,
        ctx,
        [
            Change(
                "purchase",
                p.id,
                "purchase_cancelled",
                PurchaseStatus.PURCHASED,
                PurchaseStatus.CANCELLED,
                {"application_id": str(p.application_id), "released": p.price, "reason": reason},
            )
            for p in cancelled
        ],
    )
    return outcomes


def open_purchases(uow: UnitOfWork, application_id: uuid.UUID) -> list[Purchase]:
    """An application's purchases still holding voucher money (bought, not redeemed)."""
    query = select(Purchase).where(
        col(Purchase.application_id) == application_id,
        col(Purchase.status) == PurchaseStatus.PURCHASED.value,
    )
    return list(uow.session.execute(uow.locked(query)).scalars())
