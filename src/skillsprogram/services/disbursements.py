"""Disbursement runs: gather due payouts, fund them per rail, and only then send them.

A run takes every payout that is due and not yet in a run, groups them per rail
(and currency) into envelopes with their count and total, and asks the funding
source of each envelope to check and reserve its total: the
``skillsprogram_reserve_funds`` hook: a sponsor-bank plugin or, when none answers,
the default funding plugin, which asks the rail's own ``reserve_funds``. An envelope records the reservation
reference, or why it could not be funded. Payouts of an envelope that is not
funded are never claimed by a payout worker; with ``payouts_need_funding`` a
payout outside any funded envelope is not claimed either. Funding an envelope
again (after the sponsor topped up the account) uses the same reference.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import FundingAnswer
from skillsprogram.domain.lifecycle import PayoutStatus
from skillsprogram.domain.models import Payout
from skillsprogram.domain.payments import DisbursementEnvelope, DisbursementRun, EnvelopePayout
from skillsprogram.domain.types import new_id
from skillsprogram.errors import DomainError, NotFound
from skillsprogram.services.audit import Change, record
from skillsprogram.services.payouts import PayoutRun, run_payouts
from skillsprogram.storage.rows import EnvelopePayoutRow
from skillsprogram.storage.uow import UnitOfWork

FUNDED = "funded"
UNFUNDED = "unfunded"
PENDING = "pending"


@dataclass(frozen=True, slots=True)
class EnvelopeState:
    """One envelope as it stands: what it carries and what became of it."""

    envelope_id: uuid.UUID
    rail: str
    currency: str
    payouts: int
    total: int
    status: str
    reservation: str | None
    reason: str | None
    paid: int = 0
    paid_amount: int = 0


@dataclass
class RunState:
    """A disbursement run and its envelopes."""

    run_id: uuid.UUID
    status: str
    reason: str | None
    envelopes: list[EnvelopeState] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The sum of the envelopes' totals."""
        return sum(e.total for e in self.envelopes)


def prepare_run(ctx: ProgrammeContext) -> uuid.UUID | None:
    """Gather every due payout not yet in a run into a new run (one committed transaction);
    ``None`` when nothing is due."""
    now = ctx.clock.now()
    in_a_run = exists().where(col(EnvelopePayout.payout_id) == Payout.id)
    with ctx.transaction() as uow:
        query = (
            select(col(Payout.id), col(Payout.rail), col(Payout.currency), col(Payout.amount))
            .where(
                col(Payout.programme_id) == ctx.pid,
                col(Payout.status) == PayoutStatus.SCHEDULED.value,
                col(Payout.attempts) == 0,
                col(Payout.next_attempt_at) <= now,
                ~in_a_run,
            )
            .order_by(col(Payout.id))
        )
        rows = uow.session.execute(uow.locked(query, of=Payout, skip_locked=True)).all()
        if not rows:
            return None
        groups: dict[tuple[str, str], list[tuple[uuid.UUID, int]]] = defaultdict(list)
        for payout_id, rail, currency, amount in rows:
            groups[(rail, currency)].append((payout_id, amount))
        run_id = new_id()
        uow.session.add(
            DisbursementRun(
                id=run_id,
                programme_id=ctx.pid,
                status=PENDING,
                created_at=now,
                total=sum(amount for *_, amount in rows),
                currency=ctx.config.currency,
            )
        )
        uow.session.flush()
        members: list[EnvelopePayoutRow] = []
        for (rail, currency), items in sorted(groups.items()):
            envelope_id = new_id()
            uow.session.add(
                DisbursementEnvelope(
                    id=envelope_id,
                    run_id=run_id,
                    rail=rail,
                    payouts=len(items),
                    total=sum(amount for _, amount in items),
                    currency=currency,
                    status=PENDING,
                )
            )
            members += [{"envelope_id": envelope_id, "payout_id": payout_id} for payout_id, _ in items]
        uow.session.flush()
        uow.insert_rows(EnvelopePayout, members)
        record(
            uow,
            ctx,
            [Change("disbursement_run", run_id, "run_prepared", None, PENDING, {"payouts": len(rows)})],
        )
    return run_id


def _ask(
    ctx: ProgrammeContext, envelope_id: uuid.UUID, rail_code: str, total: int, currency: str
) -> FundingAnswer:
    reference = str(envelope_id)
    try:
        answer = ctx.hook.skillsprogram_reserve_funds(
            programme=ctx.config,
            rail=rail_code,
            reference=reference,
            amount=total,
            currency=currency,
            payment_rail=ctx.rail(rail_code),
        )
        if answer is None:
            return FundingAnswer(False, reason=f"no funding source for rail {rail_code}")
    except DomainError as error:
        return FundingAnswer(False, reason=error.message)
    except Exception as exc:  # a funding source failing must not send anything
        return FundingAnswer(False, reason=f"funding source error: {type(exc).__name__}: {exc}"[:500])
    if not isinstance(answer, FundingAnswer) or (answer.reserved and not answer.reservation):
        return FundingAnswer(False, reason="the funding source answered garbage")
    return answer


def fund_run(ctx: ProgrammeContext, run_id: uuid.UUID) -> RunState:
    """Ask for the funding of every envelope of the run not funded yet; records each answer."""
    with ctx.uow() as uow:
        envelopes = uow.session.execute(
            select(
                col(DisbursementEnvelope.id),
                col(DisbursementEnvelope.rail),
                col(DisbursementEnvelope.total),
                col(DisbursementEnvelope.currency),
            )
            .where(col(DisbursementEnvelope.run_id) == run_id, col(DisbursementEnvelope.status) != FUNDED)
            .order_by(col(DisbursementEnvelope.rail))
        ).all()
    answers = {row[0]: _ask(ctx, *row) for row in envelopes}
    with ctx.transaction() as uow:
        run = _run(uow, ctx, run_id)
        changes: list[Change] = []
        for envelope_id, answer in answers.items():
            envelope = uow.session.get(DisbursementEnvelope, envelope_id)
            assert envelope is not None
            envelope.status = FUNDED if answer.reserved else UNFUNDED
            envelope.reservation = answer.reservation
            envelope.reason = None if answer.reserved else (answer.reason or "refused")
            changes.append(
                Change(
                    "disbursement_envelope",
                    envelope.id,
                    "envelope_funded" if answer.reserved else "envelope_unfunded",
                    PENDING,
                    envelope.status,
                    {"rail": envelope.rail, "total": envelope.total, "reason": envelope.reason},
                )
            )
        uow.session.flush()
        statuses = set(
            uow.session.execute(
                select(col(DisbursementEnvelope.status)).where(col(DisbursementEnvelope.run_id) == run_id)
            ).scalars()
        )
        run.status = (
            FUNDED if statuses == {FUNDED} else UNFUNDED if FUNDED not in statuses else "partly_funded"
        )
        reasons = sorted(
            {a.reason for a in answers.values() if not a.reserved and a.reason},
        )
        run.reason = "; ".join(reasons) or None
        record(uow, ctx, changes)
    return run_state(ctx, run_id)


def send_run(ctx: ProgrammeContext, run_id: uuid.UUID, chunk: int = 200) -> PayoutRun:
    """Send the payouts of the run's funded envelopes (nothing of an unfunded one)."""
    return run_payouts(ctx, chunk=chunk, run_id=run_id)


def _run(uow: UnitOfWork, ctx: ProgrammeContext, run_id: uuid.UUID) -> DisbursementRun:
    run = uow.session.get(DisbursementRun, run_id)
    if run is None or run.programme_id != ctx.pid:
        raise NotFound(f"no disbursement run {run_id}", code="run-not-found")
    return run


def run_state(ctx: ProgrammeContext, run_id: uuid.UUID) -> RunState:
    """The run with each envelope's totals and how much of it was paid so far."""
    with ctx.uow() as uow:
        run = _run(uow, ctx, run_id)
        paid = {
            envelope_id: (int(count), int(amount or 0))
            for envelope_id, count, amount in uow.session.execute(
                select(col(EnvelopePayout.envelope_id), func.count(), func.sum(Payout.amount))
                .join(Payout, col(Payout.id) == EnvelopePayout.payout_id)
                .join(DisbursementEnvelope, col(DisbursementEnvelope.id) == EnvelopePayout.envelope_id)
                .where(
                    col(DisbursementEnvelope.run_id) == run_id, col(Payout.status) == PayoutStatus.PAID.value
                )
                .group_by(col(EnvelopePayout.envelope_id))
            ).all()
        }
        envelopes = [
            EnvelopeState(
                e.id,
                e.rail,
                e.currency,
                e.payouts,
                e.total,
                e.status,
                e.reservation,
                e.reason,
                *paid.get(e.id, (0, 0)),
            )
            for e in uow.session.execute(
                select(DisbursementEnvelope)
                .where(col(DisbursementEnvelope.run_id) == run_id)
                .order_by(col(DisbursementEnvelope.rail))
            ).scalars()
        ]
        return RunState(run.id, run.status, run.reason, envelopes)


def envelope_problems(uow: UnitOfWork, ctx: ProgrammeContext) -> list[str]:
    """Envelopes whose recorded count or total differs from the payouts they carry."""
    rows = uow.session.execute(
        select(
            col(DisbursementEnvelope.id),
            col(DisbursementEnvelope.payouts),
            col(DisbursementEnvelope.total),
            func.count(col(Payout.id)),
            func.coalesce(func.sum(Payout.amount), 0),
        )
        .join(DisbursementRun, col(DisbursementRun.id) == DisbursementEnvelope.run_id)
        .outerjoin(EnvelopePayout, col(EnvelopePayout.envelope_id) == DisbursementEnvelope.id)
        .outerjoin(Payout, col(Payout.id) == EnvelopePayout.payout_id)
        .where(col(DisbursementRun.programme_id) == ctx.pid)
        .group_by(
            col(DisbursementEnvelope.id), col(DisbursementEnvelope.payouts), col(DisbursementEnvelope.total)
        )
    ).all()
    return [
        f"envelope {envelope_id} says {count} payouts totalling {total}, carries {carried} totalling {amount}"
        for envelope_id, count, total, carried, amount in rows
        if (count, total) != (carried, int(amount))
    ]
