"""``skillsprogram simulate``: the budget what-if, scenarios side by side on the terminal,
or as JSON or CSV for a spreadsheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table as RichTable

from skillsprogram.budgeting import Settings, baseline, comparison, parse_scenario, read_scenarios, simulate
from skillsprogram.cli.feedback import console, refusals
from skillsprogram.cli.render import Amounts
from skillsprogram.config import load_config
from skillsprogram.domain.figures import ColumnKind, Table
from skillsprogram.errors import ConfigurationError
from skillsprogram.hooks.manager import build_plugin_manager
from skillsprogram.money import parse_amount


def simulate_command(
    config: Annotated[Path, typer.Option("--config", help="The programme's configuration file")],
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario",
            help="A scenario, 'NAME: key=value ...' with keys voucher, incentive (AMOUNTxINSTALMENTS), "
            "quota, applicants, take_up, completion; repeat to compare (default: the configuration)",
        ),
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option("--scenarios", help="A TOML file of \\[\\[scenarios]] tables (same keys, and name)"),
    ] = None,
    budget: Annotated[
        str | None,
        typer.Option(help="The budget to spend, in the currency's major unit (e.g. 20000000000000)"),
    ] = None,
    waves: Annotated[int, typer.Option(help="Waves to run")] = 6,
    applicants: Annotated[
        int, typer.Option(min=0, help="Applicants per wave (scenarios may set their own)")
    ] = 100_000,
    wave_days: Annotated[int, typer.Option(help="Days from one wave to the next")] = 30,
    sample: Annotated[int, typer.Option(help="Synthetic people per wave the rules are run on")] = 2_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic people and their choices")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the tables as JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the tables as CSV, one after another")] = False,
) -> None:
    """Run the programme's rules on synthetic people for several waves and compare
    scenarios: cost, people reached, cost per completer and when the budget is spent."""
    with refusals():
        if as_json and as_csv:
            raise ConfigurationError("choose one of --json and --csv")
        programme = load_config(config)
        digits = programme.programme.currency_minor_units()
        settings = Settings(
            waves=waves,
            seed=seed,
            sample=sample,
            budget=None if budget is None else _budget(budget, digits),
            wave_days=wave_days,
        )
        base = baseline(programme, applicants)
        chosen = [parse_scenario(text, base, digits) for text in scenario or []]
        if scenarios is not None:
            chosen += read_scenarios(scenarios, base, digits)
        hook = build_plugin_manager(programme.plugins).hook
        outcomes = simulate(programme, hook, chosen or [base], settings)
        tables = comparison(outcomes, settings, programme.currency)
        if as_json:
            typer.echo(json.dumps({"tables": [as_record(t) for t in tables]}, indent=2, ensure_ascii=False))
        elif as_csv:
            typer.echo("\n".join(t.csv() for t in tables), nl=False)
        else:
            amounts = Amounts.of(programme.programme)
            console.print(side_by_side(tables[0], amounts))
            console.print(by_columns(tables[2], amounts))
            console.print(tables[0].note, soft_wrap=True)


def as_record(table: Table) -> dict[str, object]:
    """A table as JSON reads it: key, title, note, currency, columns and rows as records."""
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "currency": table.currency,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind.value} for c in table.columns],
        "rows": table.records(),
    }


def side_by_side(table: Table, amounts: Amounts) -> RichTable:
    """``table`` turned on its side: a row per column, a column per row (per scenario)."""
    shown = RichTable(title=table.title, title_justify="left")
    shown.add_column("")
    for row in table.rows:
        shown.add_column(str(row[0]), justify="right")
    for index, column in enumerate(table.columns[1:], start=1):
        shown.add_row(column.label, *(cell(row[index], column.kind, amounts) for row in table.rows))
    return shown


def by_columns(table: Table, amounts: Amounts) -> RichTable:
    """``table`` as it stands, a column per column."""
    shown = RichTable(title=table.title, title_justify="left")
    for column in table.columns:
        shown.add_column(column.label, justify="left" if column.kind is ColumnKind.TEXT else "right")
    for row in table.rows:
        shown.add_row(*(cell(v, c.kind, amounts) for v, c in zip(row, table.columns, strict=True)))
    return shown


def cell(value: object, kind: ColumnKind, amounts: Amounts) -> str:
    """One value as people read it on the terminal."""
    if value is None:
        return "-"
    if kind is ColumnKind.MONEY and isinstance(value, int):
        return amounts(value)
    if kind is ColumnKind.SHARE and isinstance(value, float):
        return f"{100 * value:.1f}%"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _budget(text: str, digits: int) -> int:
    amount = parse_amount(text, digits)
    if not amount:
        raise ConfigurationError(f"--budget {text!r}: not an amount above zero (at most {digits} decimals)")
    return amount
