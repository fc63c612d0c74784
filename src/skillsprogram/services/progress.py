"""How far a wave's batch steps have gone, read from status counts, and the payouts by
state and rail: what the console's steps and payouts pages show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus as S
from skillsprogram.domain.models import Application, Payout
from skillsprogram.storage.uow import UnitOfWork

_AFTER_DRAW = {S.VOUCHER_ISSUED, S.TRAINING, S.TRAINING_COMPLETED, S.FORFEITED}
_DRAWN = {S.SELECTED, S.WAITLISTED, *_AFTER_DRAW}
_SCREENED = {S.ELIGIBLE, S.INELIGIBLE, *_DRAWN}

#: For the steps that move applications: the statuses waiting for the step, and those
#: past it. Steps that move no application (payouts, events, reports) have none.
STEP_STATUSES: dict[str, tuple[frozenset[S], frozenset[S]]] = {
    "verify-identities": (
        frozenset({S.REGISTERED}),
        frozenset({S.IDENTITY_VERIFIED, S.IDENTITY_REJECTED, *_SCREENED}),
    ),
    "screening": (frozenset({S.IDENTITY_VERIFIED}), frozenset(_SCREENED)),
    "voucher-issue": (frozenset({S.SELECTED}), frozenset(_AFTER_DRAW)),
    "voucher-forfeiture": (frozenset({S.VOUCHER_ISSUED}), frozenset({S.FORFEITED})),
}


@dataclass(frozen=True, slots=True)
class StepProgress:
    """One batch step: how many applications wait for it and how many are past it
    (``None`` for a step that moves no application)."""

    step: str
    waiting: int | None
    passed: int | None


def status_counts(uow: UnitOfWork, ctx: ProgrammeContext) -> dict[str, int]:
    """The programme's applications by status."""
    rows = uow.session.execute(
        select(col(Application.status), func.count())
        .where(col(Application.programme_id) == ctx.pid)
        .group_by(col(Application.status))
    )
    return {status: count for status, count in rows}


def step_progress(uow: UnitOfWork, ctx: ProgrammeContext, steps: list[str]) -> list[StepProgress]:
    """The progress of each of ``steps`` (the names the API's steps route runs)."""
    counts = status_counts(uow, ctx)
    found = []
    for step in steps:
        if step not in STEP_STATUSES:
            found.append(StepProgress(step, None, None))
            continue
        waiting, passed = STEP_STATUSES[step]
        found.append(
            StepProgress(
                step,
                sum(counts.get(s.value, 0) for s in waiting),
                sum(counts.get(s.value, 0) for s in passed),
            )
        )
    return found


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """Payouts of one state through one rail: how many, and their amount."""

    status: str
    rail: str
    count: int
    amount: int


def payouts_by_state(uow: UnitOfWork, ctx: ProgrammeContext) -> list[PayoutLine]:
    """The programme's payouts by state and rail, with their amounts (minor units)."""
    rows = uow.session.execute(
        select(
            col(Payout.status), col(Payout.rail), func.count(), func.coalesce(func.sum(col(Payout.amount)), 0)
        )
        .where(col(Payout.programme_id) == ctx.pid)
        .group_by(col(Payout.status), col(Payout.rail))
        .order_by(col(Payout.status), col(Payout.rail))
    )
    return [PayoutLine(status, rail, count, int(amount)) for status, rail, count, amount in rows]
