"""Ledger invariants, two-phase voucher spends under concurrency, revocation and repayments."""

from __future__ import annotations

import multiprocessing
import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select, text, update
from typer.testing import CliRunner

from skillsprogram.clock import FixedClock
from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import CourseSpec
from skillsprogram.domain.ledger import AccountKind
from skillsprogram.domain.models import LedgerAccount, Payout, Purchase
from skillsprogram.errors import InsufficientBalance, InvalidTransition
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import (
    catalogue,
    clawback,
    ledger,
    payouts,
    revocation,
    training,
    voucher_holds,
    vouchers,
)
from skillsprogram.simulation import run_demo
from skillsprogram.storage.db import make_engine
from tests.conftest import START
from tests.money.helpers import buy_repeatedly, install_rail, ledger_problems, with_payouts
from tests.services.helpers import course, to_voucher


def balance_of(ctx: ProgrammeContext, kind: AccountKind, owner: str) -> int:
    with ctx.uow() as uow:
        account = uow.session.execute(
            select(LedgerAccount.id).where(LedgerAccount.kind == kind.value, LedgerAccount.owner_id == owner)
        ).scalar_one_or_none()
        return 0 if account is None else ledger.balance(uow, account)


def voucher_id(ctx: ProgrammeContext, holder: uuid.UUID) -> str:
    with ctx.uow() as uow:
        return str(vouchers.voucher_of(uow, holder).id)


def test_a_purchase_reserves_redemption_captures_and_cancellation_releases(ctx: ProgrammeContext) -> None:
    holder, other = to_voucher(ctx, 2)
    weld = course(ctx, "T-WELD")
    with ctx.transaction() as uow:
        bought = vouchers.purchase_course(uow, ctx, holder, weld)
        kept = vouchers.purchase_course(uow, ctx, other, weld)
        code = kept.redeem_code
    vid = voucher_id(ctx, holder)
    assert balance_of(ctx, AccountKind.VOUCHER_HOLD, vid) == 400_000
    assert ledger_problems(ctx) == []
    with ctx.transaction() as uow:
        training.redeem(uow, ctx, code)
    assert balance_of(ctx, AccountKind.VOUCHER_HOLD, voucher_id(ctx, other)) == 0
    with ctx.uow() as uow:
        assert vouchers.voucher_balance(uow, other) == 600_000
    with ctx.transaction() as uow:
        (released,) = voucher_holds.cancel_purchases(uow, ctx, [bought.id], "changed their mind")
        assert released.unwrap() == 400_000
        (refused,) = voucher_holds.cancel_purchases(uow, ctx, [kept.id], "too late")
        assert isinstance(refused.error, InvalidTransition)
    with ctx.uow() as uow:
        assert vouchers.voucher_balance(uow, holder) == 1_000_000
    assert balance_of(ctx, AccountKind.VOUCHER_HOLD, vid) == 0
    assert ledger_problems(ctx) == []


#: Real database connections the 200 buyers share (the test server is shared: stay well below
#: PostgreSQL's default max_connections of 100).
CONNECTIONS = 20


def _cheap_course(ctx: ProgrammeContext, price: int) -> uuid.UUID:
    spec = CourseSpec(
        "T-CHEAP", "Safety basics", "health", "online", price, 1, "p1", "Harbour", "tm", "Testmarket"
    )
    with ctx.transaction() as uow:
        catalogue.add_courses(uow, ctx, [spec])
    return course(ctx, "T-CHEAP")


def test_200_concurrent_purchases_on_one_voucher_succeed_exactly_as_far_as_the_balance_goes(
    ctx: ProgrammeContext, database_url: str
) -> None:
    (holder,) = to_voucher(ctx, 1)
    price = 7_000
    cheap = _cheap_course(ctx, price)
    engine = make_engine(database_url, pool_size=CONNECTIONS, max_overflow=0, pool_timeout=300)
    shared = ProgrammeContext(
        config=ctx.config, engine=engine, vault=ctx.vault, clock=ctx.clock, pm=ctx.pm, programme_id=ctx.pid
    )
    start = threading.Barrier(200)
    results: Counter[str] = Counter()
    lock = threading.Lock()

    def buy() -> None:
        start.wait()
        try:
            with shared.uow() as uow:
                vouchers.purchase_course(uow, shared, holder, cheap)
                uow.commit()
            outcome = "ok"
        except InsufficientBalance:
            outcome = "refused"
        except Exception as exc:  # pragma: no cover - any other error fails the test below
            outcome = f"error: {exc!r}"
        with lock:
            results[outcome] += 1

    threads = [threading.Thread(target=buy) for _ in range(200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    fits = 1_000_000 // price
    assert results == {"ok": fits, "refused": 200 - fits}
    with ctx.uow() as uow:
        assert vouchers.voucher_balance(uow, holder) == 1_000_000 - fits * price
    assert ledger_problems(ctx) == []


def test_200_purchases_from_8_processes_on_one_voucher_never_overdraw_it(
    ctx: ProgrammeContext, database_url: str
) -> None:
    (holder,) = to_voucher(ctx, 1)
    price = 9_000
    cheap = _cheap_course(ctx, price)
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Manager().Barrier(8)
    with spawn.Pool(8) as pool:
        jobs = [
            pool.apply_async(buy_repeatedly, (database_url, ctx.config.code, holder, cheap, 25, start))
            for _ in range(8)
        ]
        results: Counter[str] = Counter()
        for job in jobs:
            results.update(job.get(timeout=300))
    fits = 1_000_000 // price
    assert results == {"ok": fits, "refused": 200 - fits}
    with ctx.uow() as uow:
        assert vouchers.voucher_balance(uow, holder) == 1_000_000 - fits * price
    assert ledger_problems(ctx) == []


def test_revoking_with_an_open_purchase_releases_the_reservation_and_the_voucher(
    ctx: ProgrammeContext,
) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, holder, course(ctx, "T-WELD"))
    budget_before = balance_of(ctx, AccountKind.BUDGET, "programme")
    with ctx.transaction() as uow:
        figures = revocation.revoke(uow, ctx, holder, "registered twice under two identities")
    assert figures["released"] == 1_000_000
    assert balance_of(ctx, AccountKind.BUDGET, "programme") == budget_before + 1_000_000
    with ctx.uow() as uow:
        assert uow.session.get(Purchase, purchase.id).status == "cancelled"  # type: ignore[union-attr]
    assert ledger_problems(ctx) == []


def test_repayments_reduce_the_receivable_once_each_and_never_below_zero(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    (holder,) = with_payouts(ctx, 1, rail)
    payouts.run_payouts(ctx)
    with ctx.transaction() as uow:
        assert revocation.revoke(uow, ctx, holder, "not eligible")["claimed_back"] == 600_000
    repay = clawback.RepaymentIn
    with ctx.transaction() as uow:
        outcomes = clawback.record_repayments(
            uow,
            ctx,
            [
                repay(holder, 200_000, "BANK-1"),
                repay(holder, 200_000, "BANK-1"),
                repay(holder, 500_000, "BANK-2"),
                repay(holder, 0, "BANK-3"),
            ],
        )
    assert outcomes[0].ok
    assert [o.error.code if o.error else None for o in outcomes[1:]] == [
        "duplicate-repayment",
        "repayment-exceeds-debt",
        "invalid-amount",
    ]
    with ctx.transaction() as uow:
        clawback.record_repayment(uow, ctx, repay(holder, 400_000, "BANK-4"))
        assert clawback.outstanding(uow, ctx, [holder]) == {holder: 0}
    assert balance_of(ctx, AccountKind.COLLECTIONS, "programme") == -600_000
    assert ledger_problems(ctx) == []


def test_only_revoked_beneficiaries_repay(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        (outcome,) = clawback.record_repayments(uow, ctx, [clawback.RepaymentIn(holder, 1, "X")])
    assert outcome.error is not None and outcome.error.code == "not-revoked"


Tamper = Callable[[ProgrammeContext], None]


def _unbalanced_entry(ctx: ProgrammeContext) -> None:
    with ctx.uow() as uow:
        entry = uow.session.execute(text("select id from ledger_entry order by id limit 1")).scalar_one()
        uow.session.execute(text("update ledger_entry set amount = amount + 1 where id = :id"), {"id": entry})
        uow.commit()


def _paid_without_ledger(ctx: ProgrammeContext) -> None:
    with ctx.uow() as uow:
        uow.session.execute(update(Payout).where(Payout.status == "scheduled").values(status="paid"))
        uow.commit()


def _purchase_reopened(ctx: ProgrammeContext) -> None:
    with ctx.uow() as uow:
        uow.session.execute(update(Purchase).values(status="purchased"))
        uow.commit()


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_unbalanced_entry, "does not sum to zero"),
        (_paid_without_ledger, "0 payment(s) out, expected 1"),
        (_purchase_reopened, "on hold but its open purchases reserve"),
    ],
    ids=["unbalanced", "paid-without-posting", "purchase-reopened"],
)
def test_ledger_verify_finds_each_kind_of_damage(
    ctx: ProgrammeContext, tamper: Tamper, expected: str
) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    assert ledger_problems(ctx) == []
    tamper(ctx)
    assert any(expected in problem for problem in ledger_problems(ctx))


def test_ledger_verify_command_exits_1_on_damage_and_0_when_consistent(
    ctx: ProgrammeContext, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.cli.main import app

    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", "test-secret-that-is-long-enough")
    args = ["ledger", "verify", "-p", ctx.config.code, "--database-url", database_url]
    clean = CliRunner().invoke(app, args)
    assert clean.exit_code == 0 and "ledger consistent" in clean.output
    _paid_without_ledger(ctx)
    damaged = CliRunner().invoke(app, args)
    assert damaged.exit_code == 1 and "violation" in damaged.output


def test_a_whole_demo_wave_passes_ledger_verify(
    engine: Engine, vault: PersonalDataVault, config: ProgrammeConfig
) -> None:
    clock = FixedClock(START)
    ctx = ProgrammeContext(config=config, engine=engine, vault=vault, clock=clock)
    run_demo(ctx, clock, 150, seed=5)
    assert ledger_problems(ctx) == []
