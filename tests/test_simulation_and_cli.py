"""A whole wave through the simulation, and the command line a newcomer types."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from skillsprogram_sandbox_rails import plugin as sandbox_rails_plugin
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from skillsprogram.clock import FixedClock
from skillsprogram.config import ProgrammeConfig
from skillsprogram.context import ProgrammeContext
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import ledger
from skillsprogram.simulation import StepReporter, run_demo
from tests.conftest import START


def stage(result_stages: list[tuple[str, int]], label: str) -> int:
    return dict(result_stages)[label]


def test_a_demo_wave_adds_up_and_keeps_the_ledger_balanced(
    engine: Engine, vault: PersonalDataVault, config: ProgrammeConfig
) -> None:
    clock = FixedClock(START)
    ctx = ProgrammeContext(config=config, engine=engine, vault=vault, clock=clock)
    result = run_demo(ctx, clock, 200, seed=3)
    funnel = result.funnel
    assert funnel is not None
    registered = stage(funnel.stages, "registered")
    assert registered == 200
    assert stage(funnel.stages, "identity verified") + stage(funnel.stages, "identity rejected") == registered
    eligible, ineligible = stage(funnel.stages, "eligible"), stage(funnel.stages, "ineligible")
    assert eligible + ineligible == stage(funnel.stages, "identity verified") and ineligible > 0
    assert stage(funnel.stages, "selected") == result.quota
    assert 0 < funnel.paid_people <= stage(funnel.stages, "rated a course")
    with ctx.uow() as uow:
        assert ledger.unbalanced_transactions(uow, ctx) == []
        assert ledger.overdrawn_accounts(uow, ctx) == []


def test_anyone_with_the_seed_and_the_candidate_list_can_replay_the_draw(
    engine: Engine, vault: PersonalDataVault, config: ProgrammeConfig
) -> None:
    import uuid

    from skillsprogram.domain.lottery import weighted_order
    from skillsprogram.domain.models import AuditEvent

    clock = FixedClock(START)
    ctx = ProgrammeContext(config=config, engine=engine, vault=vault, clock=clock)
    result = run_demo(ctx, clock, 150, seed=9)
    with ctx.uow() as uow:
        ranked = {
            uuid.UUID(entity): data["rank"]
            for entity, data in uow.session.execute(
                select(AuditEvent.entity_id, AuditEvent.data).where(
                    AuditEvent.action.in_(["selected", "waitlisted"])
                )
            ).all()
        }
    replayed = weighted_order(list(ranked), result.seed, lambda app: app)
    assert [ranked[app] for app in replayed] == list(range(1, len(ranked) + 1))


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SKILLSPROGRAM_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    # Each command a newcomer types is a new process, with the sandbox rails' books empty.
    monkeypatch.setattr(sandbox_rails_plugin, "_RAILS", {})
    return tmp_path


def test_demo_command_prints_the_funnel_for_indonesia(cli_home: Path) -> None:
    from skillsprogram.cli.main import app

    result = CliRunner().invoke(app, ["demo", "--country", "indonesia", "--applicants", "400", "--seed", "2"])
    assert result.exit_code == 0, result.output
    for text in (
        "Programme funnel",
        "registered",
        "invalid-national-id",
        "indonesia.excluded_occupation",
        "paid out to beneficiaries",
        "IDR",
        "SANDBOX",
        "skillsprogram serve --programme prakerja-2023",
    ):
        assert text in result.output
    assert (cli_home / "skillsprogram.db").exists()


def test_demo_serve_prints_sign_ins_that_work(
    cli_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import re

    from fastapi.testclient import TestClient

    from skillsprogram.api import create_app
    from skillsprogram.cli import api
    from skillsprogram.cli.main import app

    served: list[TestClient] = []

    def run_server(settings: Any, host: str, port: int, before: Any) -> None:  # instead of uvicorn
        application = create_app(settings)
        before(application, f"http://{host}:{port}")
        served.append(TestClient(application))

    monkeypatch.setattr(api, "run_server", run_server)
    result = CliRunner().invoke(app, ["demo", "--country", "indonesia", "--applicants", "400", "--serve"])
    assert result.exit_code == 0, result.output
    output = result.output
    assert "applicant, a recipient already paid" in output
    assert re.search(r"national id \d{16}, born \d{4}-\d{2}-\d{2}", output)
    key = re.search(r"with the API key\n\s+(\S+)", output)
    token = re.search(r"bearer token \(valid \d+ minutes\)\n\s+(\S+)", output)
    assert key and token, output
    (client,) = served
    person = re.search(r"national id (\d{16}), born (\d{4}-\d{2}-\d{2})", output)
    assert person
    asked = client.post(
        "/v1/auth/sign-in-codes", json={"national_id": person.group(1), "birth_date": person.group(2)}
    )
    assert asked.status_code == 202, asked.text
    shown = re.search(r"SANDBOX message to \S+: \D*(\d{6})", capsys.readouterr().out)
    assert shown, "the code is printed where the demo is served"
    challenge = asked.json()["challenge"]
    signed = client.post("/v1/auth/sign-in", json={"challenge": challenge, "code": shown.group(1)})
    assert signed.status_code == 200, signed.text
    assert (
        client.get("/v1/reports/funnel", headers={"Authorization": f"Bearer {token.group(1)}"}).status_code
        == 200
    )
    assert client.get("/v1/reports/funnel").status_code == 401
    completions = {"items": []}
    answer = client.post("/v1/completions", json=completions, headers={"X-API-Key": key.group(1)})
    assert answer.status_code != 401, answer.text


@pytest.mark.parametrize("country", ["indonesia", "cambodia"])
def test_the_same_seed_gives_the_same_demo_to_the_last_payout(cli_home: Path, country: str) -> None:
    from skillsprogram.cli.main import app

    def run(seed: str) -> list[str]:
        sandbox_rails_plugin._RAILS.clear()  # a new process each time, as on the command line
        result = CliRunner().invoke(
            app, ["demo", "--country", country, "--applicants", "150", "--seed", seed], env={"COLUMNS": "400"}
        )
        assert result.exit_code == 0, result.output
        return [line for line in result.output.splitlines() if not line.startswith("Finished in")]

    first = run("5")
    assert any("paid out to beneficiaries" in line for line in first)
    assert run("5") == first
    assert run("6") != first


def test_unknown_country_is_refused_with_one_clear_line(cli_home: Path) -> None:
    from skillsprogram.cli.main import app

    result = CliRunner().invoke(app, ["demo", "--country", "atlantis"])
    assert result.exit_code == 2
    assert "refused" in result.output and "atlantis" in result.output and "Traceback" not in result.output


def test_plugins_command_lists_plugins_and_their_hooks(cli_home: Path) -> None:
    from skillsprogram.bootstrap import country_config
    from skillsprogram.cli.main import app

    result = CliRunner().invoke(
        app, ["plugins", "--config", str(country_config("indonesia"))], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    for text in ("sandbox_rails", "indonesia", "skillsprogram_rank_candidates", "skillsprogram.defaults"):
        assert text in result.output


def test_step_by_step_commands_run_a_wave(cli_home: Path) -> None:
    from skillsprogram.bootstrap import country_config
    from skillsprogram.cli.main import app

    runner = CliRunner()
    steps = [
        ["db", "upgrade"],
        ["run", "start", "--config", str(country_config("indonesia"))],
        ["run", "open-wave", "-p", "prakerja-2023"],
        ["run", "close-wave", "-p", "prakerja-2023", "1"],
        ["run", "verify-identities", "-p", "prakerja-2023"],
        ["run", "screen", "-p", "prakerja-2023"],
        ["run", "report", "-p", "prakerja-2023"],
    ]
    for step in steps:
        result = runner.invoke(app, step)
        assert result.exit_code == 0, (step, result.output)
    again = runner.invoke(app, ["run", "open-wave", "-p", "prakerja-2023"])
    assert again.exit_code == 0
    twice = runner.invoke(app, ["run", "open-wave", "-p", "prakerja-2023"])
    assert twice.exit_code == 2 and "wave-already-open" in twice.output


class Recorder(StepReporter):
    """Remembers each step's total, what was ticked and the summary line."""

    def __init__(self) -> None:
        self.totals: dict[str, int | None] = {}
        self.ticked: Counter[str] = Counter()
        self.summaries: dict[str, str] = {}

    def step(self, name: str, total: int | None = None) -> Callable[[int], None]:
        self.totals[name] = total
        return lambda n: self.ticked.update({name: n})

    def done(self, name: str, summary: str) -> None:
        self.summaries[name] = summary


def test_every_progress_bar_of_the_demo_reaches_its_total(engine: Engine, vault: PersonalDataVault) -> None:
    from skillsprogram.bootstrap import country_config
    from skillsprogram.config import load_config

    config = load_config(country_config("indonesia"))
    clock = FixedClock(datetime.fromisoformat(config.demo.start))
    ctx = ProgrammeContext(config=config, engine=engine, vault=vault, clock=clock)
    recorder = Recorder()
    result = run_demo(ctx, clock, 300, seed=4, reporter=recorder)
    assert result.funnel is not None and stage(result.funnel.stages, "identity rejected") > 0
    bounded = {name: total for name, total in recorder.totals.items() if total is not None}
    assert "Screening eligibility" in bounded
    assert {name: recorder.ticked[name] for name in bounded} == bounded


#: An amount as Babel writes it in any locale (``Rp3.500.000``, ``280,000.00៛``, ``$70.00``).
AMOUNT = r"(?:[A-Z]{3}\u00a0)?[^\s│()]*\d[^\s│()]*"


def _payouts_table(output: str) -> dict[str, tuple[int, str]]:
    """The Payouts table's rows: status -> (payouts, amount as printed)."""
    table = re.split(r"^Payouts *$", output, maxsplit=1, flags=re.MULTILINE)[1].split("└", 1)[0]
    rows = re.findall(rf"│ (\w+) +│ +([\d,]+) │ +({AMOUNT}) │", table)
    return {status: (int(count.replace(",", "")), amount) for status, count, amount in rows}


@pytest.mark.parametrize(
    ("country", "paying"),
    [("indonesia", "Paying the incentive and survey benefits"), ("cambodia", "Paying the allowance")],
)
def test_the_demo_paying_line_counts_payouts_as_the_payouts_table_and_the_ledger_do(
    cli_home: Path, country: str, paying: str
) -> None:
    from skillsprogram.cli.main import app

    result = CliRunner().invoke(
        app, ["demo", "--country", country, "--applicants", "400", "--seed", "2"], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if f"✓ {paying}:" in line)
    printed = {
        status: (int(count.replace(",", "")), amount)
        for count, status, amount in re.findall(rf"([\d,]+) (\w+) \(({AMOUNT})\)", line)
    }
    table = _payouts_table(result.output)
    assert printed == table and "paid" in printed
    total = re.search(r": ([\d,]+) payouts:", line)
    assert total is not None and int(total.group(1).replace(",", "")) == sum(n for n, _ in table.values())
    ledger_paid = re.search(rf"paid out to beneficiaries +│ +({AMOUNT}) │", result.output)
    assert ledger_paid is not None and ledger_paid.group(1) == printed["paid"][1]
    assert "incentives" not in line


def test_the_funnel_has_a_survey_row_only_when_the_programme_has_surveys(ctx: ProgrammeContext) -> None:
    from skillsprogram.services import reports

    without = ProgrammeContext(
        config=ctx.config.model_copy(update={"surveys": []}),
        engine=ctx.engine,
        vault=ctx.vault,
        programme_id=ctx.pid,
    )
    for context, expected in ((ctx, True), (without, False)):
        with context.uow() as uow:
            assert ("answered a survey" in dict(reports.funnel(uow, context).stages)) is expected
