"""Send payouts through their rails, at most once per idempotency key.

Payouts are created in the transaction that earns them (the payout table is the
outbox, see :mod:`skillsprogram.services.benefits`), with an idempotency key
derived from (beneficiary, benefit, period) and stored before the first
attempt. A worker then:

1. claims a chunk of due payouts and marks them ``sending`` with a lease, in a
   committed transaction, *before* any rail is called (``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, SQLite's single writer otherwise), each claim
   carrying a fencing token (the attempt number);
2. calls the rails; a payout claimed before (its worker died, or the rail timed
   out) is first resolved by asking the rail for the status of its key, and is
   sent again only when the rail says it never arrived;
3. records the answers in a second transaction, but only for payouts still
   held under its token: a worker whose lease ran out and was overtaken
   records nothing, so a payout is never booked twice.

A timeout, an error or a garbage answer leaves the payout ``unknown``: its fate
is resolved later by a status query with the same key, never by a blind
resend. Transient refusals are retried with back-off; permanent ones (closed
account, name mismatch) fail the payout, open a review and tell the
beneficiary to fix their account.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import Select, bindparam, exists, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import PaymentInstruction, RailResult, RailTimeout
from skillsprogram.domain.ledger import AccountKind, Posting, transfer
from skillsprogram.domain.lifecycle import CLAIMABLE, ApplicationStatus, EntitlementStatus, PayoutStatus
from skillsprogram.domain.models import Application, Entitlement, PaymentAccount, Payout, SentTransfer
from skillsprogram.domain.payments import DisbursementEnvelope, EnvelopePayout, PayoutReview
from skillsprogram.domain.transfers import (
    PAYOUT_MOVES,
    RailAnswer,
    TransferEvent,
    apply_answer,
    move,
    still_held,
    take,
)
from skillsprogram.domain.types import new_id
from skillsprogram.errors import DomainError
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.faults import checkpoint
from skillsprogram.storage.uow import UnitOfWork

Ts = TypeVarTuple("Ts")

LEASE = timedelta(minutes=10)
RAIL_STATUSES = frozenset({"paid", "pending", "failed", "not_found"})


@dataclass
class PayoutRun:
    """What a payout run did, by outcome, with the amount paid and what went wrong."""

    outcomes: Counter[str] = field(default_factory=Counter)
    paid_amount: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Claim:
    payout_id: uuid.UUID
    token: int
    resolve_first: bool
    rail: str
    instruction: PaymentInstruction


class _Garbage(Exception):
    """A rail answer that is not a valid answer."""


def _funding_filter(ctx: ProgrammeContext, run_id: uuid.UUID | None) -> list[Any]:
    """Payouts held back by disbursement funding (see :mod:`disbursements`)."""
    enveloped = (
        select(EnvelopePayout.payout_id)
        .join(DisbursementEnvelope, DisbursementEnvelope.id == EnvelopePayout.envelope_id)
        .where(EnvelopePayout.payout_id == Payout.id)
    )
    conditions = [~exists(enveloped.where(DisbursementEnvelope.status != "funded"))]
    if run_id is not None:
        conditions.append(exists(enveloped.where(DisbursementEnvelope.run_id == run_id)))
    elif ctx.config.payouts_need_funding:
        conditions.append(exists(enveloped.where(DisbursementEnvelope.status == "funded")))
    return conditions


def _claim(
    ctx: ProgrammeContext, chunk: int, lease: timedelta, run_id: uuid.UUID | None = None
) -> list[_Claim]:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        query = due_first(
            uow,
            select(Payout, PaymentAccount.number_enc, PaymentAccount.holder_name)
            .join(PaymentAccount, PaymentAccount.id == Payout.payment_account_id)
            .where(Payout.programme_id == ctx.pid, *_funding_filter(ctx, run_id)),
            Payout,
            now,
            chunk,
        )
        claims = []
        for payout, number_enc, holder in uow.session.execute(query).all():
            resolve_first = take(payout, PAYOUT_MOVES, now, lease)
            claims.append(
                _Claim(
                    payout.id,
                    payout.attempts,
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


def due_first(
    uow: UnitOfWork, query: Select[*Ts], model: type[SentTransfer], now: datetime, chunk: int
) -> Select[*Ts]:
    """``query`` narrowed to the ``model`` transfers a worker may claim at ``now``, the longest
    due first, at most ``chunk``; on PostgreSQL locked ``SKIP LOCKED``, so that workers
    running at once never claim the same transfer."""
    query = (
        query.where(
            # Written into the statement, not bound, so the planner can use the due index.
            model.status.in_(bindparam("claimable", list(CLAIMABLE), expanding=True, literal_execute=True)),
            model.next_attempt_at <= now,
        )
        .order_by(model.next_attempt_at, model.id)
        .limit(chunk)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=model)
    return query


def checked_answer(answer: object) -> RailResult:
    """``answer`` if it is a well-formed rail answer; raises otherwise."""
    if not isinstance(answer, RailResult):
        raise _Garbage(f"not a rail result but {type(answer).__name__}")
    if answer.status not in RAIL_STATUSES:
        raise _Garbage(f"unknown status {answer.status!r}")
    if answer.status == "paid" and not answer.reference:
        raise _Garbage("paid without a reference")
    return answer


def _call_rail(ctx: ProgrammeContext, claim: _Claim) -> RailAnswer:
    return call_rail(ctx, claim.rail, claim.instruction, claim.resolve_first)


def call_rail(
    ctx: ProgrammeContext, rail_code: str, instruction: PaymentInstruction, resolve_first: bool
) -> RailAnswer:
    """Send ``instruction``, asking the rail first what became of its key when
    ``resolve_first`` (a transfer whose fate is unknown is never sent blindly again)."""
    try:
        rail = ctx.rail(rail_code)
    except DomainError as error:
        return RailAnswer(RailResult("failed", reason=error.message, permanent=False))
    key = instruction.idempotency_key
    try:
        if resolve_first:
            known = checked_answer(rail.status(key))
            if known.status != "not_found":
                return RailAnswer(known)
        checkpoint("before_send")
        answer = checked_answer(rail.send(instruction))
        if answer.status == "not_found":
            raise _Garbage("a send answered not_found")
        return RailAnswer(answer)
    except RailTimeout:
        return RailAnswer(None, "rail timed out")
    except _Garbage as garbage:
        return RailAnswer(None, f"rail answered garbage: {garbage}")
    except Exception as exc:  # a rail crashing must not stop the run; its fate is unknown
        return RailAnswer(None, f"rail error: {type(exc).__name__}: {exc}"[:500])


def run_payouts(
    ctx: ProgrammeContext,
    chunk: int = 200,
    limit: int | None = None,
    lease: timedelta = LEASE,
    run_id: uuid.UUID | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> PayoutRun:
    """Send every payout that is due (of disbursement run ``run_id`` only, when given);
    returns the count of each outcome.

    Payouts in a disbursement envelope that is not funded are never sent. Safe to
    run in several processes at once (see the module documentation). ``should_stop`` is
    asked before each chunk is claimed: once it answers true the run ends, having
    recorded every payout it claimed.
    """
    run = PayoutRun()
    handled = 0
    while (limit is None or handled < limit) and not (should_stop and should_stop()):
        claims = _claim(ctx, chunk if limit is None else min(chunk, limit - handled), lease, run_id)
        if not claims:
            break
        checkpoint("after_claim")
        answers = []
        for claim in claims:
            answers.append((claim, _call_rail(ctx, claim)))
            checkpoint("after_send")
        _record(ctx, answers, run)
        checkpoint("after_commit")
        handled += len(claims)
    return run


@dataclass
class Settlement:
    """What one transaction writes besides the payout rows themselves."""

    postings: list[Posting] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    reviews: list[dict[str, object]] = field(default_factory=list)


def _locked(
    uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Payout, Entitlement, uuid.UUID, str]]:
    query = (
        select(Payout, Entitlement, Application.person_id, Application.status)
        .join(Entitlement, Entitlement.id == Payout.entitlement_id)
        .join(Application, Application.id == Entitlement.application_id)
        .where(uow.among(Payout.id, list(ids)))
        .order_by(Payout.id)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(of=Payout)
    return {row[0].id: (row[0], row[1], row[2], row[3]) for row in uow.session.execute(query).all()}


def _record(ctx: ProgrammeContext, answers: list[tuple[_Claim, RailAnswer]], run: PayoutRun) -> None:
    with ctx.transaction() as uow:
        rows = _locked(uow, [claim.payout_id for claim, _ in answers])
        now = ctx.clock.now()
        out = Settlement()
        for claim, answer in answers:
            payout, entitlement, person_id, app_status = rows[claim.payout_id]
            if not still_held(payout, claim.token):
                # Our lease ran out and another worker took the payout over: it records the outcome.
                run.outcomes["stale"] += 1
                run.problems.append(f"payout {payout.id}: claim overtaken, outcome left to its new holder")
                continue
            outcome = apply_answer(payout, PAYOUT_MOVES, answer, now)
            if answer.note:
                run.problems.append(f"payout {payout.id}: {answer.note}")
            revoked = app_status == ApplicationStatus.REVOKED.value
            outcome = settle(
                uow, ctx, out, payout, entitlement, person_id, outcome, revoked, PayoutStatus.SENDING
            )
            run.outcomes[outcome] += 1
            if outcome == PayoutStatus.PAID.value:
                run.paid_amount += payout.amount
        write_settlement(uow, ctx, out)


def write_settlement(uow: UnitOfWork, ctx: ProgrammeContext, out: Settlement) -> None:
    """Write what :func:`settle` gathered: postings, reviews and audit events."""
    uow.session.flush()
    ledger.post(uow, ctx, out.postings)
    if out.reviews:
        uow.insert_rows(PayoutReview, out.reviews)
    record(uow, ctx, out.changes)


def settle(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    out: Settlement,
    payout: Payout,
    entitlement: Entitlement,
    person_id: uuid.UUID,
    outcome: str,
    revoked: bool,
    before: str,
) -> str:
    """Gather the ledger postings, reviews and audit events that follow a payout's new state;
    returns the outcome (a refused payout of a revoked beneficiary becomes ``cancelled``)."""
    now = ctx.clock.now()
    data: dict[str, object] = {
        "person_id": str(person_id),
        "rail": payout.rail,
        "amount": payout.amount,
        "attempts": payout.attempts,
        **({"reason": payout.last_error} if payout.last_error else {}),
    }
    if outcome == PayoutStatus.PAID.value:
        owed = ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme")
        rail_account = ledger.account(uow, ctx, AccountKind.RAIL, payout.rail)
        out.postings.append(
            transfer("payout", f"payout:{payout.id}", owed, rail_account, payout.amount, payout.currency)
        )
        if revoked and ctx.config.clawback_paid_benefits:
            # Paid after its beneficiary was revoked (it was in flight): claim it back too.
            receivable = ledger.account(uow, ctx, AccountKind.RECEIVABLE, str(entitlement.application_id))
            out.postings.append(
                transfer(
                    "clawback",
                    f"payout:{payout.id}",
                    receivable,
                    ledger.budget_account(uow, ctx),
                    payout.amount,
                    payout.currency,
                )
            )
            data["claimed_back"] = payout.amount
    elif revoked and outcome in (PayoutStatus.FAILED.value, "retry"):
        # The beneficiary was revoked while this payout was in flight and it did not go
        # through: it is cancelled and its amount returns to the budget.
        move(payout, PAYOUT_MOVES, TransferEvent.CANCEL, now)
        outcome = PayoutStatus.CANCELLED.value
        entitlement.status = EntitlementStatus.CANCELLED.value
        out.postings.append(cancel_posting(uow, ctx, payout))
    elif outcome == PayoutStatus.FAILED.value or (outcome == "unresolved"):
        out.reviews.append(
            {
                "id": new_id(),
                "programme_id": ctx.pid,
                "payout_id": payout.id,
                "reason": payout.last_error or outcome,
                "opened_at": now,
                "resolved_at": None,
                "resolution": None,
            }
        )
    out.changes.append(Change("payout", payout.id, f"payout_{outcome}", before, payout.status, data))
    return outcome


def cancel_posting(uow: UnitOfWork, ctx: ProgrammeContext, payout: Payout) -> Posting:
    """The posting that returns a cancelled payout's amount from benefit_payable to the budget."""
    return transfer(
        "benefit_cancelled",
        f"entitlement:{payout.entitlement_id}",
        ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme"),
        ledger.budget_account(uow, ctx),
        payout.amount,
        payout.currency,
    )
