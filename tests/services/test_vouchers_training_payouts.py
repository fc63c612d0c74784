"""Vouchers, training, benefits, payouts, surveys and revocation, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import LifecycleEvent
from skillsprogram.domain.models import (
    Application,
    AuditEvent,
    Entitlement,
    LedgerEntry,
    Payout,
    Person,
    Purchase,
)
from skillsprogram.errors import DeadlinePassed, InsufficientBalance, InvalidTransition, ValidationFailed
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.services import (
    accounts,
    events,
    ledger,
    payouts,
    revocation,
    surveys,
    training,
    vouchers,
)
from tests.services.helpers import course, status_of, to_voucher


def person_of(ctx: ProgrammeContext, application_id: uuid.UUID) -> uuid.UUID:
    with ctx.uow() as uow:
        return uow.session.execute(
            select(Application.person_id).where(Application.id == application_id)
        ).scalar_one()


def balance(ctx: ProgrammeContext, application_id: uuid.UUID) -> int:
    with ctx.uow() as uow:
        return vouchers.voucher_balance(uow, application_id)


def invariants_hold(ctx: ProgrammeContext) -> None:
    with ctx.uow() as uow:
        assert ledger.unbalanced_transactions(uow, ctx) == []
        assert ledger.overdrawn_accounts(uow, ctx) == []
        total = uow.session.execute(select(func.coalesce(func.sum(LedgerEntry.amount), 0))).scalar_one()
        assert total == 0


def trained(ctx: ProgrammeContext, application_id: uuid.UUID) -> uuid.UUID:
    """Buy, redeem, complete and rate the welding course; returns the purchase id."""
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, application_id, course(ctx, "T-WELD"))
        training.redeem(uow, ctx, purchase.redeem_code)
        training.complete(uow, ctx, purchase.id, f"CERT-{purchase.id.hex[-8:]}", 88)
        training.rate(uow, ctx, purchase.id, 5)
        return purchase.id


def test_vouchers_are_funded_from_the_budget(ctx: ProgrammeContext) -> None:
    holders = to_voucher(ctx, 3)
    assert [balance(ctx, h) for h in holders] == [1_000_000] * 3
    invariants_hold(ctx)


def test_purchase_moves_the_price_to_the_provider_and_starts_training(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, holder, course(ctx, "T-WELD"))
        codes = (purchase.voucher_code, purchase.redeem_code)
    assert balance(ctx, holder) == 600_000 and all(len(c) == 12 for c in codes)
    assert status_of(ctx, holder) == "training"
    invariants_hold(ctx)


def test_a_purchase_beyond_the_balance_is_refused_and_writes_nothing(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow, pytest.raises(InsufficientBalance):
        vouchers.purchase_course(uow, ctx, holder, course(ctx, "T-GOLD"))
    assert balance(ctx, holder) == 1_000_000 and status_of(ctx, holder) == "voucher_issued"


def test_second_spend_beyond_the_balance_in_one_batch_is_refused(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    code = course(ctx, "T-CODE")
    with ctx.transaction() as uow:
        first, second = vouchers.purchase_courses(uow, ctx, [vouchers.Order(holder, code)] * 2)
    assert first.ok and isinstance(second.error, InsufficientBalance)
    assert balance(ctx, holder) == 400_000


def test_first_purchase_after_the_deadline_is_refused_and_the_voucher_forfeited(
    ctx: ProgrammeContext,
) -> None:
    holders = to_voucher(ctx, 2)
    ctx.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    with ctx.transaction() as uow, pytest.raises(DeadlinePassed):
        vouchers.purchase_course(uow, ctx, holders[0], course(ctx, "T-WELD"))
    assert vouchers.forfeit_unused(ctx) == 2
    assert [status_of(ctx, h) for h in holders] == ["forfeited", "forfeited"]
    assert [balance(ctx, h) for h in holders] == [0, 0]
    invariants_hold(ctx)


def test_concurrent_purchases_never_overdraw_a_voucher(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    weld = course(ctx, "T-WELD")
    results: list[str] = []

    def buy() -> None:
        try:
            with ctx.transaction() as uow:
                vouchers.purchase_course(uow, ctx, holder, weld)
            results.append("ok")
        except InsufficientBalance:
            results.append("refused")

    threads = [threading.Thread(target=buy) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("ok") == 2 and results.count("refused") == 6
    assert balance(ctx, holder) == 200_000
    invariants_hold(ctx)


def test_training_flow_earns_the_incentive_instalments(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    trained(ctx, holder)
    assert status_of(ctx, holder) == "training_completed"
    with ctx.uow() as uow:
        earned = uow.session.execute(
            select(Entitlement.benefit, Entitlement.period, Entitlement.amount).order_by(Entitlement.period)
        ).all()
    assert [tuple(e) for e in earned] == [("incentive", 1, 600_000), ("incentive", 2, 600_000)]
    invariants_hold(ctx)


def test_out_of_order_training_steps_are_refused(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, holder, course(ctx, "T-WELD"))
        purchase_id, code = purchase.id, purchase.redeem_code
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        training.complete(uow, ctx, purchase_id, "CERT-1")
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        training.rate(uow, ctx, purchase_id, 4)
    with ctx.transaction() as uow:
        training.redeem(uow, ctx, code)
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        training.redeem(uow, ctx, code)
    with ctx.transaction() as uow, pytest.raises(ValidationFailed):
        training.complete(uow, ctx, purchase_id, "CERT-1", score=140)


def test_a_course_is_rated_once(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    purchase_id = trained(ctx, holder)
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        training.rate(uow, ctx, purchase_id, 3)


def test_verified_account_gets_the_waiting_payouts_and_the_rail_pays_them(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    trained(ctx, holder)
    with ctx.transaction() as uow:
        account = accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "wallet", "W000000001")
        assert account.status == "verified"
    run = payouts.run_payouts(ctx)
    assert run.outcomes == {"paid": 1}  # the second instalment is due in 30 days
    ctx.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]
    assert payouts.run_payouts(ctx).outcomes == {"paid": 1}
    with ctx.uow() as uow:
        keys = list(
            uow.session.execute(select(Payout.idempotency_key).order_by(Payout.idempotency_key)).scalars()
        )
    rail = ctx.rail("wallet")
    assert [rail.credits_for(k) for k in keys] == [1, 1]  # type: ignore[attr-defined]
    invariants_hold(ctx)


def test_a_malformed_account_is_rejected_and_nothing_is_paid(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    trained(ctx, holder)
    with ctx.transaction() as uow:
        account = accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "wallet", "12")
        assert account.status == "rejected" and account.status_reason
    assert payouts.run_payouts(ctx).outcomes == {}


def test_an_unknown_rail_is_refused_by_name(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow, pytest.raises(Exception, match="no payment rail 'gopay'"):
        accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "gopay", "W000000001")


def test_surveys_pay_once_and_need_every_answer(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        surveys.answer_survey(uow, ctx, holder, "exit", {"useful": "yes", "employed": "no"})
    trained(ctx, holder)
    with ctx.transaction() as uow, pytest.raises(ValidationFailed):
        surveys.answer_survey(uow, ctx, holder, "exit", {"useful": "yes"})
    with ctx.transaction() as uow:
        surveys.answer_survey(uow, ctx, holder, "exit", {"useful": "yes", "employed": "no"})
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        surveys.answer_survey(uow, ctx, holder, "exit", {"useful": "yes", "employed": "no"})
    with ctx.uow() as uow:
        assert (
            uow.session.execute(
                select(func.count()).select_from(Entitlement).where(Entitlement.benefit == "survey")
            ).scalar_one()
            == 1
        )


def test_revocation_releases_the_voucher_cancels_unpaid_and_claims_back_paid(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    trained(ctx, holder)
    with ctx.transaction() as uow:
        accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "wallet", "W000000001")
    payouts.run_payouts(ctx)  # the first instalment is paid, the second waits 30 days
    with ctx.transaction() as uow:
        figures = revocation.revoke(uow, ctx, holder, "found to be a civil servant")
    assert figures == {"released": 600_000, "cancelled": 600_000, "claimed_back": 600_000}
    assert status_of(ctx, holder) == "revoked" and balance(ctx, holder) == 0
    ctx.clock.advance(timedelta(days=31))  # type: ignore[attr-defined]
    assert payouts.run_payouts(ctx).outcomes == {}
    with ctx.transaction() as uow, pytest.raises(InvalidTransition):
        revocation.revoke(uow, ctx, holder, "again")
    invariants_hold(ctx)


class Observer:
    """A lifecycle observer plugin that remembers what it saw."""

    def __init__(self) -> None:
        self.seen: list[LifecycleEvent] = []

    @hookimpl
    def skillsprogram_lifecycle_events(self, events: Sequence[LifecycleEvent], programme: object) -> None:
        self.seen.extend(events)


def test_every_committed_change_reaches_observer_plugins_once_in_order(ctx: ProgrammeContext) -> None:
    observer = Observer()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("observer", observer)])
    events.dispatch_events(ctx)
    observer.seen.clear()
    (holder,) = to_voucher(ctx, 1)
    trained(ctx, holder)
    events.dispatch_events(ctx)
    with ctx.uow() as uow:
        logged = list(uow.session.execute(select(AuditEvent.id).order_by(AuditEvent.id)).scalars())
    ids = [e.event_id for e in observer.seen]
    assert ids == sorted(set(ids)) and ids == logged[-len(ids) :]
    actions = [e.action for e in observer.seen if e.entity_id == str(holder)]
    assert actions[:4] == ["registered", "identity_verified", "screened_eligible", "selected"]


def test_person_rows_hold_no_clear_phone(ctx: ProgrammeContext) -> None:
    to_voucher(ctx, 1)
    with ctx.uow() as uow:
        stored = uow.session.execute(select(Person.phone_enc, Person.phone_hash)).one()
    assert all("+99" not in (value or "") for value in stored)
    with ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Purchase)).scalar_one() == 0
