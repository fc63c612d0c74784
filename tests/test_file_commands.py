"""Every file command against every class of hostile input, through the command line.

Each case checks four things: no traceback, the documented exit code, a message naming
the line (and column) of the refused row, and what was written: nothing for a file
that cannot be read or an all-or-nothing command that refused a row, exactly the good
rows for a row-by-row one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel
from typer.testing import CliRunner, Result

from skillsprogram.cli.main import app
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AttendanceReport, Completion
from skillsprogram.domain.payments import RailNotice, RailStatement, StatementDiscrepancy
from skillsprogram.domain.settlement_models import EmploymentOutcome
from skillsprogram.services import training, vouchers
from tests.money.helpers import SECRET, train
from tests.services.helpers import course, to_voucher
from tests.support import hostile

#: Classes that are numbers in the wrong form: put where a number is wanted.
NUMERIC = frozenset({"arabic_indic_digits", "full_width_digits", "huge_number"})
HOSTILE_TEXT = sorted(hostile.TEXT)


@dataclass
class Cli:
    """Runs ``skillsprogram`` on the test database and programme."""

    ctx: ProgrammeContext
    database_url: str
    tmp_path: Path

    def run(self, *args: str) -> Result:
        return CliRunner().invoke(
            app, [*args, "-p", self.ctx.config.code, "--database-url", self.database_url]
        )

    def file(self, name: str, content: bytes) -> str:
        path = self.tmp_path / name
        path.write_bytes(content)
        return str(path)

    def count(self, query: object) -> int:
        with self.ctx.uow() as uow:
            return int(uow.session.execute(query).scalar_one())  # type: ignore[call-overload]


@pytest.fixture
def cli(
    ctx: ProgrammeContext, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cli]:
    monkeypatch.setenv("SKILLSPROGRAM_SECRET_KEY", SECRET)
    yield Cli(ctx, database_url, tmp_path)


@pytest.fixture
def graduates(ctx: ProgrammeContext) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """Three graduates and their completed purchases."""
    holders = to_voucher(ctx, 3)
    return holders, train(ctx, holders)


def verdicts(result: Result, exit_code: int, said: list[str]) -> list[str]:
    """What is wrong with a command's run (empty when it behaved as documented)."""
    wrong = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        wrong.append(f"crashed with {type(result.exception).__name__}")
    if "Traceback" in result.output:
        wrong.append("printed a traceback")
    if result.exit_code != exit_code:
        wrong.append(f"exit {result.exit_code} instead of {exit_code}")
    wrong += [f"did not say {text!r}" for text in said if text not in result.output]
    return wrong


def check_all(cases: dict[str, Callable[[], list[str]]]) -> None:
    failures = {name: wrong for name, case in cases.items() if (wrong := case())}
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(
        f"{name}: {'; '.join(wrong)}" for name, wrong in sorted(failures.items())
    )


def refused_whole(
    cli: Cli, command: list[str], content: bytes | None, said: str, table: type[SQLModel]
) -> Callable[[], list[str]]:
    """A case: ``command`` (ending with its file option) refuses ``content`` (or a file that
    does not exist) as a whole, with exit 2, and writes nothing to ``table``."""

    def run() -> list[str]:
        def rows() -> int:
            return cli.count(select(func.count()).select_from(table))

        before = rows()
        path = str(cli.tmp_path / "absent") if content is None else cli.file(uuid.uuid4().hex, content)
        wrong = verdicts(cli.run(*command, path), 2, [said])
        if rows() != before:
            wrong.append("wrote something of a file it could not read")
        return wrong

    return run


def at_line_4(column: str) -> str:
    return f"line 4 column {column}" if column else "line 4:"


def quoted(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


# --- run report-attendance: row by row ------------------------------------------------------


def test_report_attendance_writes_the_good_rows_and_refuses_each_hostile_one_by_line_and_column(
    cli: Cli, graduates: tuple[list[uuid.UUID], list[uuid.UUID]]
) -> None:
    _holders, purchases = graduates
    months = iter(f"{2025 + m // 12}-{m % 12 + 1:02d}" for m in range(24))

    def stored(month: str) -> int:
        return cli.count(
            select(func.count()).select_from(AttendanceReport).where(AttendanceReport.period == month)
        )

    def case(
        hostile_row: Callable[[str], str], column: str, *, refused: str | None = None
    ) -> Callable[[], list[str]]:
        def run() -> list[str]:
            month = next(months)
            total = cli.count(select(func.count()).select_from(AttendanceReport))
            lines = [
                "purchase_id,period,attendance_percent",
                f"{purchases[0]},{month},90",
                f"{purchases[1]},{month},40",
            ]
            lines.append(hostile_row(month))
            result = cli.run(
                "run", "report-attendance", "--file", cli.file(f"{month}.csv", "\n".join(lines).encode())
            )
            wrong = verdicts(
                result, 1, ["accepted 2, refused 1", at_line_4(column), *([refused] if refused else [])]
            )
            if (
                stored(month) != 2
                or cli.count(select(func.count()).select_from(AttendanceReport)) != total + 2
            ):
                wrong.append("did not write exactly the two good rows")
            return wrong

        return run

    cases: dict[str, Callable[[], list[str]]] = {}
    for name in HOSTILE_TEXT:
        value = quoted(hostile.TEXT[name])
        if name in NUMERIC:
            cases[name] = case(lambda month, v=value: f"{purchases[2]},{month},{v}", "attendance_percent")
        else:
            cases[name] = case(lambda _month, v=value: f"{purchases[2]},{v},50", "period")
    for period in ("1900-01", "2999-12", "2024-12"):
        cases[f"period {period}"] = case(
            lambda _m, p=period: f"{purchases[2]},{p},50", "period", refused="period-out-of-range"
        )
    cases["the same month again"] = case(
        lambda month: f"{purchases[0]},{month},70", "", refused="already-reported"
    )
    cases["the same month in Arabic-Indic digits"] = case(
        lambda month: f"{purchases[0]},{month.translate(str.maketrans('0123456789', '٠١٢٣٤٥٦٧٨٩'))},70",
        "period",
    )
    cases["a 5,000-digit purchase id"] = case(lambda month: f"{'1' * 5_000},{month},70", "purchase_id")

    command = ["run", "report-attendance", "--file"]
    good = f"purchase_id,period,attendance_percent\n{purchases[2]},2026-01,90\n".encode()
    for name, bad in hostile.INVALID_UTF8.items():
        cases[f"invalid UTF-8 ({name})"] = refused_whole(
            cli, command, good + bad + b"\n", "not UTF-8 text", AttendanceReport
        )
    cases["a missing column"] = refused_whole(
        cli, command, b"purchase_id,period\n", "missing column(s) attendance_percent", AttendanceReport
    )
    cases["no such file"] = refused_whole(cli, command, None, "cannot be read", AttendanceReport)
    check_all(cases)


# --- run report-completions: row by row --------------------------------------------------------


def test_report_completions_writes_each_good_row_refuses_the_others_and_sent_again_changes_nothing(
    cli: Cli, ctx: ProgrammeContext
) -> None:
    holders, welding = to_voucher(ctx, 2), course(ctx, "T-WELD")
    with ctx.transaction() as uow:
        bought = [vouchers.purchase_course(uow, ctx, h, welding) for h in holders]
        training.redeem(uow, ctx, bought[0].redeem_code)
    lines = [
        "purchase_id,certificate_number,score",
        f"{bought[0].id},CERT-A,91",
        f"{bought[1].id},CERT-B,",  # bought, never redeemed
        f"{bought[0].id},CERT-C,101",
    ]
    path = cli.file("completions.csv", "\n".join(lines).encode())
    first = cli.run("run", "report-completions", "--file", path)
    assert not verdicts(first, 1, ["accepted 1, refused 2", "[purchase-not-redeemed]", "line 4 column score"])
    assert cli.count(select(func.count()).select_from(Completion)) == 1
    again = cli.run("run", "report-completions", "--file", path)
    assert not verdicts(again, 1, ["accepted 0, refused 3"])
    assert cli.count(select(func.count()).select_from(Completion)) == 1
    check_all(
        {
            "a missing column": refused_whole(
                cli,
                ["run", "report-completions", "--file"],
                b"purchase_id,score\n",
                "missing column(s) certificate_number",
                Completion,
            )
        }
    )


# --- run record-employment: all or nothing -----------------------------------------------------


def test_record_employment_writes_nothing_when_any_row_is_refused_and_names_it(
    cli: Cli, graduates: tuple[list[uuid.UUID], list[uuid.UUID]]
) -> None:
    holders, _purchases = graduates
    header = "application_id,status,source,sector"

    def written() -> int:
        return cli.count(select(func.count()).select_from(EmploymentOutcome))

    def case(hostile_row: str, column: str) -> Callable[[], list[str]]:
        def run() -> list[str]:
            lines = [
                header,
                f"{holders[0]},employed,follow_up_survey,retail",
                f"{holders[1]},not_employed,follow_up_survey,",
            ]
            lines.append(hostile_row)
            result = cli.run(
                "run", "record-employment", "--file", cli.file("follow-up.csv", "\n".join(lines).encode())
            )
            wrong = verdicts(result, 1, ["validated 3 rows: 1 refused, nothing written", at_line_4(column)])
            if written():
                wrong.append(f"wrote {written()} rows")
            return wrong

        return run

    cases: dict[str, Callable[[], list[str]]] = {}
    for name in HOSTILE_TEXT:
        value = quoted(hostile.TEXT[name])
        if name in NUMERIC:
            cases[name] = case(f"{value},employed,follow_up_survey,", "application_id")
        elif name not in hostile.REFUSED_IN_TEXT:
            continue  # kept as written: see below
        else:
            cases[name] = case(f"{holders[2]},employed,follow_up_survey,{value}", "sector")
    cases["a sector of 65 characters"] = case(f"{holders[2]},employed,follow_up_survey,{'s' * 65}", "sector")
    cases["an unknown status"] = case(f"{holders[2]},hired,follow_up_survey,", "status")
    cases["a graduate reported twice by one source"] = case(f"{holders[0]},employed,follow_up_survey,", "")
    for name, bad in hostile.INVALID_UTF8.items():
        cases[f"invalid UTF-8 ({name})"] = refused_whole(
            cli,
            ["run", "record-employment", "--file"],
            f"{header}\n".encode() + bad,
            "not UTF-8 text",
            EmploymentOutcome,
        )
    check_all(cases)

    formula = hostile.TEXT["formula"]
    clean = "\n".join(
        [header, *(f"{h},self_employed,provider_report,{quoted(formula)}" for h in holders)]
    ).encode()
    result = cli.run("run", "record-employment", "--file", cli.file("clean.csv", clean))
    assert verdicts(result, 0, ["validated 3 rows: all accepted, 3 written"]) == []
    with cli.ctx.uow() as uow:
        assert set(uow.session.execute(select(EmploymentOutcome.sector)).scalars()) == {formula}


# --- payouts callbacks: notice by notice ----------------------------------------------------------


def test_payouts_callbacks_keeps_each_good_notice_and_refuses_each_hostile_item_by_line_and_field(
    cli: Cli,
) -> None:
    def kept(prefix: str) -> int:
        return cli.count(
            select(func.count()).select_from(RailNotice).where(RailNotice.notice_id.startswith(prefix))
        )

    def notice(notice_id: str, **fields: object) -> str:
        return json.dumps(
            {"notice_id": notice_id, "idempotency_key": "k", "status": "paid", "reference": "R", **fields}
        )

    def case(name: str, hostile_item: str, field: str) -> Callable[[], list[str]]:
        def run() -> list[str]:
            content = "[\n" + ",\n".join([notice(f"{name}-1"), notice(f"{name}-2"), hostile_item]) + "\n]"
            result = cli.run(
                "payouts",
                "callbacks",
                "--rail",
                "wallet",
                "--file",
                cli.file(f"{name}.json", content.encode()),
            )
            wrong = verdicts(result, 1, ["2 notices, refused 1", f"line 4 item 3 column {field}"])
            if kept(f"{name}-") != 2:
                wrong.append(f"kept {kept(f'{name}-')} notices instead of the 2 good ones")
            return wrong

        return run

    cases: dict[str, Callable[[], list[str]]] = {}
    for index, name in enumerate(HOSTILE_TEXT):
        value = hostile.TEXT[name]
        if name == "huge_number":
            cases[name] = case(
                name, notice(f"{name}-3").replace('"R"}', f'"R", "amount": {value}}}'), "amount"
            )
        elif name in NUMERIC:
            cases[name] = case(name, notice(f"{name}-3", amount=value), "amount")
        elif name in hostile.REFUSED_IN_TEXT:
            cases[name] = case(name, notice(f"x{index}" + value), "notice_id")
    cases["an unknown field"] = case("unknown", notice("unknown-3", colour="red"), "'colour'")

    command = ["payouts", "callbacks", "--rail", "wallet", "--file"]
    good = f"[{notice('bytes-1')},\n".encode()
    for name, bad in hostile.INVALID_UTF8.items():
        content = good + b'"' + bad + b'"]'
        cases[f"invalid UTF-8 ({name})"] = refused_whole(cli, command, content, "not UTF-8 text", RailNotice)
    deep = f"[{notice('deep-1')}, {hostile.DEEP_JSON}]".encode()
    cases["10,000-deep nesting"] = refused_whole(cli, command, deep, "nested deeper", RailNotice)
    garbled = b"[{'notice_id': 1}]"
    cases["not JSON"] = refused_whole(cli, command, garbled, "line 1 column 3", RailNotice)
    cases["not a list"] = refused_whole(
        cli, command, notice("object-1").encode(), "not a JSON list", RailNotice
    )
    cases["no such file"] = refused_whole(cli, command, None, "cannot be read", RailNotice)
    check_all(cases)

    formula = hostile.TEXT["formula"]
    content = f"[{notice('formula-1', reason=formula)}]".encode()
    result = cli.run("payouts", "callbacks", "--rail", "wallet", "--file", cli.file("formula.json", content))
    assert verdicts(result, 0, ["1 notices, refused 0"]) == []
    with cli.ctx.uow() as uow:
        data = uow.session.execute(
            select(RailNotice.data).where(RailNotice.notice_id == "formula-1")
        ).scalar_one()
    assert data["reason"] == formula


# --- payouts reconcile: the statement whole, or not at all ---------------------------------------


def test_payouts_reconcile_flags_each_hostile_line_by_column_and_refuses_unreadable_statements(
    cli: Cli,
) -> None:
    now = cli.ctx.clock.now()
    window = [
        "--since",
        (now - timedelta(days=30)).isoformat(),
        "--until",
        (now + timedelta(days=30)).isoformat(),
    ]
    header = "idempotency_key,reference,amount,currency,booked_at,status"
    booked = now.isoformat()

    def statements() -> int:
        return cli.count(select(func.count()).select_from(RailStatement))

    def malformed_at(line: int) -> int:
        return cli.count(
            select(func.count())
            .select_from(StatementDiscrepancy)
            .where(StatementDiscrepancy.kind == "malformed", StatementDiscrepancy.line_number == line)
        )

    def case(name: str, hostile_line: str, column: str) -> Callable[[], list[str]]:
        def run() -> list[str]:
            before, flagged = statements(), malformed_at(4)
            lines = [
                header,
                f"{name}-1,R1,100,USD,{booked},paid",
                f"{name}-2,R2,200,USD,{booked},paid",
                hostile_line,
            ]
            content = "\n".join(lines).encode()
            result = cli.run(
                "payouts",
                "reconcile",
                "--rail",
                "wallet",
                *window,
                "--statement",
                cli.file(f"{name}.csv", content),
            )
            wrong = verdicts(result, 1, ["3 lines, 0 matched", f"malformed line 4: column {column}"])
            if statements() != before + 1 or malformed_at(4) != flagged + 1:
                wrong.append("did not keep the statement with the malformed line")
            return wrong

        return run

    cases: dict[str, Callable[[], list[str]]] = {}
    for name in HOSTILE_TEXT:
        value = quoted(hostile.TEXT[name])
        if name in NUMERIC:
            cases[name] = case(name, f"{name}-3,R3,{value},USD,{booked},paid", "amount")
        elif name in hostile.REFUSED_IN_TEXT:
            cases[name] = case(name, f"{name}-3,{value},300,USD,{booked},paid", "reference")
    cases["a 161-character key"] = case("key", f"{'k' * 161},R3,300,USD,{booked},paid", "idempotency_key")
    cases["a booking time in Arabic-Indic digits"] = case(
        "booked",
        f"booked-3,R3,300,USD,{booked.translate(str.maketrans('0123456789', '٠١٢٣٤٥٦٧٨٩'))},paid",
        "booked_at",
    )

    command = ["payouts", "reconcile", "--rail", "wallet", *window, "--statement"]
    for name, bad in hostile.INVALID_UTF8.items():
        content = f"{header}\n{name},R,1,USD,{booked},paid\n".encode() + bad
        cases[f"invalid UTF-8 ({name})"] = refused_whole(
            cli, command, content, "not UTF-8 text", RailStatement
        )
    cases["no such file"] = refused_whole(cli, command, None, "cannot be read", RailStatement)
    check_all(cases)

    formula = hostile.TEXT["formula"]
    content = f"{header}\nformula-1,{quoted(formula)},100,USD,{booked},paid\n".encode()
    result = cli.run(
        "payouts", "reconcile", "--rail", "wallet", *window, "--statement", cli.file("f.csv", content)
    )
    assert (
        verdicts(result, 1, ["1 lines, 0 matched", "theirs_only"]) == [] and "malformed" not in result.output
    )


def test_a_thousand_good_follow_up_rows_and_one_over_long_field_write_nothing(
    cli: Cli, ctx: ProgrammeContext
) -> None:
    graduates = to_voucher(ctx, 501)
    train(ctx, graduates)
    rows = [
        f"{graduate},employed,{source},retail"
        for graduate in graduates[:500]
        for source in ("follow_up_survey", "provider_report")
    ]
    rows.append(f"{graduates[500]},employed,follow_up_survey,{'s' * 100_000}")
    content = "\n".join(["application_id,status,source,sector", *rows]).encode()
    result = cli.run("run", "record-employment", "--file", cli.file("follow-up.csv", content))
    said = [
        "validated 1,001 rows: 1 refused, nothing written",
        "line 1,002 column sector: String should have at most 64",
    ]
    assert verdicts(result, 1, said) == []
    assert cli.count(select(func.count()).select_from(EmploymentOutcome)) == 0
    without = "\n".join(["application_id,status,source,sector", *rows[:-1]]).encode()
    result = cli.run("run", "record-employment", "--file", cli.file("fixed.csv", without))
    assert verdicts(result, 0, ["validated 1,000 rows: all accepted, 1,000 written"]) == []
    assert cli.count(select(func.count()).select_from(EmploymentOutcome)) == 1_000


@pytest.mark.parametrize(
    ("command", "mode"),
    [
        (["run", "report-attendance"], "row by row"),
        (["run", "record-employment"], "all or nothing"),
        (["payouts", "callbacks"], "notice by notice"),
        (["payouts", "reconcile"], "all or nothing"),
    ],
)
def test_each_file_command_says_in_its_help_whether_it_writes_row_by_row_or_all_or_nothing(
    command: list[str], mode: str
) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and mode in " ".join(result.output.split())
