"""Beneficiaries with payouts waiting, sandbox rails with chosen behaviour, invariant checks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from skillsprogram_sandbox_rails.ledger import RailBooks
from skillsprogram_sandbox_rails.rail import SandboxRail
from skillsprogram_sandbox_rails.settings import parse_settings
from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Application, Payout, Purchase
from skillsprogram.services import accounts, ledger_checks, training, vouchers
from skillsprogram.services.outcomes import Outcome
from skillsprogram.services.training import CompletionReport, RatingRequest
from tests.services.helpers import course, to_voucher

T = TypeVar("T")
SECRET = "test-secret-that-is-long-enough"

QUIET = {
    "timeout_rate": 0.0,
    "transient_failure_rate": 0.0,
    "closed_account_rate": 0.0,
    "invalid_account_rate": 0.0,
    "name_mismatch_rate": 0.0,
}
WALLET = {
    "code": "wallet",
    "name": "Test wallet (SANDBOX)",
    "kind": "ewallet",
    "account_pattern": r"^W\d{9}$",
}


def install_rail(ctx: ProgrammeContext, books: RailBooks | None = None, **behaviour: object) -> SandboxRail:
    """Give ``ctx`` a sandbox wallet rail behaving as told (quiet otherwise), on ``books``."""
    settings = parse_settings({"rails": [WALLET], "seed": 7, **QUIET, **behaviour})
    rail = SandboxRail(settings.rails[0], settings, books or RailBooks(None), (ctx.config.currency,))
    ctx.__dict__["rails"] = {"wallet": rail}
    return rail


def books_of(rail: SandboxRail) -> RailBooks:
    """The books a sandbox rail writes to (to share them with a differently behaving rail)."""
    return rail._books


def person_of(ctx: ProgrammeContext, application_id: uuid.UUID) -> uuid.UUID:
    """The person behind an application."""
    with ctx.uow() as uow:
        return uow.session.execute(
            select(Application.person_id).where(Application.id == application_id)
        ).scalar_one()


def all_ok(outcomes: Sequence[Outcome[T]]) -> list[T]:
    """The values of a batch whose every item must have been accepted."""
    return [outcome.unwrap() for outcome in outcomes]


def train(ctx: ProgrammeContext, holders: list[uuid.UUID], code: str = "T-WELD") -> list[uuid.UUID]:
    """Buy, redeem, complete and rate a course for every holder (in batches); purchase ids."""
    course_id = course(ctx, code)
    with ctx.transaction() as uow:
        outcomes = vouchers.purchase_courses(uow, ctx, [vouchers.Order(h, course_id) for h in holders])
        purchase_ids = all_ok(outcomes)
        codes = list(
            uow.session.execute(
                select(Purchase.redeem_code).where(Purchase.id.in_(purchase_ids)).order_by(Purchase.id)
            ).scalars()
        )
        all_ok(training.redeem_many(uow, ctx, codes))
        reports = [CompletionReport(p, f"CERT-{p.hex[-10:]}", 80) for p in purchase_ids]
        all_ok(training.complete_many(uow, ctx, reports))
        all_ok(training.rate_many(uow, ctx, [RatingRequest(p, 5) for p in purchase_ids]))
    return purchase_ids


def with_payouts(ctx: ProgrammeContext, count: int, rail: SandboxRail | None = None) -> list[uuid.UUID]:
    """``count`` trained beneficiaries with verified wallets: 2 payouts each (one due now)."""
    if rail is None:
        install_rail(ctx)
    holders = to_voucher(ctx, count)
    with ctx.transaction() as uow:
        requests = [
            accounts.AccountRequest(person_of(ctx, h), "wallet", f"W{i:09d}") for i, h in enumerate(holders)
        ]
        all_ok(accounts.add_payment_accounts(uow, ctx, requests))
    train(ctx, holders)
    return holders


def payouts_by_status(ctx: ProgrammeContext) -> dict[str, int]:
    """How many payouts are in each status."""
    with ctx.uow() as uow:
        statuses = list(uow.session.execute(select(Payout.status)).scalars())
    return {s: statuses.count(s) for s in sorted(set(statuses))}


def keys(ctx: ProgrammeContext, status: str | None = None) -> list[str]:
    """The idempotency keys of the payouts (in ``status``)."""
    query = select(Payout.idempotency_key).order_by(Payout.idempotency_key)
    if status:
        query = query.where(Payout.status == status)
    with ctx.uow() as uow:
        return list(uow.session.execute(query).scalars())


def ledger_problems(ctx: ProgrammeContext) -> list[str]:
    """Every ledger invariant violation (empty when consistent)."""
    with ctx.uow() as uow:
        return ledger_checks.verify(uow, ctx).problems


def buy_repeatedly(
    database_url: str, programme: str, holder: uuid.UUID, course_id: uuid.UUID, times: int, start: Any
) -> dict[str, int]:
    """In a worker process of its own: buy ``course_id`` ``times`` times for ``holder``, each
    in its own transaction on its own connection; returns how many went through."""
    from collections import Counter

    from skillsprogram.clock import FixedClock
    from skillsprogram.context import load_programme
    from skillsprogram.errors import InsufficientBalance
    from skillsprogram.privacy import PersonalDataVault
    from skillsprogram.storage.db import make_engine
    from tests.conftest import START

    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    ctx = load_programme(engine, PersonalDataVault(SECRET), programme, clock=FixedClock(START))
    results: Counter[str] = Counter()
    start.wait()
    for _ in range(times):
        try:
            with ctx.uow() as uow:
                vouchers.purchase_course(uow, ctx, holder, course_id)
                uow.commit()
            results["ok"] += 1
        except InsufficientBalance:
            results["refused"] += 1
    engine.dispose()
    return dict(results)
