"""The sandbox rails behave like real rails: once per key, honest timeouts, lasting books."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from skillsprogram_sandbox_rails import plugin
from skillsprogram_sandbox_rails.ledger import RailBooks
from skillsprogram_sandbox_rails.rail import SandboxRail
from skillsprogram_sandbox_rails.settings import parse_settings

from skillsprogram.config import ProgrammeConfig, parse_config
from skillsprogram.domain.exchange import PaymentInstruction, PaymentRail, RailTimeout
from skillsprogram.errors import ConfigurationError
from skillsprogram.hooks.manager import build_plugin_manager

WALLET = {"code": "wallet", "name": "Wallet", "kind": "ewallet", "account_pattern": r"^08\d{8,11}$"}
CALM = {
    "timeout_rate": 0.0,
    "transient_failure_rate": 0.0,
    "closed_account_rate": 0.0,
    "invalid_account_rate": 0.0,
    "name_mismatch_rate": 0.0,
}


def rail(state: Path | None = None, **overrides: object) -> SandboxRail:
    settings = parse_settings(
        {"rails": [WALLET], "seed": 3, **CALM, **overrides, **({"state_path": str(state)} if state else {})}
    )
    return SandboxRail(settings.rails[0], settings, RailBooks(settings.state_path), ("IDR",))


def pay(key: str, amount: int = 600_000, account: str = "081234567890") -> PaymentInstruction:
    return PaymentInstruction(key, account, "Siti Rahma", amount, "IDR", "incentive")


def config(**settings: object) -> ProgrammeConfig:
    return parse_config(
        {
            "programme": {"code": "p", "name": "P", "country": "ID", "currency": "IDR"},
            "voucher": {"amount": 1000},
            "plugins": ["sandbox_rails"],
            "plugin_settings": {"sandbox_rails": {"rails": [WALLET], **settings}},
        }
    )


def test_rail_satisfies_the_payment_rail_protocol_and_says_it_is_a_sandbox() -> None:
    sandbox = rail()
    assert isinstance(sandbox, PaymentRail)
    assert "SANDBOX" in sandbox.name


def test_send_with_the_same_key_twice_credits_once_and_answers_the_same() -> None:
    sandbox = rail()
    first, second = sandbox.send(pay("k1")), sandbox.send(pay("k1"))
    assert first.status == second.status == "paid"
    assert first.reference == second.reference
    assert sandbox.credits_for("k1") == 1


def test_same_key_with_different_amount_is_refused_permanently() -> None:
    sandbox = rail()
    sandbox.send(pay("k1"))
    answer = sandbox.send(pay("k1", amount=1))
    assert answer.status == "failed" and answer.permanent
    assert sandbox.credits_for("k1") == 1


def test_unknown_key_has_status_not_found() -> None:
    assert rail().status("never-sent").status == "not_found"


def test_timeout_processed_before_timeout_is_reported_paid_by_status() -> None:
    sandbox = rail(timeout_rate=1.0, processed_before_timeout_rate=1.0)
    with pytest.raises(RailTimeout):
        sandbox.send(pay("k1"))
    assert sandbox.status("k1").status == "paid"
    assert sandbox.credits_for("k1") == 1


def test_timeout_before_processing_leaves_nothing_booked() -> None:
    sandbox = rail(timeout_rate=1.0, processed_before_timeout_rate=0.0)
    with pytest.raises(RailTimeout):
        sandbox.send(pay("k1"))
    assert sandbox.status("k1").status == "not_found"


def test_transient_failure_is_retryable_and_a_later_attempt_can_succeed() -> None:
    sandbox = rail(transient_failure_rate=0.5)
    answers = [sandbox.send(pay("k-retry")) for _ in range(20)]
    assert any(a.status == "failed" and not a.permanent for a in answers)
    assert answers[-1].status == "paid"
    assert sandbox.credits_for("k-retry") == 1


def test_closed_account_is_a_permanent_failure_and_status_says_failed() -> None:
    sandbox = rail(closed_account_rate=1.0)
    answer = sandbox.send(pay("k1"))
    assert answer.status == "failed" and answer.permanent and answer.reason == "account closed"
    assert sandbox.status("k1").status == "failed"
    assert sandbox.credits_for("k1") == 0


def test_wrong_currency_and_malformed_account_fail_permanently() -> None:
    sandbox = rail()
    assert sandbox.send(PaymentInstruction("k1", "081234567890", "A", 1, "USD", "x")).permanent
    assert sandbox.send(pay("k2", account="12")).permanent


def test_validate_account_checks_the_pattern_and_holder() -> None:
    sandbox = rail()
    assert sandbox.validate_account("081234567890", "Siti Rahma").holder_name == "Siti Rahma"
    assert not sandbox.validate_account("not-a-number", "Siti Rahma").valid
    mismatched = rail(name_mismatch_rate=1.0).validate_account("081234567890", "Siti Rahma")
    assert mismatched.valid and mismatched.holder_name != "Siti Rahma"


def test_rates_are_roughly_respected_over_many_keys() -> None:
    sandbox = rail(timeout_rate=0.1, processed_before_timeout_rate=0.0)
    timeouts = 0
    for n in range(2_000):
        try:
            sandbox.send(pay(f"k{n}"))
        except RailTimeout:
            timeouts += 1
    assert 140 < timeouts < 260


def test_latency_delays_each_request() -> None:
    sandbox = rail(latency_ms=50)
    started = datetime.now(UTC)
    sandbox.status("k")
    assert datetime.now(UTC) - started >= timedelta(milliseconds=45)


def test_state_survives_a_new_rail_object_on_the_same_state_path(tmp_path: Path) -> None:
    rail(tmp_path / "books.db").send(pay("k1"))
    again = rail(tmp_path / "books.db")
    assert again.status("k1").status == "paid"
    assert again.send(pay("k1")).status == "paid"
    assert again.credits_for("k1") == 1


def _send_once(path: str) -> str:
    return rail(Path(path)).send(pay("shared-key")).status


def test_two_processes_sending_the_same_key_credit_once(tmp_path: Path) -> None:
    path = str(tmp_path / "books.db")
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        answers = pool.map(_send_once, [path] * 6)
    assert set(answers) == {"paid"}
    assert rail(Path(path)).credits_for("shared-key") == 1


def test_statement_lists_each_credit_once_in_csv() -> None:
    sandbox = rail()
    for n in range(3):
        sandbox.send(pay(f"k{n}"))
    now = datetime.now(UTC)
    lines = sandbox.statement(now - timedelta(minutes=1), now + timedelta(minutes=1))
    assert sorted(line.idempotency_key for line in lines) == ["k0", "k1", "k2"]
    text = sandbox.statement_csv(now - timedelta(minutes=1), now + timedelta(minutes=1))
    assert text.splitlines()[0] == "idempotency_key,reference,amount,currency,booked_at,status"
    assert len(text.splitlines()) == 4


def test_unknown_setting_is_refused_with_the_field_name() -> None:
    with pytest.raises(ConfigurationError, match="timeout_rat"):
        parse_settings({"rails": [WALLET], "timeout_rat": 0.1})


def test_plugin_offers_its_rails_through_the_hook_and_keeps_them() -> None:
    programme = config(seed=9)
    pm = build_plugin_manager(programme.plugins)
    offered = [
        r for contribution in pm.hook.skillsprogram_payment_rails(programme=programme) for r in contribution
    ]
    assert [r.code for r in offered] == ["wallet"]
    assert plugin.rails_for(programme)[0] is offered[0]


def test_a_garbage_answer_hides_a_credit_that_the_status_query_reveals() -> None:
    sandbox = rail(garbage_rate=1.0)
    answer = sandbox.send(pay("g1"))
    assert not hasattr(answer, "status")  # not a rail result at all
    assert sandbox.status("g1").status == "paid" and sandbox.credits_for("g1") == 1


def test_every_send_and_status_request_is_counted_across_processes(tmp_path: Path) -> None:
    state = tmp_path / "books.db"
    first, second = rail(state), rail(state)
    first.send(pay("c1"))
    second.send(pay("c1"))
    second.status("c1")
    assert first.sends_for("c1") == 2 and first.credits_for("c1") == 1
    assert first.credited_keys() == {"c1": 1}


def test_callbacks_repeat_some_notices_with_the_same_id() -> None:
    sandbox = rail(duplicate_callback_rate=1.0)
    sandbox.send(pay("d1"))
    now = datetime.now(UTC)
    pushed = sandbox.callbacks(now - timedelta(days=1), now + timedelta(days=1))
    assert len(pushed) == 2 and pushed[0] == pushed[1] and pushed[0].status == "paid"


def test_the_float_reserves_once_per_reference_and_refuses_beyond_it() -> None:
    sandbox = rail(float_balance=1_000)
    assert sandbox.reserve_funds("run-1", 600, "IDR").reserved
    assert sandbox.reserve_funds("run-1", 600, "IDR").reserved  # the same reservation again
    refused = sandbox.reserve_funds("run-2", 600, "IDR")
    assert not refused.reserved and "cannot cover" in (refused.reason or "")
    assert not sandbox.reserve_funds("run-3", 1, "USD").reserved


def test_a_rail_holding_no_float_answers_not_funded_naming_itself() -> None:
    settings = parse_settings({"rails": [{**WALLET, "holds_float": False}], "seed": 3, **CALM})
    sandbox = SandboxRail(settings.rails[0], settings, RailBooks(None), ("IDR",))
    assert isinstance(sandbox, PaymentRail)
    refused = sandbox.reserve_funds("run-1", 1, "IDR")
    assert not refused.reserved and sandbox.name in (refused.reason or "")
    assert "sponsor bank" in (refused.reason or "")


def test_the_statement_module_writes_the_books_as_the_documented_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from skillsprogram_sandbox_rails import statement

    state = tmp_path / "books.db"
    sandbox = rail(state)
    paid = sandbox.send(pay("s1", amount=750))
    assert statement.main(["--books", str(state), "--rail", "wallet"]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert header == "idempotency_key,reference,amount,currency,booked_at,status"
    assert line.split(",")[:4] == ["s1", paid.reference, "750", "IDR"] and line.endswith(",paid")
