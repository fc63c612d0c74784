"""The operator's steps for providers and graduates: attendance uploads, settlements, follow-up records."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from skillsprogram.cli.main import app
from skillsprogram.domain.models import Application, Purchase
from skillsprogram.domain.settlement_models import EmploymentOutcome

PROGRAMME = "kh-tvet-2023"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A deployment whose embedded database holds a demo intake of 200 applicants."""
    monkeypatch.setenv("SKILLSPROGRAM_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["demo", "--country", "cambodia", "--applicants", "200", "--seed", "5"])
    assert result.exit_code == 0, result.output
    return tmp_path


def run(*args: str) -> str:
    result = CliRunner().invoke(app, ["run", *args, "-p", PROGRAMME], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_an_attendance_upload_accepts_good_rows_and_counts_refusals_by_rule(home: Path) -> None:
    engine = create_engine(f"sqlite:///{home / 'skillsprogram.db'}")
    with engine.connect() as connection:
        purchase_id = connection.execute(select(Purchase.id).limit(1)).scalar_one()
    upload = home / "attendance.csv"
    upload.write_text(
        "purchase_id,period,attendance_percent\n"
        f"{purchase_id},2025-01,90\n"
        f"{purchase_id},2025-13,90\n"
        f"{purchase_id},2025-01,95\n"
    )
    output = run("report-attendance", "--file", str(upload))
    assert "accepted: 1" in output
    assert "refused: invalid-period: 1" in output and "refused: already-reported: 1" in output


def test_a_follow_up_upload_records_graduates_only(home: Path) -> None:
    engine = create_engine(f"sqlite:///{home / 'skillsprogram.db'}")
    with engine.connect() as connection:
        graduate = connection.execute(
            select(Application.id)
            .where(Application.status == "training_completed")
            .where(Application.id.not_in(select(EmploymentOutcome.application_id)))
            .limit(1)
        ).scalar_one()
        selected = connection.execute(
            select(Application.id).where(Application.status == "waitlisted").limit(1)
        ).scalar_one()
    upload = home / "follow-up.csv"
    upload.write_text(
        "application_id,status,source,sector\n"
        f"{graduate},employed,provider_report,construction\n"
        f"{selected},employed,provider_report,\n"
    )
    output = run("record-employment", "--file", str(upload))
    assert "accepted: 1" in output and "refused: not-graduated: 1" in output


def test_an_upload_missing_a_column_is_refused_whole_naming_the_column(home: Path) -> None:
    upload = home / "bad.csv"
    upload.write_text("purchase_id,attendance_percent\n")
    result = CliRunner().invoke(app, ["run", "report-attendance", "-p", PROGRAMME, "--file", str(upload)])
    assert result.exit_code == 2 and "period" in result.output


def test_settling_again_finds_nothing_new_to_pay(home: Path) -> None:
    output = run("settle-providers")
    assert "0 settlements for 0 enrolments" in output
