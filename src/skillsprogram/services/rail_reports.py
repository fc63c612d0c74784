"""Payment-rail callbacks: a rail tells the programme what became of a payout.

Rails answer asynchronously (a bank books a credit hours after accepting it), so a
payout left ``sending`` or ``unknown`` by a payout run is settled here as soon as
the rail reports, instead of waiting for the next run to ask. Reports are
idempotent: the same report twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import PayoutStatus
from skillsprogram.domain.models import Payout
from skillsprogram.errors import InvalidTransition, NotFound
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.payouts import backoff
from skillsprogram.storage.uow import UnitOfWork

#: Payouts a rail report can settle: handed to the rail, or fate unknown.
SETTLEABLE = frozenset({PayoutStatus.SENDING.value, PayoutStatus.UNKNOWN.value, PayoutStatus.SCHEDULED.value})


@dataclass(frozen=True, slots=True)
class RailReport:
    """One payment's final state as the rail reports it."""

    idempotency_key: str
    status: Literal["paid", "failed"]
    reference: str | None = None
    reason: str | None = None
    permanent: bool = True


def apply_rail_report(uow: UnitOfWork, ctx: ProgrammeContext, rail: str, report: RailReport) -> Payout:
    """Settle the payout with ``report.idempotency_key`` sent through ``rail``.

    ``paid`` marks it paid and moves its amount from benefits payable to the rail's
    account; ``failed`` ends it ``failed`` (``permanent``) or schedules a retry.
    Repeating a report already applied returns the payout unchanged; a report that
    contradicts a final state is refused.
    """
    query = select(Payout).where(
        Payout.programme_id == ctx.pid,
        Payout.idempotency_key == report.idempotency_key,
        Payout.rail == rail,
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update()
    payout = uow.session.execute(query).scalar_one_or_none()
    if payout is None:
        raise NotFound("no payout with this idempotency key on this rail", code="payout-not-found")
    if payout.status == PayoutStatus.PAID.value and report.status == "paid":
        return payout
    if payout.status == PayoutStatus.FAILED.value and report.status == "failed":
        return payout
    if payout.status not in SETTLEABLE:
        raise InvalidTransition(
            f"the payout is already {payout.status}", code="payout-already-settled", current=payout.status
        )
    now = ctx.clock.now()
    before = payout.status
    payout.updated_at = now
    if report.status == "paid":
        payout.status = PayoutStatus.PAID.value
        payout.rail_reference = report.reference
        payout.last_error = None
        owed = ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme")
        rail_account = ledger.account(uow, ctx, AccountKind.RAIL, payout.rail)
        ledger.post(
            uow,
            ctx,
            [transfer("payout", f"payout:{payout.id}", owed, rail_account, payout.amount, payout.currency)],
        )
        action = "payout_paid"
    else:
        payout.last_error = report.reason or "refused by the rail"
        if report.permanent:
            payout.status = PayoutStatus.FAILED.value
            action = "payout_failed"
        else:
            payout.status = PayoutStatus.SCHEDULED.value
            payout.next_attempt_at = now + backoff(max(payout.attempts, 1))
            action = "payout_retry"
    uow.session.flush()
    record(
        uow,
        ctx,
        [
            Change(
                "payout",
                payout.id,
                action,
                before,
                payout.status,
                {
                    "rail": rail,
                    "amount": payout.amount,
                    "via": "rail_callback",
                    **({"reason": payout.last_error} if payout.last_error else {}),
                },
            )
        ],
    )
    return payout
