"""The payout engine against a sandbox rail that times out, fails and answers garbage."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import Notification, PaymentInstruction, RailResult
from skillsprogram.domain.models import AuditEvent, Entitlement, LedgerTransaction, Payout
from skillsprogram.domain.transfers import MAX_ATTEMPTS
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.services import accounts, events, payout_reviews, payouts, rail_callbacks, revocation
from skillsprogram.services.benefits import idempotency_key
from skillsprogram.storage.uow import UnitOfWork
from tests.money.helpers import (
    books_of,
    install_rail,
    keys,
    ledger_problems,
    payouts_by_status,
    person_of,
    train,
    with_payouts,
)
from tests.services.helpers import to_voucher


def advance(ctx: ProgrammeContext, **delta: float) -> None:
    ctx.clock.advance(timedelta(**delta))  # type: ignore[attr-defined]


def test_payouts_are_written_in_the_transaction_that_earns_them(ctx: ProgrammeContext) -> None:
    install_rail(ctx)
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "wallet", "W000000001")
    train(ctx, [holder])
    with ctx.uow() as uow:
        rows = uow.session.execute(
            select(Entitlement.benefit, Entitlement.period, Payout.idempotency_key, Payout.status)
            .join(Payout, Payout.entitlement_id == Entitlement.id)
            .order_by(Entitlement.period)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("incentive", p, idempotency_key(ctx.config.code, holder, "incentive", p), "scheduled")
        for p in (1, 2)
    ]


class Boom(Exception):
    """The process dies between writing and committing."""


@contextmanager
def dies_before_commit(ctx: ProgrammeContext) -> Iterator[UnitOfWork]:
    """A transaction whose work is all written, then lost: the commit never happens."""
    with ctx.uow() as uow:
        yield uow
        raise Boom


def test_a_rolled_back_earning_leaves_neither_entitlement_nor_payout(
    ctx: ProgrammeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_rail(ctx)
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "wallet", "W000000001")
    monkeypatch.setattr(ctx, "transaction", lambda: dies_before_commit(ctx))
    with pytest.raises(Boom):
        train(ctx, [holder])
    with ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Entitlement)).scalar_one() == 0
        assert uow.session.execute(select(func.count()).select_from(Payout)).scalar_one() == 0


def test_a_timeout_after_the_credit_is_resolved_by_a_status_query_never_a_resend(
    ctx: ProgrammeContext,
) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 3, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=1.0)
    run = payouts.run_payouts(ctx)
    assert run.outcomes == {"unknown": 3} and all("timed out" in p for p in run.problems)
    assert payouts_by_status(ctx) == {"scheduled": 3, "unknown": 3}
    assert payouts.run_payouts(ctx).outcomes == {}  # backing off: nothing due yet
    advance(ctx, minutes=5)
    assert payouts.run_payouts(ctx).outcomes == {"paid": 3}
    for key in keys(ctx, "paid"):
        assert rail.sends_for(key) == 1 and rail.credits_for(key) == 1
    assert ledger_problems(ctx) == []


def test_a_timeout_before_the_credit_is_sent_again_with_the_same_key(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=0.0)
    assert payouts.run_payouts(ctx).outcomes == {"unknown": 2}
    quiet = install_rail(ctx, books_of(rail))
    advance(ctx, minutes=5)
    assert payouts.run_payouts(ctx).outcomes == {"paid": 2}
    for key in keys(ctx, "paid"):
        assert quiet.sends_for(key) == 2 and quiet.credits_for(key) == 1
    assert ledger_problems(ctx) == []


def test_a_garbage_answer_leaves_the_payout_unknown_until_the_rail_is_asked(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    install_rail(ctx, books_of(rail), garbage_rate=1.0)
    run = payouts.run_payouts(ctx)
    assert run.outcomes == {"unknown": 2}
    assert all("garbage" in p for p in run.problems)
    with ctx.uow() as uow:
        reasons = set(
            uow.session.execute(select(Payout.last_error).where(Payout.status == "unknown")).scalars()
        )
    assert all(r and "garbage" in r for r in reasons)
    advance(ctx, minutes=5)
    assert payouts.run_payouts(ctx).outcomes == {"paid": 2}
    assert all(rail.credits_for(k) == 1 and rail.sends_for(k) == 1 for k in keys(ctx, "paid"))
    assert ledger_problems(ctx) == []


class Exploding:
    """A rail whose client library crashes on one account, and works for the others."""

    def __init__(self, inner: object, bad_account: str) -> None:
        self.inner = inner
        self.bad = bad_account
        self.code = "wallet"

    def send(self, instruction: PaymentInstruction) -> RailResult:
        if instruction.account_number == self.bad:
            raise ValueError("unexpected token '<' in JSON")
        return self.inner.send(instruction)  # type: ignore[attr-defined,no-any-return]

    def status(self, key: str) -> RailResult:
        return self.inner.status(key)  # type: ignore[attr-defined,no-any-return]


def test_a_rail_crashing_on_one_payout_does_not_stop_the_run(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 3, rail)
    ctx.__dict__["rails"] = {"wallet": Exploding(rail, "W000000001")}
    run = payouts.run_payouts(ctx)
    assert run.outcomes == {"paid": 2, "unknown": 1}
    assert any("ValueError" in p for p in run.problems)
    assert ledger_problems(ctx) == []


def test_transient_refusals_are_retried_with_growing_back_off(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), transient_failure_rate=1.0)
    waits = []
    for _ in range(3):
        assert payouts.run_payouts(ctx).outcomes == {"retry": 1}
        with ctx.uow() as uow:
            due = uow.session.execute(
                select(Payout.next_attempt_at).where(Payout.status == "scheduled")
            ).scalars()
            wait = min(due) - ctx.clock.now()
        waits.append(wait)
        advance(ctx, seconds=wait.total_seconds())
    assert waits == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]


class Inbox:
    """A notification plugin that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    @hookimpl
    def skillsprogram_notify_batch(self, notifications: Sequence[Notification], programme: object) -> None:
        self.sent.extend(notifications)


def test_a_closed_account_goes_to_review_tells_the_beneficiary_and_can_be_resent(
    ctx: ProgrammeContext,
) -> None:
    inbox = Inbox()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("inbox", inbox)])
    rail = install_rail(ctx)
    (holder,) = with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), closed_account_rate=1.0)
    assert payouts.run_payouts(ctx).outcomes == {"failed": 1}
    events.dispatch_events(ctx)
    told = [n for n in inbox.sent if n.template == "payout-failed"]
    assert [n.person_id for n in told] == [str(person_of(ctx, holder))]
    with ctx.uow() as uow:
        (review,) = payout_reviews.open_reviews(uow, ctx)
    assert review.status == "failed" and review.reason == "account closed"
    quiet = install_rail(ctx, books_of(rail))
    with ctx.transaction() as uow:
        accounts.add_payment_account(uow, ctx, person_of(ctx, holder), "wallet", "W000000777")
        assert payout_reviews.resolve_review(uow, ctx, review.review_id, "retry") == "scheduled"
    assert payouts.run_payouts(ctx).outcomes == {"paid": 1}
    (key,) = keys(ctx, "paid")
    assert key.endswith("#1") and quiet.credits_for(key) == 1
    with ctx.uow() as uow:
        assert payout_reviews.open_reviews(uow, ctx) == []
    assert ledger_problems(ctx) == []


def test_cancelling_a_reviewed_payout_returns_its_amount_to_the_budget(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), name_mismatch_rate=0.0, closed_account_rate=1.0)
    payouts.run_payouts(ctx)
    with ctx.transaction() as uow:
        (review,) = payout_reviews.open_reviews(uow, ctx)
        assert payout_reviews.resolve_review(uow, ctx, review.review_id, "cancel") == "cancelled"
    assert ledger_problems(ctx) == []


def test_several_workers_at_once_never_send_a_payout_twice(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 24, rail)
    install_rail(ctx, books_of(rail), latency_ms=5)
    runs: list[payouts.PayoutRun] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            runs.append(payouts.run_payouts(ctx, chunk=3))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.outcomes["paid"] for r in runs) == 24
    assert all(rail.sends_for(k) == 1 and rail.credits_for(k) == 1 for k in keys(ctx, "paid"))
    assert ledger_problems(ctx) == []


def test_a_worker_overtaken_after_its_lease_records_nothing(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    slow = payouts._claim(ctx, 10, timedelta(seconds=30))
    slow_answers = [(c, payouts._call_rail(ctx, c)) for c in slow]  # sent and paid, not yet recorded
    advance(ctx, seconds=31)  # the lease runs out; another worker resolves the payout
    assert payouts.run_payouts(ctx).outcomes == {"paid": 1}
    late = payouts.PayoutRun()
    payouts._record(ctx, slow_answers, late)
    assert late.outcomes == {"stale": 1}
    with ctx.uow() as uow:
        postings = uow.session.execute(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "payout")
        ).scalar_one()
    assert postings == 1 and ledger_problems(ctx) == []
    assert rail.sends_for(keys(ctx, "paid")[0]) == 1


def test_a_payout_found_paid_after_revocation_is_claimed_back(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    (holder,) = with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=1.0)
    assert payouts.run_payouts(ctx).outcomes == {"unknown": 1}
    with ctx.transaction() as uow:
        figures = revocation.revoke(uow, ctx, holder, "found to be a civil servant")
    assert figures["claimed_back"] == 0 and figures["cancelled"] == 600_000  # the second instalment
    advance(ctx, minutes=5)
    assert payouts.run_payouts(ctx).outcomes == {"paid": 1}
    with ctx.uow() as uow:
        clawbacks = uow.session.execute(
            select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.kind == "clawback")
        ).scalar_one()
        event = uow.session.execute(
            select(AuditEvent.data).where(AuditEvent.action == "payout_paid")
        ).scalar_one()
    assert clawbacks == 1 and event["claimed_back"] == 600_000
    assert ledger_problems(ctx) == []


def test_rail_callbacks_apply_once_and_bad_ones_are_recorded_not_applied(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=1.0)
    assert payouts.run_payouts(ctx).outcomes == {"unknown": 2}
    far = ctx.clock.now() + timedelta(days=3650)
    pushed = rail.callbacks(ctx.clock.now() - timedelta(days=3650), far)
    assert len(pushed) == 2
    first = pushed[0]
    wrong_currency = type(first)(
        f"{first.notice_id}-x", first.idempotency_key, "paid", "R", first.amount, "EUR"
    )
    unknown = type(first)("n-unknown", "no-such-key", "paid", "R", 1, "USD")
    garbage = type(first)("n-garbage", first.idempotency_key, "settled??", "R")
    with ctx.transaction() as uow:
        outcomes = rail_callbacks.apply_callbacks(
            uow, ctx, "wallet", [first, first, wrong_currency, unknown, garbage, pushed[1]]
        )
    assert outcomes == ["applied", "duplicate", "mismatch", "unknown_reference", "garbage", "applied"]
    with ctx.transaction() as uow:
        assert rail_callbacks.apply_callbacks(uow, ctx, "wallet", [first]) == ["duplicate"]
    assert payouts_by_status(ctx) == {"paid": 2, "scheduled": 2}
    assert ledger_problems(ctx) == []
    advance(ctx, minutes=5)
    assert payouts.run_payouts(ctx).outcomes == {}  # nothing left to resolve


def test_a_returned_payout_goes_back_to_payable_and_to_review(ctx: ProgrammeContext) -> None:
    inbox = Inbox()
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("inbox", inbox)])
    rail = install_rail(ctx)
    (holder,) = with_payouts(ctx, 1, rail)
    payouts.run_payouts(ctx)
    (key,) = keys(ctx, "paid")
    with ctx.uow() as uow:
        reference = uow.session.execute(
            select(Payout.rail_reference).where(Payout.status == "paid")
        ).scalar_one()
    returned = rail_callbacks.RailCallback(
        f"{reference}:returned", key, "returned", reference, 600_000, "USD"
    )
    with ctx.transaction() as uow:
        assert rail_callbacks.apply_callbacks(uow, ctx, "wallet", [returned, returned]) == [
            "applied",
            "duplicate",
        ]
    assert payouts_by_status(ctx) == {"returned": 1, "scheduled": 1}
    with ctx.uow() as uow:
        (review,) = payout_reviews.open_reviews(uow, ctx)
    assert review.status == "returned"
    events.dispatch_events(ctx)
    told = [n.person_id for n in inbox.sent if n.template == "payout-returned"]
    assert told == [str(person_of(ctx, holder))]
    assert ledger_problems(ctx) == []


def test_a_payout_whose_fate_stays_unknown_goes_to_review_after_the_last_attempt(
    ctx: ProgrammeContext,
) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=0.0, latency_ms=0)

    class Silent:
        code = "wallet"

        def status(self, key: str) -> RailResult:
            raise TimeoutError("status endpoint down")

        def send(self, instruction: PaymentInstruction) -> RailResult:
            raise TimeoutError("send endpoint down")

    ctx.__dict__["rails"] = {"wallet": Silent()}
    for _ in range(MAX_ATTEMPTS):
        payouts.run_payouts(ctx)
        advance(ctx, days=1)
    with ctx.uow() as uow:
        (review,) = payout_reviews.open_reviews(uow, ctx)
        status = uow.session.execute(select(Payout.status).where(Payout.id == review.payout_id)).scalar_one()
    assert status == "unknown" and "TimeoutError" in review.reason
    assert ledger_problems(ctx) == []


def test_callbacks_command_applies_good_ones_and_reports_garbage_without_crashing(
    ctx: ProgrammeContext, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from skillsprogram.cli.main import app

    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=1.0)
    assert payouts.run_payouts(ctx).outcomes == {"unknown": 1}
    (pushed,) = rail.callbacks(ctx.clock.now() - timedelta(days=3650), ctx.clock.now() + timedelta(days=3650))
    good = {
        "notice_id": pushed.notice_id,
        "idempotency_key": pushed.idempotency_key,
        "status": "paid",
        "reference": pushed.reference,
        "amount": pushed.amount,
        "currency": "USD",
    }
    file = tmp_path / "callbacks.json"
    file.write_text(json.dumps([good, good, "nonsense", {"notice_id": "x"}, {**good, "amount": "12.5"}]))
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", "test-secret-that-is-long-enough")
    args = ["payouts", "callbacks", "-p", ctx.config.code, "--database-url", database_url, "--rail", "wallet"]
    result = CliRunner().invoke(app, [*args, "--file", str(file)])
    assert result.exit_code == 1, result.output  # some items were refused
    assert "read 5 items: 2 notices, refused 3, applied: 1, duplicate: 1" in result.output
    for refused in ("item 3: the item is not a JSON object", "item 4 column status", "item 5 column amount"):
        assert refused in result.output
    assert payouts_by_status(ctx) == {"paid": 1, "scheduled": 1}
    file.write_text("{not json")
    broken = CliRunner().invoke(app, [*args, "--file", str(file)])
    assert broken.exit_code == 2 and "unreadable-file" in broken.output  # nothing applied
    assert ledger_problems(ctx) == []


def test_a_payout_refused_after_revocation_is_cancelled_not_reviewed(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    (holder,) = with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), timeout_rate=1.0, processed_before_timeout_rate=0.0)
    assert payouts.run_payouts(ctx).outcomes == {"unknown": 1}
    with ctx.transaction() as uow:
        revocation.revoke(uow, ctx, holder, "found ineligible")
    install_rail(ctx, books_of(rail), closed_account_rate=1.0)
    advance(ctx, minutes=5)
    assert payouts.run_payouts(ctx).outcomes == {"cancelled": 1}
    assert payouts_by_status(ctx) == {"cancelled": 2}
    with ctx.uow() as uow:
        assert payout_reviews.open_reviews(uow, ctx) == []
    assert ledger_problems(ctx) == []


def test_review_commands_list_and_resolve_a_failed_payout(
    ctx: ProgrammeContext, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from skillsprogram.cli.main import app

    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    install_rail(ctx, books_of(rail), closed_account_rate=1.0)
    payouts.run_payouts(ctx)
    with ctx.uow() as uow:
        (review,) = payout_reviews.open_reviews(uow, ctx)
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", "test-secret-that-is-long-enough")
    common = ["-p", ctx.config.code, "--database-url", database_url]
    listed = CliRunner().invoke(app, ["payouts", "reviews", *common])
    assert listed.exit_code == 0 and "Payouts to review (1)" in listed.output and "closed" in listed.output
    refused = CliRunner().invoke(app, ["payouts", "resolve", *common, "not-an-id", "cancel"])
    assert refused.exit_code == 2 and "invalid-id" in refused.output
    done = CliRunner().invoke(app, ["payouts", "resolve", *common, str(review.review_id), "cancel"])
    assert done.exit_code == 0 and "payout cancelled" in done.output
    again = CliRunner().invoke(app, ["payouts", "resolve", *common, str(review.review_id), "cancel"])
    assert again.exit_code == 2 and "review-resolved" in again.output
    assert ledger_problems(ctx) == []


def test_claims_can_walk_the_due_index_in_claim_order(ctx: ProgrammeContext) -> None:
    """The claim names the claimable statuses literally, so the partial due index (which
    holds only those, in claim order) serves it: a claim then reads the transfers it takes
    instead of sorting every due one. PostgreSQL is told not to scan or sort otherwise."""
    with UnitOfWork(ctx.engine) as uow:
        claim = payouts.due_first(uow, select(Payout.id), Payout, ctx.clock.now(), 200)
        connection = uow.session.connection()
        compiled = claim.compile(connection, compile_kwargs={"render_postcompile": True})
        if uow.dialect == "postgresql":
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                connection.exec_driver_sql(f"SET LOCAL {setting} = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
        else:
            positional = tuple(compiled.params[name] for name in compiled.positiontup or ())
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", positional).all()
        plan = "\n".join(str(row[-1]) for row in rows)
    assert "ix_payout_due" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan


def test_a_run_asked_to_stop_records_the_chunk_it_holds_and_claims_no_more(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 5, rail)  # 5 due now
    asked: list[int] = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 1  # after the first chunk

    run = payouts.run_payouts(ctx, chunk=2, should_stop=should_stop)
    assert run.outcomes == {"paid": 2}
    assert payouts_by_status(ctx) == {"paid": 2, "scheduled": 8}
    assert ledger_problems(ctx) == []
