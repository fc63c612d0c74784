"""Send payouts through their rails, at most once per idempotency key.

A chunk of due payouts is claimed and marked ``sending`` (with a lease) in a
committed transaction *before* any rail is called. The rail answers are then
recorded in a second transaction. A payout found ``sending`` after its lease
ran out (its worker died) or ``unknown`` (the rail timed out) is resolved by
asking the rail for the status of its key; it is sent again only when the rail
says it never arrived.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import PaymentInstruction, RailResult, RailTimeout
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import PayoutStatus
from skillsprogram.domain.models import PaymentAccount, Payout
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record

LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=5)
MAX_ATTEMPTS = 8


@dataclass
class PayoutRun:
    """What a payout run did, by outcome, with the amount paid."""

    outcomes: Counter[str] = field(default_factory=Counter)
    paid_amount: int = 0


@dataclass(frozen=True, slots=True)
class _Claim:
    payout_id: uuid.UUID
    resolve_first: bool
    rail: str
    instruction: PaymentInstruction


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 5 minutes, doubling, at most a day."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), timedelta(days=1))


def _claim(ctx: ProgrammeContext, chunk: int) -> list[_Claim]:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        query = (
            select(Payout, PaymentAccount.number_enc, PaymentAccount.holder_name)
            .join(PaymentAccount, PaymentAccount.id == Payout.payment_account_id)
            .where(
                Payout.programme_id == ctx.pid,
                or_(
                    Payout.status == PayoutStatus.SCHEDULED.value,
                    Payout.status == PayoutStatus.UNKNOWN.value,
                    Payout.status == PayoutStatus.SENDING.value,
                ),
                Payout.next_attempt_at <= now,
            )
            .order_by(Payout.next_attempt_at, Payout.id)
            .limit(chunk)
        )
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Payout)
        claims = []
        for payout, number_enc, holder in uow.session.execute(query).all():
            resolve_first = payout.status != PayoutStatus.SCHEDULED.value or payout.attempts > 0
            payout.status = PayoutStatus.SENDING.value
            payout.attempts += 1
            payout.updated_at = now
            payout.next_attempt_at = now + LEASE
            claims.append(
                _Claim(
                    payout.id,
                    resolve_first,
                    payout.rail,
                    PaymentInstruction(
                        idempotency_key=payout.idempotency_key,
                        account_number=ctx.vault.decrypt(number_enc),
                        holder_name=holder,
                        amount=payout.amount,
                        currency=payout.currency,
                        description=f"{ctx.config.programme.name}",
                    ),
                )
            )
        uow.commit()
    return claims


def _call_rail(ctx: ProgrammeContext, claim: _Claim) -> RailResult | None:
    return call_rail(ctx, claim.rail, claim.instruction, claim.resolve_first)


def call_rail(
    ctx: ProgrammeContext, rail_code: str, instruction: PaymentInstruction, resolve_first: bool
) -> RailResult | None:
    """Send ``instruction`` (asking first what became of its key when ``resolve_first``);
    the rail's answer, or ``None`` when it timed out (fate unknown)."""
    rail = ctx.rail(rail_code)
    try:
        if resolve_first:
            known = rail.status(instruction.idempotency_key)
            if known.status != "not_found":
                return known
        return rail.send(instruction)
    except RailTimeout:
        return None
    except Exception as exc:  # a rail answering garbage must not stop the run
        return RailResult(status="failed", reason=f"rail error: {type(exc).__name__}", permanent=False)


def run_payouts(ctx: ProgrammeContext, chunk: int = 200, limit: int | None = None) -> PayoutRun:
    """Send every payout that is due; returns the count of each outcome."""
    run = PayoutRun()
    handled = 0
    while limit is None or handled < limit:
        claims = _claim(ctx, chunk if limit is None else min(chunk, limit - handled))
        if not claims:
            break
        answers = [(claim, _call_rail(ctx, claim)) for claim in claims]
        with ctx.transaction() as uow:
            owed = ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme")
            now = ctx.clock.now()
            postings, changes = [], []
            # one query for the chunk rather than one per payout
            loaded = {
                p.id: p
                for p in uow.session.execute(
                    select(Payout).where(Payout.id.in_([c.payout_id for c in claims]))
                ).scalars()
            }
            for claim, answer in answers:
                payout = loaded[claim.payout_id]
                outcome = apply_answer(payout, answer, now)
                run.outcomes[outcome] += 1
                if outcome == PayoutStatus.PAID.value:
                    rail_account = ledger.account(uow, ctx, AccountKind.RAIL, payout.rail)
                    postings.append(
                        transfer(
                            "payout",
                            f"payout:{payout.id}",
                            owed,
                            rail_account,
                            payout.amount,
                            payout.currency,
                        )
                    )
                    run.paid_amount += payout.amount
                changes.append(
                    Change(
                        "payout",
                        payout.id,
                        f"payout_{outcome}",
                        PayoutStatus.SENDING,
                        payout.status,
                        {
                            "rail": payout.rail,
                            "amount": payout.amount,
                            "attempts": payout.attempts,
                            **({"reason": payout.last_error} if payout.last_error else {}),
                        },
                    )
                )
            ledger.post(uow, ctx, postings)
            record(uow, ctx, changes)
        handled += len(claims)
    return run


class Transfer(Protocol):
    """What :func:`apply_answer` updates: a payout, or any transfer sent the same way."""

    status: str
    attempts: int
    updated_at: datetime
    next_attempt_at: datetime
    last_error: str | None
    rail_reference: str | None


def apply_answer(payout: Transfer, answer: RailResult | None, now: datetime) -> str:
    """Record a rail's answer on a transfer in flight; returns the outcome
    (``paid``, ``failed``, ``retry`` or ``unknown``)."""
    payout.updated_at = now
    if answer is None or answer.status == "pending":
        payout.status = PayoutStatus.UNKNOWN.value
        payout.next_attempt_at = now + backoff(payout.attempts)
        payout.last_error = "the rail did not confirm the payment yet" if answer else "rail timed out"
        return "unknown"
    if answer.status == "paid":
        payout.status = PayoutStatus.PAID.value
        payout.rail_reference = answer.reference
        payout.last_error = None
        return PayoutStatus.PAID.value
    payout.last_error = answer.reason or "refused by the rail"
    if answer.permanent or payout.attempts >= MAX_ATTEMPTS:
        payout.status = PayoutStatus.FAILED.value
        return PayoutStatus.FAILED.value
    payout.status = PayoutStatus.SCHEDULED.value
    payout.next_attempt_at = now + backoff(payout.attempts)
    return "retry"
