"""Rail callbacks as a service: every notice is kept once, only sound ones are applied."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AuditEvent, LedgerTransaction
from skillsprogram.domain.payments import RailNotice
from skillsprogram.services import payouts, rail_callbacks, revocation
from skillsprogram.services.rail_callbacks import RailCallback
from tests.money.helpers import books_of, install_rail, ledger_problems, payouts_by_status, with_payouts


def _in_flight(ctx: ProgrammeContext, count: int) -> list[RailCallback]:
    """``count`` payouts the rail paid but we hold as ``unknown``, and the rail's notices."""
    rail = install_rail(ctx)
    with_payouts(ctx, count, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=1.0)
    assert payouts.run_payouts(ctx).outcomes == {"unknown": count}
    far = timedelta(days=3650)
    return list(rail.callbacks(ctx.clock.now() - far, ctx.clock.now() + far))


def _notices(ctx: ProgrammeContext) -> dict[str, str]:
    with ctx.uow() as uow:
        rows = uow.session.execute(select(RailNotice.notice_id, RailNotice.outcome)).all()
    return {notice_id: outcome for notice_id, outcome in rows}


def test_a_notice_for_an_unknown_key_is_kept_with_its_outcome_and_changes_no_payout(
    ctx: ProgrammeContext,
) -> None:
    _in_flight(ctx, 1)
    before = payouts_by_status(ctx)
    unknown = RailCallback("n-unknown", "no-such-key", "paid", "R-1", 1, "USD")
    with ctx.transaction() as uow:
        assert rail_callbacks.apply_callbacks(uow, ctx, "wallet", [unknown]) == ["unknown_reference"]
    assert _notices(ctx) == {"n-unknown": "unknown_reference"}
    assert payouts_by_status(ctx) == before
    assert ledger_problems(ctx) == []


def test_every_applied_notice_is_kept_with_the_outcome_it_had(ctx: ProgrammeContext) -> None:
    pushed = _in_flight(ctx, 1)
    with ctx.transaction() as uow:
        assert rail_callbacks.apply_callbacks(uow, ctx, "wallet", pushed + pushed) == ["applied", "duplicate"]
    assert _notices(ctx) == {pushed[0].notice_id: "applied"}


def test_the_same_notice_delivered_twice_at_once_is_applied_once(ctx: ProgrammeContext) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    (notice,) = _in_flight(ctx, 1)
    second: list[list[str]] = []

    def deliver_again() -> None:
        with ctx.transaction() as uow:
            second.append(list(rail_callbacks.apply_callbacks(uow, ctx, "wallet", [notice])))

    with ctx.transaction() as uow:
        assert rail_callbacks.apply_callbacks(uow, ctx, "wallet", [notice]) == ["applied"]
        racing = threading.Thread(target=deliver_again)
        racing.start()
        racing.join(timeout=1)
        assert racing.is_alive()  # waits for the first delivery to commit or roll back
    racing.join(timeout=30)
    assert second == [["duplicate"]]
    assert payouts_by_status(ctx)["paid"] == 1
    assert ledger_problems(ctx) == []


def test_a_payout_a_callback_reports_paid_after_revocation_is_claimed_back(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    (holder,) = with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=1.0)
    assert payouts.run_payouts(ctx).outcomes == {"unknown": 1}
    with ctx.transaction() as uow:
        revocation.revoke(uow, ctx, holder, "found to be a civil servant")
    far = timedelta(days=3650)
    (notice,) = rail.callbacks(ctx.clock.now() - far, ctx.clock.now() + far)
    with ctx.transaction() as uow:
        assert rail_callbacks.apply_callbacks(uow, ctx, "wallet", [notice]) == ["applied"]
    with ctx.uow() as uow:
        clawbacks = uow.session.execute(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "clawback")
        ).scalar_one()
        event = uow.session.execute(
            select(AuditEvent.data).where(AuditEvent.action == "payout_paid")
        ).scalar_one()
    assert clawbacks == 1 and event["claimed_back"] == notice.amount
    assert ledger_problems(ctx) == []
