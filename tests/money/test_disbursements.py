"""Disbursement runs are funded per rail before anything is sent."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from skillsprogram_sandbox_rails.ledger import RailBooks
from skillsprogram_sandbox_rails.rail import SandboxRail
from skillsprogram_sandbox_rails.settings import parse_settings
from typer.testing import CliRunner

from skillsprogram.config import ProgrammeConfig, parse_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import FundingAnswer
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.hooks.specs import hookimpl
from skillsprogram.services import accounts, disbursements, payouts
from tests.conftest import TESTLAND
from tests.money.helpers import (
    QUIET,
    WALLET,
    books_of,
    install_rail,
    ledger_problems,
    person_of,
    train,
    with_payouts,
)
from tests.services.helpers import to_voucher

BANK = {"code": "bank", "name": "Test bank (SANDBOX)", "kind": "bank", "account_pattern": r"^B\d{9}$"}


def two_rails(ctx: ProgrammeContext, **behaviour: object) -> dict[str, SandboxRail]:
    settings = parse_settings({"rails": [WALLET, BANK], "seed": 7, **QUIET, **behaviour})
    books = RailBooks(None)
    rails = {r.code: SandboxRail(r, settings, books, (ctx.config.currency,)) for r in settings.rails}
    ctx.__dict__["rails"] = rails
    return rails


def test_a_run_is_grouped_per_rail_funded_and_its_envelopes_reconcile(ctx: ProgrammeContext) -> None:
    rails = two_rails(ctx)
    holders = to_voucher(ctx, 5)
    with ctx.transaction() as uow:
        requests = [
            accounts.AccountRequest(
                person_of(ctx, h), *(("bank", f"B{i:09d}") if i < 2 else ("wallet", f"W{i:09d}"))
            )
            for i, h in enumerate(holders)
        ]
        for outcome in accounts.add_payment_accounts(uow, ctx, requests):
            outcome.unwrap()
    train(ctx, holders)
    run_id = disbursements.prepare_run(ctx)
    assert run_id is not None
    state = disbursements.fund_run(ctx, run_id)
    assert state.status == "funded" and state.total == 5 * 600_000
    assert [(e.rail, e.payouts, e.total) for e in state.envelopes] == [
        ("bank", 2, 1_200_000),
        ("wallet", 3, 1_800_000),
    ]
    assert all(e.reservation and e.reservation.startswith(e.rail.upper()) for e in state.envelopes)
    assert disbursements.send_run(ctx, run_id).outcomes == {"paid": 5}
    state = disbursements.run_state(ctx, run_id)
    assert [(e.paid, e.paid_amount) for e in state.envelopes] == [(2, 1_200_000), (3, 1_800_000)]
    assert disbursements.prepare_run(ctx) is None  # the second instalments are not due yet
    assert rails["bank"].credited_keys() and ledger_problems(ctx) == []


def test_a_run_the_float_cannot_cover_sends_nothing_and_says_why(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 3, rail)
    poor = install_rail(ctx, books_of(rail), float_balance=1_000_000)
    run_id = disbursements.prepare_run(ctx)
    assert run_id is not None
    state = disbursements.fund_run(ctx, run_id)
    assert state.status == "unfunded" and "cannot cover 1800000" in (state.reason or "")
    assert disbursements.send_run(ctx, run_id).outcomes == {}
    assert payouts.run_payouts(ctx).outcomes == {}  # the plain worker holds them back too
    assert poor.credited_keys() == {}
    install_rail(ctx, books_of(rail), float_balance=5_000_000)  # the sponsor topped up
    assert disbursements.fund_run(ctx, run_id).status == "funded"
    assert disbursements.send_run(ctx, run_id).outcomes == {"paid": 3}
    assert ledger_problems(ctx) == []


class SponsorBank:
    """A sponsor-bank plugin that funds envelopes up to a limit, and remembers the calls."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.asked: list[tuple[str, int]] = []

    @hookimpl
    def skillsprogram_reserve_funds(
        self, programme: object, rail: str, reference: str, amount: int, currency: str
    ) -> FundingAnswer:
        self.asked.append((rail, amount))
        if amount > self.limit:
            return FundingAnswer(False, reason="sponsor account short")
        return FundingAnswer(True, reservation=f"SPONSOR-{reference[:8]}")


def test_a_sponsor_bank_plugin_is_asked_before_the_rail(ctx: ProgrammeContext) -> None:
    bank = SponsorBank(limit=10_000_000)
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("sponsor", bank)])
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    install_rail(ctx, books_of(rail), float_balance=0)  # the rail alone could not fund it
    run_id = disbursements.prepare_run(ctx)
    assert run_id is not None
    state = disbursements.fund_run(ctx, run_id)
    assert bank.asked == [("wallet", 1_200_000)]
    assert state.status == "funded" and state.envelopes[0].reservation.startswith("SPONSOR-")  # type: ignore[union-attr]
    assert disbursements.send_run(ctx, run_id).outcomes == {"paid": 2}


def floatless_rail(ctx: ProgrammeContext, books: RailBooks) -> SandboxRail:
    """A wallet rail at which the programme keeps no float."""
    settings = parse_settings({"rails": [{**WALLET, "holds_float": False}], "seed": 7, **QUIET})
    rail = SandboxRail(settings.rails[0], settings, books, (ctx.config.currency,))
    ctx.__dict__["rails"] = {"wallet": rail}
    return rail


def test_without_a_sponsor_the_default_funding_plugin_asks_the_rail_which_may_refuse(
    ctx: ProgrammeContext,
) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    floatless_rail(ctx, books_of(rail))
    run_id = disbursements.prepare_run(ctx)
    assert run_id is not None
    state = disbursements.fund_run(ctx, run_id)
    assert state.status == "unfunded" and "holds no programme float" in (state.reason or "")
    assert disbursements.send_run(ctx, run_id).outcomes == {}


def test_a_sponsor_bank_plugin_overrides_the_default_funding_plugin_by_answering(
    ctx: ProgrammeContext,
) -> None:
    bank = SponsorBank(limit=10_000_000)
    ctx.pm = build_plugin_manager(ctx.config.plugins, extra=[("sponsor", bank)])
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    floatless_rail(ctx, books_of(rail))
    run_id = disbursements.prepare_run(ctx)
    assert run_id is not None
    assert disbursements.fund_run(ctx, run_id).status == "funded"
    assert disbursements.send_run(ctx, run_id).outcomes == {"paid": 2}


class RailWithoutReservation:
    """A rail written before ``reserve_funds`` joined the rail protocol."""

    code = "wallet"


def test_a_rail_that_cannot_reserve_leaves_its_envelope_not_funded_with_the_reason(
    ctx: ProgrammeContext,
) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 1, rail)
    ctx.__dict__["rails"] = {"wallet": RailWithoutReservation()}
    run_id = disbursements.prepare_run(ctx)
    assert run_id is not None
    state = disbursements.fund_run(ctx, run_id)
    assert state.status == "unfunded" and "cannot reserve funds" in (state.reason or "")


@pytest.fixture
def config(tmp_path: Path) -> ProgrammeConfig:
    """Testland where only payouts of a funded run may be sent, and whose configured sandbox
    rail has no float (tests that need one install their own rail)."""
    raw = tomllib.loads(TESTLAND.read_text())
    raw["payouts_need_funding"] = True
    raw["plugin_settings"]["sandbox_rails"]["float_balance"] = 0
    return parse_config(raw, source="testland needing funded runs")


def test_with_funding_required_no_payout_leaves_outside_a_funded_run(ctx: ProgrammeContext) -> None:
    rail = install_rail(ctx)
    with_payouts(ctx, 2, rail)
    assert payouts.run_payouts(ctx).outcomes == {}
    run_id = disbursements.prepare_run(ctx)
    assert run_id is not None and disbursements.fund_run(ctx, run_id).status == "funded"
    assert payouts.run_payouts(ctx).outcomes == {"paid": 2}


def test_disburse_command_exits_1_and_sends_nothing_when_unfunded(
    ctx: ProgrammeContext, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.cli.main import app

    with_payouts(ctx, 1)
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", "test-secret-that-is-long-enough")
    # The command builds its context from the stored configuration: its sandbox float is empty.
    args = ["payouts", "disburse", "-p", ctx.config.code, "--database-url", database_url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "unfunded" in result.output and "nothing sent" in result.output
