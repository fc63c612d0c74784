"""Benefits: events earn entitlements (by the benefit-schedule hook), entitlements become
payouts once the beneficiary has a verified account."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row, insert, select, update

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import BenefitEvent, EntitlementSpec
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import AccountStatus, EntitlementStatus, PayoutStatus
from skillsprogram.domain.models import Application, Entitlement, PaymentAccount, Payout
from skillsprogram.domain.types import new_id
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.batches import Progress, for_each_chunk
from skillsprogram.storage.uow import UnitOfWork


def idempotency_key(programme_code: str, application_id: uuid.UUID, benefit: str, period: int) -> str:
    """The payout key: one per (beneficiary, benefit, period), the same on every retry."""
    return f"{programme_code}:{application_id}:{benefit}:{period}"


def earn(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application_id: uuid.UUID,
    person_id: uuid.UUID,
    kind: str,
    period: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> list[Entitlement]:
    """Ask the benefit schedule what ``kind`` earns and record it, with its ledger posting
    and, where the beneficiary has a verified account, its payout (same transaction)."""
    existing = {
        (benefit, p)
        for benefit, p in uow.session.execute(
            select(Entitlement.benefit, Entitlement.period).where(
                Entitlement.application_id == application_id  # type: ignore[arg-type]
            )
        ).all()
    }
    earned_before = Counter(benefit for benefit, _p in existing)
    now = ctx.clock.now()
    specs: list[EntitlementSpec] = (
        ctx.hook.skillsprogram_entitlements(
            event=BenefitEvent(application_id, kind, now, period, dict(details or {}), dict(earned_before)),
            programme=ctx.config,
        )
        or []
    )
    created = []
    for spec in specs:
        if (spec.benefit, spec.period) in existing:
            continue
        existing.add((spec.benefit, spec.period))
        created.append(
            Entitlement(
                id=new_id(),
                programme_id=ctx.pid,
                application_id=application_id,
                benefit=spec.benefit,
                period=spec.period,
                amount=spec.amount,
                currency=ctx.config.currency,
                status=(
                    EntitlementStatus.WITHHELD if spec.withheld_reason else EntitlementStatus.EARNED
                ).value,
                reason=spec.withheld_reason,
                earned_at=now,
                due_at=spec.due_at,
            )
        )
    if not created:
        return []
    uow.session.add_all(created)
    payable = [e for e in created if e.status == EntitlementStatus.EARNED.value]
    if payable:
        budget = ledger.budget_account(uow, ctx)
        owed = ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme")
        ledger.post(
            uow,
            ctx,
            [
                transfer("benefit_earned", f"entitlement:{e.id}", budget, owed, e.amount, e.currency)
                for e in payable
            ],
        )
    record(
        uow,
        ctx,
        [
            Change(
                "entitlement",
                e.id,
                "entitlement_withheld" if e.reason else "entitlement_earned",
                None,
                e.status,
                {
                    "person_id": str(person_id),
                    "application_id": str(application_id),
                    "benefit": e.benefit,
                    "period": e.period,
                    "amount": e.amount,
                    **({"reason": e.reason} if e.reason else {}),
                },
            )
            for e in created
        ],
    )
    uow.session.flush()
    schedule_payouts_for(uow, ctx, [e.id for e in payable])
    return created


def schedule_payouts_for(uow: UnitOfWork, ctx: ProgrammeContext, entitlement_ids: Sequence[uuid.UUID]) -> int:
    """Create payouts for earned entitlements whose beneficiary has a verified account."""
    if not entitlement_ids:
        return 0
    rows = uow.session.execute(
        _payable_query(ctx).where(Entitlement.id.in_(list(entitlement_ids)))  # type: ignore[attr-defined]
    ).all()
    return _create_payouts(uow, ctx, rows)


def _payable_query(ctx: ProgrammeContext) -> Any:
    return (
        select(
            Entitlement.id,
            Entitlement.application_id,
            Entitlement.benefit,
            Entitlement.period,
            Entitlement.amount,
            Entitlement.currency,
            Entitlement.due_at,
            PaymentAccount.id,
            PaymentAccount.rail,
            Application.person_id,
        )
        .join(Application, Application.id == Entitlement.application_id)  # type: ignore[arg-type]
        .join(PaymentAccount, PaymentAccount.person_id == Application.person_id)  # type: ignore[arg-type]
        .where(
            Entitlement.programme_id == ctx.pid,  # type: ignore[arg-type]
            Entitlement.status == EntitlementStatus.EARNED.value,  # type: ignore[arg-type]
            PaymentAccount.status == AccountStatus.VERIFIED.value,  # type: ignore[arg-type]
        )
    )


def _create_payouts(uow: UnitOfWork, ctx: ProgrammeContext, rows: Sequence[Row[Any]]) -> int:
    now = ctx.clock.now()
    payouts, seen = [], set()
    for row in rows:
        if row[0] in seen:  # a person with two verified accounts is paid once, on the first
            continue
        seen.add(row[0])
        payouts.append(
            {
                "id": new_id(),
                "programme_id": ctx.pid,
                "entitlement_id": row[0],
                "payment_account_id": row[7],
                "rail": row[8],
                "amount": row[4],
                "currency": row[5],
                "idempotency_key": idempotency_key(ctx.config.code, row[1], row[2], row[3]),
                "status": PayoutStatus.SCHEDULED.value,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
                "next_attempt_at": max(now, row[6]),
            }
        )
    if not payouts:
        return 0
    uow.session.execute(insert(Payout), payouts)
    ids = [p["entitlement_id"] for p in payouts]
    uow.session.execute(
        update(Entitlement)
        .where(Entitlement.id.in_(ids))  # type: ignore[attr-defined]
        .values(status=EntitlementStatus.PAYOUT_CREATED.value)
        .execution_options(synchronize_session=False)
    )
    record(
        uow,
        ctx,
        [
            Change(
                "payout",
                p["id"],
                "payout_scheduled",
                None,
                PayoutStatus.SCHEDULED.value,
                {"entitlement_id": str(p["entitlement_id"]), "rail": p["rail"], "amount": p["amount"]},
            )
            for p in payouts
        ],
    )
    return len(payouts)


def schedule_payouts(ctx: ProgrammeContext, chunk: int = 1_000, progress: Progress | None = None) -> int:
    """Create payouts for every earned entitlement whose beneficiary now has a verified
    account (those earned before the account was verified)."""

    def handle(uow: UnitOfWork, rows: Sequence[Row[Any]]) -> int:
        return _create_payouts(uow, ctx, rows)

    return for_each_chunk(
        ctx, _payable_query(ctx), Entitlement.id, handle, chunk, progress, lock_of=Entitlement
    )
