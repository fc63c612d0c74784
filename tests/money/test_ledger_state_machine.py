"""A stateful property test: random sequences of issue, reserve, capture, release, forfeit,
revoke, earn, pay and return, with every ledger invariant checked after every step and each
voucher's balance compared with a simple model."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from skillsprogram.clock import FixedClock
from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Payout
from skillsprogram.errors import DomainError
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import (
    accounts,
    catalogue,
    payout_reviews,
    payouts,
    programmes,
    rail_callbacks,
    revocation,
    training,
    voucher_holds,
    vouchers,
    waves,
)
from skillsprogram.storage.db import make_engine
from tests.conftest import START, _truncate
from tests.money.helpers import install_rail, ledger_problems, person_of
from tests.services.helpers import course, register, to_eligible

PEOPLE = 4
PRICES = {"T-WELD": 400_000, "T-CODE": 600_000}


@dataclass
class Holder:
    """What the model expects of one beneficiary."""

    status: str = "selected"
    balance: int = 0
    issued_day: int | None = None


@dataclass
class Model:
    holders: dict[uuid.UUID, Holder] = field(default_factory=dict)
    purchases: dict[uuid.UUID, tuple[uuid.UUID, str, int]] = field(default_factory=dict)
    """purchase -> (holder, status, price)"""
    day: int = 0


def fresh_programme(url: str, config: ProgrammeConfig, vault: PersonalDataVault) -> ProgrammeContext:
    """A started Testland programme with PEOPLE selected (vouchers not issued) and wallets."""
    engine = make_engine(url)
    ctx = ProgrammeContext(config=config, engine=engine, vault=vault, clock=FixedClock(START), actor="test")
    with ctx.transaction() as uow:
        programmes.start_programme(uow, ctx)
        catalogue.sync_regions(uow, ctx)
        catalogue.add_courses(uow, ctx, ctx.hook.skillsprogram_demo_catalogue(programme=config))
        waves.open_wave(uow, ctx)
    install_rail(ctx)
    holders = register(ctx, PEOPLE)
    to_eligible(ctx)
    requests = [
        accounts.AccountRequest(person_of(ctx, h), "wallet", f"W{i:09d}") for i, h in enumerate(holders)
    ]
    with ctx.transaction() as uow:
        waves.allocate_quotas(uow, ctx, 1, PEOPLE)
        waves.draw(uow, ctx, 1, seed="machine")
        for outcome in accounts.add_payment_accounts(uow, ctx, requests):
            outcome.unwrap()
    ctx.__dict__["holders"] = holders
    return ctx


class LedgerMachine(RuleBasedStateMachine):
    """Drives the real services; the ledger must stay consistent whatever the order."""

    make_ctx: object = None

    def __init__(self) -> None:
        super().__init__()
        self.ctx: ProgrammeContext = self.make_ctx()  # type: ignore[operator]
        self.model = Model({h: Holder() for h in self.ctx.__dict__["holders"]})
        self.courses = {code: course(self.ctx, code) for code in PRICES}

    def teardown(self) -> None:
        self.ctx.engine.dispose()

    def _advance(self, days: int) -> None:
        self.ctx.clock.advance(timedelta(days=days))  # type: ignore[attr-defined]
        self.model.day += days

    def _days_held(self, holder: Holder) -> int:
        assert holder.issued_day is not None
        return self.model.day - holder.issued_day

    @precondition(lambda self: any(h.status == "selected" for h in self.model.holders.values()))
    @rule()
    def issue(self) -> None:
        issued = vouchers.issue_vouchers(self.ctx)
        expected = [h for h in self.model.holders.values() if h.status == "selected"]
        assert issued == len(expected)
        for holder in expected:
            holder.status, holder.balance, holder.issued_day = "voucher_issued", 1_000_000, self.model.day

    @rule(data=st.data(), code=st.sampled_from(sorted(PRICES)))
    def reserve(self, data: st.DataObject, code: str) -> None:
        app = data.draw(st.sampled_from(sorted(self.model.holders)))
        holder = self.model.holders[app]
        price = PRICES[code]
        allowed = (
            holder.status in ("voucher_issued", "training")
            and price <= holder.balance
            and self._days_held(holder) < 365
            and not (holder.status == "voucher_issued" and self._days_held(holder) >= 30)
        )
        try:
            with self.ctx.transaction() as uow:
                purchase = vouchers.purchase_course(uow, self.ctx, app, self.courses[code])
        except DomainError:
            assert not allowed, f"a purchase of {price} was refused with {holder}"
            return
        assert allowed, f"a purchase of {price} went through with {holder}"
        holder.balance -= price
        holder.status = "training"
        self.model.purchases[purchase.id] = (app, "purchased", price)

    def _purchases(self, status: str) -> list[uuid.UUID]:
        return sorted(p for p, (_a, s, _p) in self.model.purchases.items() if s == status)

    @precondition(lambda self: self._purchases("purchased"))
    @rule(data=st.data())
    def capture(self, data: st.DataObject) -> None:
        purchase_id = data.draw(st.sampled_from(self._purchases("purchased")))
        app, _status, price = self.model.purchases[purchase_id]
        with self.ctx.transaction() as uow:
            from skillsprogram.domain.models import Purchase

            code = uow.session.get(Purchase, purchase_id).redeem_code  # type: ignore[union-attr]
            training.redeem(uow, self.ctx, code)
        self.model.purchases[purchase_id] = (app, "redeemed", price)

    @precondition(lambda self: self._purchases("purchased"))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        purchase_id = data.draw(st.sampled_from(self._purchases("purchased")))
        app, _status, price = self.model.purchases[purchase_id]
        with self.ctx.transaction() as uow:
            (outcome,) = voucher_holds.cancel_purchases(uow, self.ctx, [purchase_id], "changed course")
        assert outcome.unwrap() == price
        self.model.holders[app].balance += price
        self.model.purchases[purchase_id] = (app, "cancelled", price)

    @rule()
    def forfeit(self) -> None:
        self._advance(31)
        forfeited = vouchers.forfeit_unused(self.ctx)
        expected = [
            h
            for h in self.model.holders.values()
            if h.status == "voucher_issued" and self._days_held(h) >= 30
        ]
        assert forfeited == len(expected)
        for holder in expected:
            holder.status, holder.balance = "forfeited", 0

    @rule(data=st.data())
    def revoke(self, data: st.DataObject) -> None:
        app = data.draw(st.sampled_from(sorted(self.model.holders)))
        holder = self.model.holders[app]
        try:
            with self.ctx.transaction() as uow:
                revocation.revoke(uow, self.ctx, app, "found ineligible")
        except DomainError:
            assert holder.status == "revoked"
            return
        holder.status, holder.balance = "revoked", 0
        for purchase_id, (owner, status, price) in list(self.model.purchases.items()):
            if owner == app and status == "purchased":
                self.model.purchases[purchase_id] = (owner, "cancelled", price)

    @precondition(lambda self: self._purchases("redeemed"))
    @rule(data=st.data())
    def earn(self, data: st.DataObject) -> None:
        purchase_id = data.draw(st.sampled_from(self._purchases("redeemed")))
        app, _status, price = self.model.purchases[purchase_id]
        try:
            with self.ctx.transaction() as uow:
                training.complete(uow, self.ctx, purchase_id, f"C-{purchase_id.hex[-12:]}", 90)
                training.rate(uow, self.ctx, purchase_id, 4)
        except DomainError:
            # a revoked beneficiary's completion, or a second rating, is refused as a whole
            assert self.model.holders[app].status == "revoked" or any(
                s == "completed" and a == app for a, s, _p in self.model.purchases.values()
            )
            return
        self.model.purchases[purchase_id] = (app, "completed", price)
        if self.model.holders[app].status == "training":
            self.model.holders[app].status = "training_completed"

    @rule(days=st.sampled_from([0, 30]))
    def pay(self, days: int) -> None:
        self._advance(days)
        payouts.run_payouts(self.ctx)

    @rule(data=st.data())
    def return_payment(self, data: st.DataObject) -> None:
        with self.ctx.uow() as uow:
            paid = list(
                uow.session.execute(
                    select(Payout.idempotency_key, Payout.rail_reference, Payout.amount)
                    .where(Payout.status == "paid")
                    .order_by(Payout.idempotency_key)
                ).all()
            )
        if not paid:
            return
        key, reference, amount = data.draw(st.sampled_from(paid))
        callback = rail_callbacks.RailCallback(
            f"{reference}:returned", key, "returned", reference, amount, "USD"
        )
        with self.ctx.transaction() as uow:
            assert rail_callbacks.apply_callbacks(uow, self.ctx, "wallet", [callback]) == ["applied"]

    @rule(data=st.data(), action=st.sampled_from(["retry", "cancel"]))
    def resolve_review(self, data: st.DataObject, action: str) -> None:
        with self.ctx.uow() as uow:
            reviews = payout_reviews.open_reviews(uow, self.ctx)
        if not reviews:
            return
        review = data.draw(st.sampled_from(reviews))
        try:
            with self.ctx.transaction() as uow:
                payout_reviews.resolve_review(uow, self.ctx, review.review_id, action)
        except DomainError:
            assert review.status not in ("failed", "returned")

    @invariant()
    def ledger_holds(self) -> None:
        assert ledger_problems(self.ctx) == []

    @invariant()
    def voucher_balances_match_the_model(self) -> None:
        with self.ctx.uow() as uow:
            for app, holder in self.model.holders.items():
                if holder.issued_day is None:
                    continue
                assert vouchers.voucher_balance(uow, app) == holder.balance, holder


def test_the_ledger_holds_after_every_step_of_any_sequence(
    database_url: str,
    config: ProgrammeConfig,
    vault: PersonalDataVault,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    counter = iter(range(10_000))

    def make_ctx() -> ProgrammeContext:
        if database_url.startswith("sqlite"):
            path = tmp_path / f"machine-{next(counter)}.db"
            shutil.copy(request.getfixturevalue("sqlite_template"), path)
            return fresh_programme(f"sqlite:///{path}", config, vault)
        _truncate(database_url)
        return fresh_programme(database_url, config, vault)

    machine = type("Machine", (LedgerMachine,), {"make_ctx": staticmethod(make_ctx)})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=12,
            stateful_step_count=18,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
