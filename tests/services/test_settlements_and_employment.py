"""Paying providers directly for enrolments, and following graduates into work, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from skillsprogram.config import ProgrammeConfig, ProviderSettlementRules, load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import PaymentInstruction, RailResult, RailTimeout
from skillsprogram.domain.ledger import AccountKind
from skillsprogram.domain.models import LedgerTransaction, TrainingProvider
from skillsprogram.domain.settlement_models import (
    EmploymentOutcome,
    ProviderAccount,
    ProviderSettlement,
    SettlementItem,
)
from skillsprogram.domain.transfers import backoff
from skillsprogram.errors import ConfigurationError
from skillsprogram.services import employment, ledger, reports, settlements, training, voucher_holds, vouchers
from skillsprogram.services.payouts import LEASE, call_rail
from tests.conftest import TESTLAND
from tests.services.helpers import course, to_voucher


@pytest.fixture
def config() -> ProgrammeConfig:
    """Testland, paying tuition to the provider once the trainee has started."""
    return load_config(TESTLAND).model_copy(
        update={"provider_settlement": ProviderSettlementRules(settle_when="redeemed")}
    )


def give_accounts(ctx: ProgrammeContext) -> None:
    with ctx.transaction() as uow:
        outcomes = settlements.register_provider_accounts(
            uow,
            ctx,
            [
                settlements.ProviderAccountRequest("p1", "wallet", "W000000001", "Harbour Institute"),
                settlements.ProviderAccountRequest("p2", "wallet", "W000000002", "Hills Academy"),
            ],
        )
    assert all(o.ok for o in outcomes)


def enrol(ctx: ProgrammeContext, holders: list[uuid.UUID], code: str, redeem: bool) -> list[uuid.UUID]:
    purchases = []
    course_id = course(ctx, code)
    with ctx.transaction() as uow:
        for holder in holders:
            purchase = vouchers.purchase_course(uow, ctx, holder, course_id)
            if redeem:
                training.redeem(uow, ctx, purchase.redeem_code)
            purchases.append(purchase.id)
    return purchases


def provider_balance(ctx: ProgrammeContext, code: str) -> int:
    with ctx.uow() as uow:
        provider_id = uow.session.execute(
            select(TrainingProvider.id).where(TrainingProvider.code == code)
        ).scalar_one()
        return ledger.balance(uow, ledger.account(uow, ctx, AccountKind.PROVIDER, str(provider_id)))


def test_only_enrolments_the_provider_confirmed_are_settled_and_each_only_once(ctx: ProgrammeContext) -> None:
    give_accounts(ctx)
    holders = to_voucher(ctx, 5)
    started = enrol(ctx, holders[:3], "T-WELD", redeem=True)
    enrol(ctx, holders[3:], "T-WELD", redeem=False)

    first = settlements.settle_providers(ctx)
    again = settlements.settle_providers(ctx)

    assert (first.scheduled, first.enrolments, first.outcomes["paid"]) == (1, 3, 1)
    assert first.paid_amount == 3 * 400_000
    assert (again.scheduled, sum(again.outcomes.values())) == (0, 0)
    with ctx.uow() as uow:
        settled = set(uow.session.execute(select(SettlementItem.purchase_id)).scalars())
    assert settled == set(started)
    # the two unconfirmed enrolments are only reserved on their vouchers: nothing is owed
    # to the provider until it confirms them (redemption captures the reservation)
    assert provider_balance(ctx, "p1") == 0
    with ctx.uow() as uow:
        reserved = [[p.price for p in voucher_holds.open_purchases(uow, h)] for h in holders[3:]]
    assert reserved == [[400_000], [400_000]]


def test_a_provider_without_a_verified_account_waits_and_is_paid_once_it_has_one(
    ctx: ProgrammeContext,
) -> None:
    holders = to_voucher(ctx, 2)
    enrol(ctx, holders, "T-CODE", redeem=True)

    waiting = settlements.settle_providers(ctx)
    with ctx.uow() as uow:
        before = reports.funnel(uow, ctx).settlements
    give_accounts(ctx)
    paid = settlements.settle_providers(ctx)

    assert (waiting.scheduled, waiting.awaiting_account) == (0, 2)
    assert before == [("awaiting a verified provider account", 0, 2, 1_200_000)]
    assert (paid.scheduled, paid.outcomes["paid"], paid.paid_amount) == (1, 1, 1_200_000)
    assert provider_balance(ctx, "p2") == 0


def test_an_account_in_another_name_is_rejected_and_never_paid(ctx: ProgrammeContext) -> None:
    rail = ctx.rail("wallet")
    with ctx.transaction() as uow:
        (outcome,) = settlements.register_provider_accounts(
            uow, ctx, [settlements.ProviderAccountRequest("p1", rail.code, "W00000000X", "Harbour Institute")]
        )
    with ctx.uow() as uow:
        account = uow.session.get(ProviderAccount, outcome.unwrap())
        assert account is not None and account.status == "rejected"


def test_a_settlement_whose_rail_timed_out_is_resolved_by_status_and_never_sent_twice(
    ctx: ProgrammeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_accounts(ctx)
    enrol(ctx, to_voucher(ctx, 2), "T-WELD", redeem=True)
    rail = ctx.rail("wallet")
    real_send = rail.send
    sent: list[str] = []

    def send_then_time_out(instruction: PaymentInstruction) -> RailResult:
        sent.append(instruction.idempotency_key)
        real_send(instruction)
        raise RailTimeout("no answer")

    monkeypatch.setattr(rail, "send", send_then_time_out)
    first = settlements.settle_providers(ctx)
    ctx.clock.advance(backoff(1))  # type: ignore[attr-defined]
    second = settlements.send_settlements(ctx)

    assert first.outcomes["unknown"] == 1
    assert second.outcomes["paid"] == 1
    assert len(sent) == 1
    with ctx.uow() as uow:
        (settlement,) = uow.session.execute(select(ProviderSettlement)).scalars()
        assert settlement.status == "paid" and settlement.attempts == 2


def test_a_worker_overtaken_after_its_lease_records_nothing_and_nothing_is_booked_twice(
    ctx: ProgrammeContext,
) -> None:
    give_accounts(ctx)
    enrol(ctx, to_voucher(ctx, 2), "T-WELD", redeem=True)
    with ctx.transaction() as uow:
        settlements.schedule_settlements(uow, ctx)
    slow = settlements._claim(ctx, 10)
    slow_answers = [(c, call_rail(ctx, c.rail, c.instruction, c.resolve_first)) for c in slow]
    ctx.clock.advance(LEASE + timedelta(seconds=1))  # type: ignore[attr-defined]
    fast = settlements.send_settlements(ctx)
    late = settlements.SettlementRun()
    settlements._record(ctx, slow_answers, late)

    assert fast.outcomes["paid"] == 1 and late.outcomes == {"stale": 1}
    with ctx.uow() as uow:
        (state,) = uow.session.execute(select(ProviderSettlement.status, ProviderSettlement.attempts)).all()
        booked = uow.session.execute(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "provider_settlement")
        ).scalar_one()
    assert tuple(state) == ("paid", 2) and booked == 1


def test_settling_needs_the_programme_to_say_so(ctx: ProgrammeContext) -> None:
    plain = ProgrammeContext(
        config=ctx.config.model_copy(update={"provider_settlement": None}),
        engine=ctx.engine,
        vault=ctx.vault,
        clock=ctx.clock,
    )
    with pytest.raises(ConfigurationError, match="provider_settlement"), plain.uow() as uow:
        settlements.schedule_settlements(uow, plain)


def graduate(ctx: ProgrammeContext, count: int) -> list[uuid.UUID]:
    holders = to_voucher(ctx, count)
    purchases = enrol(ctx, holders, "T-WELD", redeem=True)
    with ctx.transaction() as uow:
        for purchase_id in purchases:
            training.complete(uow, ctx, purchase_id, f"CERT-{purchase_id.hex[-10:]}")
    return holders


def test_only_graduates_are_followed_up_and_each_source_reports_once(ctx: ProgrammeContext) -> None:
    graduates = graduate(ctx, 2)
    with ctx.transaction() as uow:
        outcomes = employment.record_employment_many(
            uow,
            ctx,
            [
                employment.EmploymentReport(graduates[0], "employed", "follow_up_survey", "construction"),
                employment.EmploymentReport(graduates[0], "employed", "follow_up_survey"),
                employment.EmploymentReport(graduates[0], "self_employed", "provider_report"),
                employment.EmploymentReport(graduates[1], "retired", "follow_up_survey"),
                employment.EmploymentReport(graduates[1], "not_employed", "gossip"),
                employment.EmploymentReport(uuid.uuid4(), "employed", "follow_up_survey"),
            ],
        )
    codes = [o.error.code if o.error else "ok" for o in outcomes]
    assert codes == [
        "ok",
        "already-reported",
        "ok",
        "invalid-employment-status",
        "invalid-employment-source",
        "application-not-found",
    ]


def test_a_sector_longer_than_its_column_is_refused_and_the_other_reports_are_written(
    ctx: ProgrammeContext,
) -> None:
    graduates = graduate(ctx, 2)
    longest = "s" * employment.SECTOR_LENGTH
    with ctx.transaction() as uow:
        outcomes = employment.record_employment_many(
            uow,
            ctx,
            [
                employment.EmploymentReport(graduates[0], "employed", "follow_up_survey", longest + "s"),
                employment.EmploymentReport(graduates[1], "employed", "follow_up_survey", longest),
            ],
        )
    assert [o.error.code if o.error else "ok" for o in outcomes] == ["invalid-sector", "ok"]
    with ctx.uow() as uow:
        assert list(uow.session.execute(select(EmploymentOutcome.sector)).scalars()) == [longest]


def test_a_selected_person_still_in_training_is_not_followed_up(ctx: ProgrammeContext) -> None:
    holder = to_voucher(ctx, 1)[0]
    with ctx.transaction() as uow:
        (outcome,) = employment.record_employment_many(
            uow, ctx, [employment.EmploymentReport(holder, "employed")]
        )
    assert outcome.error is not None and outcome.error.code == "not-graduated"


def test_the_funnel_counts_graduates_followed_up_and_in_work_by_their_latest_report(
    ctx: ProgrammeContext,
) -> None:
    graduates = graduate(ctx, 3)
    with ctx.transaction() as uow:
        employment.record_employment(uow, ctx, graduates[0], "not_employed", "follow_up_survey")
        employment.record_employment(uow, ctx, graduates[1], "self_employed", "follow_up_survey")
    ctx.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]
    with ctx.transaction() as uow:
        employment.record_employment(uow, ctx, graduates[0], "employed", "provider_report")
    with ctx.uow() as uow:
        funnel = reports.funnel(uow, ctx)
    stages = dict(funnel.stages)
    assert stages["followed up after graduation"] == 2
    assert stages["in work after training"] == 2
    assert dict(funnel.employment) == {"employed": 1, "self_employed": 1}


def test_two_workers_settling_at_once_never_settle_an_enrolment_twice(ctx: ProgrammeContext) -> None:
    give_accounts(ctx)
    started = enrol(ctx, to_voucher(ctx, 6), "T-WELD", redeem=True)
    barrier = threading.Barrier(2)
    runs: list[settlements.SettlementRun] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            with ctx.transaction() as uow:
                runs.append(settlements.schedule_settlements(uow, ctx))
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(run.enrolments for run in runs) == [0, len(started)]
    with ctx.uow() as uow:
        assert len(list(uow.session.execute(select(SettlementItem.purchase_id)).scalars())) == len(started)
