"""Benefits: events earn entitlements (by the benefit-schedule hook), entitlements become
payouts once the beneficiary has a verified account."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select, update
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import BenefitEvent, EntitlementSpec
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import AccountStatus, EntitlementStatus, PayoutStatus
from skillsprogram.domain.models import Application, Entitlement, PaymentAccount, Payout
from skillsprogram.domain.types import new_id
from skillsprogram.errors import ConfigurationError
from skillsprogram.services import ledger
from skillsprogram.services.audit import Change, record
from skillsprogram.services.batches import Progress, for_each_chunk
from skillsprogram.storage.rows import EntitlementRow, PayoutRow
from skillsprogram.storage.uow import UnitOfWork


def idempotency_key(programme_code: str, application_id: uuid.UUID, benefit: str, period: int) -> str:
    """The payout key: one per (beneficiary, benefit, period), the same on every retry."""
    return f"{programme_code}:{application_id}:{benefit}:{period}"


@dataclass(frozen=True, slots=True)
class Earning:
    """An event that may earn benefits for one beneficiary."""

    application_id: uuid.UUID
    person_id: uuid.UUID
    kind: str
    period: str | None = None
    details: Mapping[str, Any] | None = None


def earn_many(uow: UnitOfWork, ctx: ProgrammeContext, earnings: Sequence[Earning]) -> list[uuid.UUID]:
    """Ask the benefit schedule what each event earns and record it, with its ledger posting
    and, where the beneficiary has a verified account, its payout (same transaction).

    Returns the ids of the entitlements created. An instalment a beneficiary already
    has (same benefit and period) is never created twice.
    """
    if not earnings:
        return []
    existing: dict[uuid.UUID, set[tuple[str, int]]] = defaultdict(set)
    earned = select(col(Entitlement.application_id), col(Entitlement.benefit), col(Entitlement.period))
    for app_id, benefit, period in uow.rows_among(
        earned, col(Entitlement.application_id), [e.application_id for e in earnings]
    ):
        existing[app_id].add((benefit, period))
    now = ctx.clock.now()
    rows: list[EntitlementRow] = []
    changes: list[Change] = []
    for batch in one_per_beneficiary(earnings):
        events = [
            BenefitEvent(
                earning.application_id,
                earning.kind,
                now,
                earning.period,
                dict(earning.details or {}),
                dict(Counter(benefit for benefit, _p in existing[earning.application_id])),
            )
            for earning in batch
        ]
        for earning, specs in zip(batch, benefit_schedule(ctx, events), strict=True):
            have = existing[earning.application_id]
            for spec in specs:
                if (spec.benefit, spec.period) in have:
                    continue
                have.add((spec.benefit, spec.period))
                row, change = _entitlement(ctx, earning, spec, now)
                rows.append(row)
                changes.append(change)
    if not rows:
        return []
    uow.insert_rows(Entitlement, rows)
    payable = [row for row in rows if row["status"] == EntitlementStatus.EARNED.value]
    if payable:
        budget = ledger.budget_account(uow, ctx)
        owed = ledger.account(uow, ctx, AccountKind.BENEFIT_PAYABLE, "programme")
        ledger.post(
            uow,
            ctx,
            [
                transfer(
                    "benefit_earned", f"entitlement:{row['id']}", budget, owed, row["amount"], row["currency"]
                )
                for row in payable
            ],
        )
    record(uow, ctx, changes)
    schedule_payouts_for(uow, ctx, [row["id"] for row in payable])
    return [row["id"] for row in rows]


def _entitlement(
    ctx: ProgrammeContext, earning: Earning, spec: EntitlementSpec, now: datetime
) -> tuple[EntitlementRow, Change]:
    """The entitlement row an instalment of the schedule makes, and its audit change."""
    status = EntitlementStatus.WITHHELD if spec.withheld_reason else EntitlementStatus.EARNED
    row: EntitlementRow = {
        "id": new_id(),
        "programme_id": ctx.pid,
        "application_id": earning.application_id,
        "benefit": spec.benefit,
        "period": spec.period,
        "amount": spec.amount,
        "currency": ctx.config.currency,
        "status": status.value,
        "reason": spec.withheld_reason,
        "earned_at": now,
        "due_at": spec.due_at,
    }
    change = Change(
        "entitlement",
        row["id"],
        "entitlement_withheld" if spec.withheld_reason else "entitlement_earned",
        None,
        status.value,
        {
            "person_id": str(earning.person_id),
            "application_id": str(earning.application_id),
            "benefit": spec.benefit,
            "period": spec.period,
            "amount": spec.amount,
            **({"reason": spec.withheld_reason} if spec.withheld_reason else {}),
        },
    )
    return row, change


def one_per_beneficiary(earnings: Sequence[Earning]) -> list[list[Earning]]:
    """Split ``earnings`` into batches holding each beneficiary at most once, in order: a
    beneficiary's second event is judged after the first's instalments are counted."""
    batches: list[list[Earning]] = []
    seen: Counter[uuid.UUID] = Counter()
    for earning in earnings:
        position = seen[earning.application_id]
        seen[earning.application_id] += 1
        if position == len(batches):
            batches.append([])
        batches[position].append(earning)
    return batches


def benefit_schedule(ctx: ProgrammeContext, events: Sequence[BenefitEvent]) -> list[list[EntitlementSpec]]:
    """What each event earns, in order: a plugin still on the per-event
    ``skillsprogram_entitlements`` answers first, event by event; the rest go to
    ``skillsprogram_benefit_schedule`` in one call.

    :raises ConfigurationError: when the schedule answers a list of the wrong length.
    """
    answers: list[list[EntitlementSpec] | None] = [None] * len(events)
    if ctx.hook.skillsprogram_entitlements.get_hookimpls():
        answers = [ctx.hook.skillsprogram_entitlements(event=event, programme=ctx.config) for event in events]
    rest = [index for index, answer in enumerate(answers) if answer is None]
    if rest:
        batch = ctx.hook.skillsprogram_benefit_schedule(
            events=[events[index] for index in rest], programme=ctx.config
        )
        if batch is None:
            batch = [[] for _ in rest]
        if len(batch) != len(rest):
            raise ConfigurationError(
                f"the benefit schedule answered {len(batch)} lists for {len(rest)} events (one per event)"
            )
        for index, specs in zip(rest, batch, strict=True):
            answers[index] = specs
    return [answer or [] for answer in answers]


def schedule_payouts_for(uow: UnitOfWork, ctx: ProgrammeContext, entitlement_ids: Sequence[uuid.UUID]) -> int:
    """Create payouts for earned entitlements whose beneficiary has a verified account."""
    payable = _payable_query(ctx)
    return _create_payouts(uow, ctx, list(uow.rows_among(payable, col(Entitlement.id), entitlement_ids)))


#: What :func:`_payable_query` selects: an earned entitlement and the verified account it is
#: paid into (entitlement id, application, benefit, period, amount, currency, due, account
#: id, rail, person).
Payable = tuple[uuid.UUID, uuid.UUID, str, int, int, str, datetime, uuid.UUID, str, uuid.UUID]


def _payable_query(ctx: ProgrammeContext) -> Select[*Payable]:
    return (
        select(
            col(Entitlement.id),
            col(Entitlement.application_id),
            col(Entitlement.benefit),
            col(Entitlement.period),
            col(Entitlement.amount),
            col(Entitlement.currency),
            col(Entitlement.due_at),
            col(PaymentAccount.id),
            col(PaymentAccount.rail),
            col(Application.person_id),
        )
        .join(Application, col(Application.id) == Entitlement.application_id)
        .join(PaymentAccount, col(PaymentAccount.person_id) == Application.person_id)
        .where(
            col(Entitlement.programme_id) == ctx.pid,
            col(Entitlement.status) == EntitlementStatus.EARNED.value,
            col(PaymentAccount.status) == AccountStatus.VERIFIED.value,
        )
    )


def _paid_accounts(uow: UnitOfWork, rows: Sequence[Row[*Payable]]) -> list[Row[*Payable]]:
    """One row an entitlement: the account its person chose, else the first verified one."""
    chosen = set(
        uow.scalars_among(
            select(col(PaymentAccount.id)).where(col(PaymentAccount.chosen_at).is_not(None)),
            col(PaymentAccount.id),
            {row[7] for row in rows},
        )
    )
    picked: dict[uuid.UUID, Row[*Payable]] = {}
    for row in rows:
        if row[0] not in picked or row[7] in chosen:
            picked[row[0]] = row
    return list(picked.values())


def _create_payouts(uow: UnitOfWork, ctx: ProgrammeContext, rows: Sequence[Row[*Payable]]) -> int:
    now = ctx.clock.now()
    payouts: list[PayoutRow] = []
    for (
        entitlement_id,
        application_id,
        benefit,
        period,
        amount,
        currency,
        due_at,
        account_id,
        rail,
        _,
    ) in _paid_accounts(uow, rows):  # a person with two verified accounts is paid once
        payouts.append(
            {
                "id": new_id(),
                "programme_id": ctx.pid,
                "entitlement_id": entitlement_id,
                "payment_account_id": account_id,
                "rail": rail,
                "amount": amount,
                "currency": currency,
                "idempotency_key": idempotency_key(ctx.config.code, application_id, benefit, period),
                "status": PayoutStatus.SCHEDULED.value,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
                "next_attempt_at": max(now, due_at),
            }
        )
    if not payouts:
        return 0
    uow.insert_rows(Payout, payouts)
    uow.execute_among(
        update(Entitlement)
        .values(status=EntitlementStatus.PAYOUT_CREATED.value)
        .execution_options(synchronize_session=False),
        col(Entitlement.id),
        [p["entitlement_id"] for p in payouts],
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

    def handle(uow: UnitOfWork, rows: Sequence[Row[*Payable]]) -> int:
        return _create_payouts(uow, ctx, rows)

    created = for_each_chunk(
        ctx, _payable_query(ctx), Entitlement.id, handle, chunk, progress, lock_of=Entitlement
    )
    # Payout runs follow: let the planner see the payouts scheduled since it last looked,
    # so that a claim walks the due index instead of sorting every due payout.
    with ctx.transaction() as uow:
        uow.refresh_statistics(Payout, Entitlement)
    return created
