"""Provider settlements: pay training providers directly for the enrolments they deliver.

Where tuition is paid to the institute (rather than a voucher spent on a
marketplace that collects for the provider), the price of each enrolment sits in
the provider's ledger account ("owed to the provider") from the moment it is
bought. ``[provider_settlement] settle_when`` says when an enrolment becomes
payable; :func:`settle_providers` then gathers each provider's payable
enrolments into one settlement and sends it to the provider's verified account.

Settlements are sent exactly like payouts (:mod:`skillsprogram.services.payouts`):
claimed and committed as ``sending`` before any rail is called, an idempotency key
stored before the first attempt, the rail asked for the key's status before any
resend. An enrolment belongs to at most one settlement (``settlement_item`` is
keyed by the purchase), so two workers can never pay it twice.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import col

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import PaymentInstruction
from skillsprogram.domain.ledger import AccountKind, transfer
from skillsprogram.domain.lifecycle import AccountStatus, PayoutStatus, PurchaseStatus
from skillsprogram.domain.models import Application, Course, Purchase, TrainingProvider
from skillsprogram.domain.settlement_models import ProviderAccount, ProviderSettlement, SettlementItem
from skillsprogram.domain.transfers import SETTLEMENT_MOVES, RailAnswer, apply_answer, still_held, take
from skillsprogram.domain.types import new_id
from skillsprogram.errors import ConfigurationError, DomainError, NotFound
from skillsprogram.services import ledger
from skillsprogram.services.accounts import account_verdict, name_titles
from skillsprogram.services.audit import Change, record
from skillsprogram.services.outcomes import Outcome
from skillsprogram.services.payouts import LEASE, call_rail, due_first
from skillsprogram.storage.rows import ProviderSettlementRow, SettlementItemRow
from skillsprogram.storage.uow import UnitOfWork

#: Purchase states at or past each ``settle_when`` setting.
PAYABLE_STATES = {
    "purchased": (PurchaseStatus.PURCHASED, PurchaseStatus.REDEEMED, PurchaseStatus.COMPLETED),
    "redeemed": (PurchaseStatus.REDEEMED, PurchaseStatus.COMPLETED),
    "completed": (PurchaseStatus.COMPLETED,),
}


@dataclass(frozen=True, slots=True)
class ProviderAccountRequest:
    """A provider giving the account it wants to be paid on."""

    provider_code: str
    rail: str
    account_number: str
    holder_name: str


@dataclass
class SettlementRun:
    """What a settlement run did: settlements created, then the outcome of each send."""

    scheduled: int = 0
    enrolments: int = 0
    awaiting_account: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    paid_amount: int = 0


def register_provider_accounts(
    uow: UnitOfWork, ctx: ProgrammeContext, requests: Sequence[ProviderAccountRequest]
) -> list[Outcome[uuid.UUID]]:
    """Record the accounts providers are paid on, each checked with its rail.

    An account the rail does not know, or holds in another name than the
    provider's, is stored ``rejected`` with the reason (and not paid). A provider
    that already has an account keeps it, also when it registers two at the same moment.
    """
    return uow.recheck_on_conflict(lambda: _register_provider_accounts(uow, ctx, requests))


def _register_provider_accounts(
    uow: UnitOfWork, ctx: ProgrammeContext, requests: Sequence[ProviderAccountRequest]
) -> list[Outcome[uuid.UUID]]:
    codes = sorted({r.provider_code for r in requests})
    providers = {
        p.code: p for p in uow.scalars_among(select(TrainingProvider), col(TrainingProvider.code), codes)
    }
    existing = {
        a.provider_id: a
        for a in uow.scalars_among(
            select(ProviderAccount), col(ProviderAccount.provider_id), [p.id for p in providers.values()]
        )
    }
    now = ctx.clock.now()
    outcomes: list[Outcome[uuid.UUID]] = []
    changes: list[Change] = []
    for request in requests:
        try:
            provider = providers.get(request.provider_code)
            if provider is None:
                raise NotFound(f"no provider {request.provider_code!r}", code="provider-not-found")
            if provider.id in existing:
                outcomes.append(Outcome(existing[provider.id].id))
                continue
            check = ctx.rail(request.rail).validate_account(request.account_number, request.holder_name)
        except DomainError as error:
            outcomes.append(Outcome(error=error))
            continue
        status, reason = account_verdict(check, request.holder_name, "the provider's name", name_titles(ctx))
        row = ProviderAccount(
            id=new_id(),
            provider_id=provider.id,
            rail=request.rail,
            account_number=request.account_number,
            holder_name=check.holder_name or request.holder_name,
            status=status.value,
            status_reason=reason,
            created_at=now,
            verified_at=now if status is AccountStatus.VERIFIED else None,
        )
        uow.session.add(row)
        existing[provider.id] = row
        outcomes.append(Outcome(row.id))
        changes.append(
            Change(
                "provider_account",
                row.id,
                f"provider_account_{status.value}",
                None,
                status.value,
                {"provider": provider.code, "rail": request.rail, **({"reason": reason} if reason else {})},
            )
        )
    uow.session.flush()
    record(uow, ctx, changes)
    return outcomes


def schedule_settlements(uow: UnitOfWork, ctx: ProgrammeContext) -> SettlementRun:
    """Gather every payable, unsettled enrolment into one settlement per provider.

    Providers without a verified account are left for a later run (counted in
    ``awaiting_account``).
    """
    rules = ctx.config.provider_settlement
    if rules is None:
        raise ConfigurationError("this programme does not settle with providers ([provider_settlement])")
    run = SettlementRun()
    states = [s.value for s in PAYABLE_STATES[rules.settle_when]]
    settled = select(col(SettlementItem.purchase_id))
    query = (
        select(col(Purchase.id), col(Purchase.price), col(Course.provider_id))
        .join(Course, col(Course.id) == col(Purchase.course_id))
        .join(Application, col(Application.id) == col(Purchase.application_id))
        .where(
            col(Application.programme_id) == ctx.pid,
            col(Purchase.status).in_(states),
            col(Purchase.id).not_in(settled),
        )
        .order_by(col(Purchase.id))
    )
    # a second worker skips the enrolments this one is gathering instead of settling them again
    payable = uow.session.execute(uow.locked(query, of=Purchase, skip_locked=True)).all()
    by_provider: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = defaultdict(list)
    for purchase_id, price, provider_id in payable:
        by_provider[provider_id].append((purchase_id, int(price)))
    if not by_provider:
        return run
    verified = select(ProviderAccount).where(col(ProviderAccount.status) == AccountStatus.VERIFIED.value)
    accounts = {
        a.provider_id: a for a in uow.scalars_among(verified, col(ProviderAccount.provider_id), by_provider)
    }
    codes: dict[uuid.UUID, str] = {
        provider_id: code
        for provider_id, code in uow.rows_among(
            select(col(TrainingProvider.id), col(TrainingProvider.code)),
            col(TrainingProvider.id),
            by_provider,
        )
    }
    now = ctx.clock.now()
    settlements: list[ProviderSettlementRow] = []
    items: list[SettlementItemRow] = []
    changes: list[Change] = []
    for provider_id, enrolments in sorted(by_provider.items()):
        account = accounts.get(provider_id)
        if account is None:
            run.awaiting_account += len(enrolments)
            continue
        settlement_id = new_id()
        amount = sum(price for _p, price in enrolments)
        settlements.append(
            ProviderSettlementRow(
                id=settlement_id,
                programme_id=ctx.pid,
                provider_id=provider_id,
                provider_account_id=account.id,
                rail=account.rail,
                amount=amount,
                currency=ctx.config.currency,
                enrolments=len(enrolments),
                idempotency_key=f"{ctx.config.code}:provider:{codes[provider_id]}:{settlement_id}",
                status=PayoutStatus.SCHEDULED.value,
                attempts=0,
                created_at=now,
                updated_at=now,
                next_attempt_at=now,
            )
        )
        items.extend(
            SettlementItemRow(purchase_id=p, settlement_id=settlement_id, amount=price)
            for p, price in enrolments
        )
        changes.append(
            Change(
                "provider_settlement",
                settlement_id,
                "settlement_scheduled",
                None,
                PayoutStatus.SCHEDULED.value,
                {"provider": codes[provider_id], "amount": amount, "enrolments": len(enrolments)},
            )
        )
        run.scheduled += 1
        run.enrolments += len(enrolments)
    uow.insert_rows(ProviderSettlement, settlements)
    uow.insert_rows(SettlementItem, items)
    record(uow, ctx, changes)
    return run


@dataclass(frozen=True, slots=True)
class _Claim:
    settlement_id: uuid.UUID
    token: int
    resolve_first: bool
    rail: str
    instruction: PaymentInstruction


def _claim(ctx: ProgrammeContext, chunk: int) -> list[_Claim]:
    now = ctx.clock.now()
    with ctx.uow() as uow:
        query = due_first(
            uow,
            select(ProviderSettlement, col(ProviderAccount.account_number), col(ProviderAccount.holder_name))
            .join(ProviderAccount, col(ProviderAccount.id) == col(ProviderSettlement.provider_account_id))
            .where(col(ProviderSettlement.programme_id) == ctx.pid),
            ProviderSettlement,
            now,
            chunk,
        )
        claims = []
        for settlement, number, holder in uow.session.execute(query).all():
            resolve_first = take(settlement, SETTLEMENT_MOVES, now, LEASE)
            instruction = PaymentInstruction(
                idempotency_key=settlement.idempotency_key,
                account_number=number,
                holder_name=holder,
                amount=settlement.amount,
                currency=settlement.currency,
                description=f"{ctx.config.programme.name}: tuition, {settlement.enrolments} enrolments",
            )
            claims.append(
                _Claim(settlement.id, settlement.attempts, resolve_first, settlement.rail, instruction)
            )
        uow.commit()
    return claims


def send_settlements(
    ctx: ProgrammeContext, chunk: int = 100, run: SettlementRun | None = None
) -> SettlementRun:
    """Send every due settlement through its rail, at most once per idempotency key.

    Claims are fenced like payouts' (:func:`~skillsprogram.domain.transfers.still_held`):
    a worker overtaken after its lease records nothing, so no settlement is booked twice.
    """
    run = run or SettlementRun()
    while claims := _claim(ctx, chunk):
        answers = [(c, call_rail(ctx, c.rail, c.instruction, c.resolve_first)) for c in claims]
        _record(ctx, answers, run)
    return run


def _record(ctx: ProgrammeContext, answers: list[tuple[_Claim, RailAnswer]], run: SettlementRun) -> None:
    """Record the rails' answers for claimed settlements, skipping any claim overtaken."""
    with ctx.transaction() as uow:
        now = ctx.clock.now()
        held = {
            s.id: s
            for s in uow.scalars_among(
                select(ProviderSettlement),
                col(ProviderSettlement.id),
                [c.settlement_id for c, _answer in answers],
                lock=True,
            )
        }
        postings, changes = [], []
        for claim, answer in answers:
            settlement = held[claim.settlement_id]
            if not still_held(settlement, claim.token):
                run.outcomes["stale"] += 1
                continue
            outcome = apply_answer(settlement, SETTLEMENT_MOVES, answer, now)
            run.outcomes[outcome] += 1
            if outcome == PayoutStatus.PAID.value:
                owed = ledger.account(uow, ctx, AccountKind.PROVIDER, str(settlement.provider_id))
                rail_account = ledger.account(uow, ctx, AccountKind.RAIL, settlement.rail)
                postings.append(
                    transfer(
                        "provider_settlement",
                        f"settlement:{settlement.id}",
                        owed,
                        rail_account,
                        settlement.amount,
                        settlement.currency,
                    )
                )
                run.paid_amount += settlement.amount
            changes.append(
                Change(
                    "provider_settlement",
                    settlement.id,
                    f"settlement_{outcome}",
                    PayoutStatus.SENDING,
                    settlement.status,
                    {
                        "rail": settlement.rail,
                        "amount": settlement.amount,
                        "attempts": settlement.attempts,
                        **({"reason": settlement.last_error} if settlement.last_error else {}),
                    },
                )
            )
        ledger.post(uow, ctx, postings)
        record(uow, ctx, changes)


def settle_providers(ctx: ProgrammeContext) -> SettlementRun:
    """Schedule settlements for every payable enrolment, then send what is due."""
    with ctx.transaction() as uow:
        run = schedule_settlements(uow, ctx)
    return send_settlements(ctx, run=run)
