"""An application's way through the programme, stage by stage, as the person follows it.

Registered → identity verified → eligible (or the rule that refused it) → selected or
waitlisted → voucher issued → course bought → training completed → course rated → each
instalment paid. Each stage says whether it is done, refused, waiting or still to come,
and when it happened; interfaces put it into words (the portal, in the person's language).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.clock import as_utc
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus, PayoutStatus, PurchaseStatus
from skillsprogram.domain.models import AuditEvent, Rating
from skillsprogram.services.records import ApplicationProgress, application_progress
from skillsprogram.storage.uow import UnitOfWork

S = ApplicationStatus
StageState = Literal["done", "refused", "waiting", "upcoming", "stopped"]

#: How far along each status is: a stage whose rank is below the application's is done.
_RANK = {
    S.REGISTERED: 1,
    S.IDENTITY_REJECTED: 1,
    S.IDENTITY_VERIFIED: 2,
    S.INELIGIBLE: 2,
    S.ELIGIBLE: 3,
    S.WAITLISTED: 3,
    S.SELECTED: 4,
    S.VOUCHER_ISSUED: 5,
    S.FORFEITED: 5,
    S.TRAINING: 6,
    S.TRAINING_COMPLETED: 7,
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """An eligibility rule the application failed, with the reason the rule gave."""

    rule: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class Instalment:
    """One benefit instalment earned, and where its payment stands."""

    benefit: str
    label: str
    """What recipients call the benefit: its configured label (an English text the
    programme's catalogues may translate), else its code."""
    period: int
    amount: int
    earned_at: datetime
    due_at: datetime
    payment: str
    """``paid``, ``scheduled`` (to be sent on ``due_at``, still to come), ``on-the-way``
    (due and being sent, or its answer awaited), ``failed`` (failed, returned, cancelled),
    ``withheld``, ``cancelled`` or ``not-yet-sent``."""
    paid_at: datetime | None


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of the way."""

    key: str
    """``registered``, ``identity``, ``eligibility``, ``selection``, ``voucher``, ``purchase``,
    ``completion``, ``rating``, ``payments``."""
    state: StageState
    at: datetime | None = None
    outcome: str | None = None
    """What the step came to where it has more than one ending (``waitlisted``,
    ``forfeited``, ``revoked``)."""


@dataclass
class Journey:
    """An application's stages, with the facts a person asks about."""

    application_id: uuid.UUID
    status: str
    wave_number: int | None
    stages: list[Stage]
    refusals: list[Refusal] = field(default_factory=list)
    instalments: list[Instalment] = field(default_factory=list)
    voucher_balance: int | None = None
    revoked: bool = False
    purchase_id: uuid.UUID | None = None
    """The first course bought and not cancelled (its page holds the redeem code)."""
    to_rate: uuid.UUID | None = None
    """The first course finished and not yet rated."""


def journey(uow: UnitOfWork, ctx: ProgrammeContext, application_id: uuid.UUID) -> Journey:
    """The way of ``application_id`` so far (not found unless it is this programme's)."""
    record = application_progress(uow, ctx, application_id)
    reached = _times_reached(uow, ctx, record)
    ratings = _ratings(uow, record)
    bought = [p for p in record.purchases if p.status != PurchaseStatus.CANCELLED]
    unrated = [p.id for p in bought if p.status == PurchaseStatus.COMPLETED and p.id not in ratings]
    return Journey(
        application_id=record.application.id,
        status=record.application.status,
        wave_number=record.wave_number,
        stages=_stages(record, reached, sorted(ratings.values())),
        refusals=[Refusal(f.rule, f.reason) for f in record.findings if not f.passed],
        instalments=_instalments(
            record, ctx.clock.now(), {b.code: b.label or b.code for b in ctx.config.benefits}
        ),
        voucher_balance=record.voucher_balance,
        revoked=record.application.status == S.REVOKED,
        purchase_id=bought[0].id if bought else None,
        to_rate=unrated[0] if unrated else None,
    )


def _times_reached(
    uow: UnitOfWork, ctx: ProgrammeContext, record: ApplicationProgress
) -> dict[str, datetime]:
    """When the application first reached each status, from its audit events."""
    reached: dict[str, datetime] = {S.REGISTERED.value: record.application.registered_at}
    rows = uow.session.execute(
        select(col(AuditEvent.to_status), col(AuditEvent.occurred_at))
        .where(
            col(AuditEvent.entity) == "application",
            col(AuditEvent.entity_id) == str(record.application.id),
            col(AuditEvent.to_status).is_not(None),
        )
        .order_by(col(AuditEvent.id))
    )
    for status, occurred in rows:
        reached.setdefault(str(status), occurred)
    return reached


def _ratings(uow: UnitOfWork, record: ApplicationProgress) -> dict[uuid.UUID, datetime]:
    """When each rated purchase of the application was rated."""
    ids = [p.id for p in record.purchases]
    if not ids:
        return {}
    return dict(
        uow.session.execute(
            select(col(Rating.purchase_id), col(Rating.rated_at)).where(col(Rating.purchase_id).in_(ids))
        ).all()
    )


def _stages(
    record: ApplicationProgress, reached: dict[str, datetime], ratings: list[datetime]
) -> list[Stage]:
    status = S(record.application.status)
    revoked = status == S.REVOKED
    rank = max((_RANK[S(s)] for s in reached if S(s) in _RANK), default=1) if revoked else _RANK[status]
    stopped: StageState = "stopped" if revoked else "upcoming"

    def step(key: str, done_at: datetime | None, done: bool, waiting: bool) -> Stage:
        if done:
            return Stage(key, "done", done_at)
        return Stage(key, "waiting" if waiting and not revoked else stopped)

    stages = [Stage("registered", "done", record.application.registered_at)]
    if status == S.IDENTITY_REJECTED:
        stages.append(Stage("identity", "refused", reached.get(S.IDENTITY_REJECTED.value)))
    else:
        stages.append(step("identity", reached.get(S.IDENTITY_VERIFIED.value), rank >= 2, rank == 1))
    if status == S.INELIGIBLE:
        stages.append(Stage("eligibility", "refused", reached.get(S.INELIGIBLE.value)))
    else:
        stages.append(step("eligibility", reached.get(S.ELIGIBLE.value), rank >= 3, rank == 2))
    if status == S.WAITLISTED:
        stages.append(Stage("selection", "waiting", reached.get(S.WAITLISTED.value), outcome="waitlisted"))
    else:
        stages.append(step("selection", reached.get(S.SELECTED.value), rank >= 4, rank == 3))
    if status == S.FORFEITED:
        stages.append(Stage("voucher", "done", reached.get(S.VOUCHER_ISSUED.value), outcome="forfeited"))
    else:
        stages.append(step("voucher", reached.get(S.VOUCHER_ISSUED.value), rank >= 5, rank == 4))
    bought = [p for p in record.purchases if p.status != PurchaseStatus.CANCELLED]
    stages.append(step("purchase", bought[0].purchased_at if bought else None, bool(bought), rank == 5))
    completed = rank >= 7 or any(p.status == PurchaseStatus.COMPLETED for p in bought)
    stages.append(step("completion", reached.get(S.TRAINING_COMPLETED.value), completed, bool(bought)))
    stages.append(step("rating", ratings[0] if ratings else None, bool(ratings), completed))
    paid = [p for p in record.payouts if p.status == PayoutStatus.PAID]
    stages.append(
        step(
            "payments", max((p.updated_at for p in paid), default=None), bool(paid), bool(record.entitlements)
        )
    )
    if revoked:
        stages.append(Stage("revoked", "refused", reached.get(S.REVOKED.value), outcome="revoked"))
    return stages


_ON_THE_WAY = {PayoutStatus.SCHEDULED, PayoutStatus.SENDING, PayoutStatus.UNKNOWN}
_NOT_PAID = {PayoutStatus.FAILED, PayoutStatus.RETURNED, PayoutStatus.CANCELLED}


def _instalments(record: ApplicationProgress, now: datetime, labels: dict[str, str]) -> list[Instalment]:
    payouts = {p.entitlement_id: p for p in record.payouts}
    found = []
    for entitlement in record.entitlements:
        payout = payouts.get(entitlement.id)
        if payout is None:
            payment = (
                entitlement.status if entitlement.status in ("withheld", "cancelled") else "not-yet-sent"
            )
        elif payout.status == PayoutStatus.PAID:
            payment = "paid"
        elif payout.status == PayoutStatus.SCHEDULED and as_utc(entitlement.due_at) > now:
            payment = "scheduled"
        elif PayoutStatus(payout.status) in _ON_THE_WAY:
            payment = "on-the-way"
        else:
            payment = "failed" if PayoutStatus(payout.status) in _NOT_PAID else payout.status
        found.append(
            Instalment(
                benefit=entitlement.benefit,
                label=labels.get(entitlement.benefit, entitlement.benefit),
                period=entitlement.period,
                amount=entitlement.amount,
                earned_at=entitlement.earned_at,
                due_at=entitlement.due_at,
                payment=payment,
                paid_at=payout.updated_at if payout is not None and payment == "paid" else None,
            )
        )
    return found
