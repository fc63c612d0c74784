"""``skillsprogram simulate``: scenarios side by side on the terminal, as JSON or CSV."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from skillsprogram.cli.main import app
from tests.conftest import TESTLAND

BASE = ["simulate", "--config", str(TESTLAND), "--waves", "2", "--sample", "100", "--applicants", "10000"]


def test_simulate_prints_the_scenarios_side_by_side_with_the_budget_wave() -> None:
    result = CliRunner().invoke(
        app,
        [*BASE, "--budget", "50000000", "--scenario", "small: quota=500", "--scenario", "large: quota=2000"],
    )
    assert result.exit_code == 0, result.output
    assert "Scenarios side by side" in result.output and "Cumulative spend by wave" in result.output
    header = next(line for line in result.output.splitlines() if "small" in line)
    assert header.index("small") < header.index("large")
    assert "Budget spent in" in result.output


def test_simulate_json_gives_every_table_with_its_rows_and_the_same_seed_the_same_figures() -> None:
    first = CliRunner().invoke(app, [*BASE, "--json", "--seed", "4", "--scenario", "a: take_up=0.5"])
    again = CliRunner().invoke(app, [*BASE, "--json", "--seed", "4", "--scenario", "a: take_up=0.5"])
    assert first.exit_code == 0, first.output
    tables = {t["key"]: t for t in json.loads(first.output)["tables"]}
    assert set(tables) == {"what_if_summary", "what_if_waves", "what_if_cumulative"}
    (row,) = tables["what_if_summary"]["rows"]
    assert row["scenario"] == "a" and row["applicants"] == 2 * 10_000
    assert len(tables["what_if_waves"]["rows"]) == 2
    assert first.output == again.output


def test_simulate_csv_gives_each_table_under_its_header(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.toml"
    scenarios.write_text('[[scenarios]]\nname = "one"\n\n[[scenarios]]\nname = "two"\nvoucher = 2_000_000\n')
    result = CliRunner().invoke(app, [*BASE, "--csv", "--scenarios", str(scenarios)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("scenario,voucher,quota")
    assert [line.split(",")[0] for line in lines[1:3]] == ["one", "two"]
    assert "wave,day,one,two" in lines


def test_a_bad_scenario_is_one_clear_line_and_exit_code_2() -> None:
    result = CliRunner().invoke(app, [*BASE, "--scenario", "odd: take_up=lots"])
    assert result.exit_code == 2
    assert "take_up='lots': not a share between 0 and 1" in result.output
    assert "Traceback" not in result.output


def test_a_missing_scenarios_file_and_a_bad_budget_are_refused_with_exit_code_2(tmp_path: Path) -> None:
    missing = CliRunner().invoke(app, [*BASE, "--scenarios", str(tmp_path / "none.toml")])
    budget = CliRunner().invoke(app, [*BASE, "--budget", "-5"])
    assert (missing.exit_code, budget.exit_code) == (2, 2)
    assert "no such scenarios file" in missing.output and "--budget '-5'" in budget.output
