"""Rail statements against our payouts: every injected fault is flagged, a clean one gives none."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skillsprogram_sandbox_rails.rail import SandboxRail
from sqlalchemy import func, select
from typer.testing import CliRunner

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.payments import RailStatement, StatementDiscrepancy
from skillsprogram.errors import ValidationFailed
from skillsprogram.services import payouts, reconciliation
from tests.money.helpers import install_rail, with_payouts

ACTIONS = ("keep", "drop", "duplicate", "amount", "currency")
EXPECTED_KIND = {
    "drop": "ours_only",
    "duplicate": "duplicate",
    "amount": "amount_mismatch",
    "currency": "currency_mismatch",
}


def window(ctx: ProgrammeContext) -> tuple:  # type: ignore[type-arg]
    now = ctx.clock.now()
    return now - timedelta(days=3650), now + timedelta(days=3650)


def paid_statement(ctx: ProgrammeContext, count: int) -> tuple[SandboxRail, list[list[str]]]:
    rail = install_rail(ctx)
    with_payouts(ctx, count, rail)
    assert payouts.run_payouts(ctx).outcomes == {"paid": count}
    since, until = window(ctx)
    rows = list(csv.reader(io.StringIO(rail.statement_csv(since, until))))
    assert rows[0] == list(reconciliation.STATEMENT_COLUMNS) and len(rows) == count + 1
    return rail, rows[1:]


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(reconciliation.STATEMENT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


def reconcile(ctx: ProgrammeContext, content: bytes) -> reconciliation.ReconciliationReport:
    since, until = window(ctx)
    with ctx.uow() as uow:
        return reconciliation.reconcile(uow, ctx, "wallet", content, since, until)


def test_a_clean_statement_from_the_sandbox_rail_matches_every_payout(ctx: ProgrammeContext) -> None:
    _rail, rows = paid_statement(ctx, 4)
    report = reconcile(ctx, as_csv(rows))
    assert (report.lines, report.matched, report.discrepancies) == (4, 4, [])


def test_every_duplicated_missing_altered_or_foreign_line_is_flagged(ctx: ProgrammeContext) -> None:
    clean = paid_statement(ctx, 5)[1]

    @settings(max_examples=40, deadline=None)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        actions = data.draw(st.lists(st.sampled_from(ACTIONS), min_size=len(clean), max_size=len(clean)))
        foreign = data.draw(st.integers(0, 3))
        rows: list[list[str]] = []
        for row, action in zip(clean, actions, strict=True):
            key, reference, amount, currency, booked_at, status = row
            if action == "drop":
                continue
            if action == "amount":
                rows.append(
                    [
                        key,
                        reference,
                        str(int(amount) + data.draw(st.integers(1, 10**6))),
                        currency,
                        booked_at,
                        status,
                    ]
                )
            elif action == "currency":
                rows.append(
                    [
                        key,
                        reference,
                        amount,
                        data.draw(st.sampled_from(["EUR", "IDR", "KHR"])),
                        booked_at,
                        status,
                    ]
                )
            else:
                rows.append(row)
                if action == "duplicate":
                    rows.append(list(row))
        rows += [[f"stranger-{i}", f"REF-{i}", "1000", "USD", clean[0][4], "paid"] for i in range(foreign)]
        rows = data.draw(st.permutations(rows))
        report = reconcile(ctx, as_csv(rows))
        flagged = {(d.kind, d.idempotency_key) for d in report.discrepancies}
        for row, action in zip(clean, actions, strict=True):
            if action in EXPECTED_KIND:
                assert (EXPECTED_KIND[action], row[0]) in flagged
        assert report.count("theirs_only") == foreign
        expected = sum(action != "keep" for action in actions) + foreign
        assert len(report.discrepancies) == expected
        assert report.matched == sum(action in ("keep", "duplicate") for action in actions)

    check()


def test_statement_lines_that_do_not_parse_are_flagged_not_fatal(ctx: ProgrammeContext) -> None:
    _rail, rows = paid_statement(ctx, 2)
    broken = [
        *rows,
        ["k", "r", "12.50", "USD", rows[0][4], "paid"],
        ["k2", "r", "5", "US", "x", "paid"],
        ["short"],
    ]
    report = reconcile(ctx, as_csv(broken))
    assert report.matched == 2 and report.count("malformed") == 3
    with pytest.raises(ValidationFailed, match="header"):
        reconcile(ctx, b"key,amount\nk,1\n")


def test_a_statement_is_imported_once_with_its_discrepancies(ctx: ProgrammeContext) -> None:
    _rail, rows = paid_statement(ctx, 3)
    content = as_csv(rows[1:])  # one paid payout missing from the statement
    since, until = window(ctx)
    with ctx.transaction() as uow:
        report = reconciliation.import_statement(uow, ctx, "wallet", content, since, until)
    assert [d.kind for d in report.discrepancies] == ["ours_only"]
    with ctx.transaction() as uow, pytest.raises(reconciliation.StatementAlreadyImported):
        reconciliation.import_statement(uow, ctx, "wallet", content, since, until)
    with ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(RailStatement)).scalar_one() == 1
        kinds = list(uow.session.execute(select(StatementDiscrepancy.kind)).scalars())
    assert kinds == ["ours_only"]


def test_reconcile_command_reports_and_exits_1_on_discrepancies(
    ctx: ProgrammeContext, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.cli.main import app

    _rail, rows = paid_statement(ctx, 2)
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", "test-secret-that-is-long-enough")
    since, until = window(ctx)
    common = [
        "payouts",
        "reconcile",
        "-p",
        ctx.config.code,
        "--database-url",
        database_url,
        "--rail",
        "wallet",
    ]
    common += ["--since", since.isoformat(), "--until", until.isoformat()]
    clean, foreign = tmp_path / "clean.csv", tmp_path / "foreign.csv"
    clean.write_bytes(as_csv(rows))
    foreign.write_bytes(as_csv([*rows, ["nobody", "X", "5", "USD", rows[0][4], "paid"]]))
    ok = CliRunner().invoke(app, [*common, "--statement", str(clean)])
    assert ok.exit_code == 0 and "2 matched" in ok.output
    bad = CliRunner().invoke(app, [*common, "--statement", str(foreign)])
    assert bad.exit_code == 1 and "theirs_only" in bad.output
