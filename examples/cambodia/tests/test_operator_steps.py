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


def run(*args: str, exit_code: int = 0) -> str:
    result = CliRunner().invoke(app, ["run", *args, "-p", PROGRAMME], env={"COLUMNS": "200"})
    assert result.exit_code == exit_code, result.output
    return result.output


def test_an_attendance_upload_accepts_good_rows_and_names_each_refused_one(home: Path) -> None:
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
    output = run("report-attendance", "--file", str(upload), exit_code=1)
    assert "read 3 rows: accepted 1, refused 2" in output
    assert "line 3 column period" in output and "line 4: [already-reported]" in output


def test_a_follow_up_upload_records_graduates_only_and_all_or_nothing(home: Path) -> None:
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
    output = run("record-employment", "--file", str(upload), exit_code=1)
    assert "validated 2 rows: 1 refused, nothing written" in output
    assert "line 3: [not-graduated]" in output
    upload.write_text(
        f"application_id,status,source,sector\n{graduate},employed,provider_report,construction\n"
    )
    assert "validated 1 rows: all accepted, 1 written" in run("record-employment", "--file", str(upload))


def test_an_upload_missing_a_column_is_refused_whole_naming_the_column(home: Path) -> None:
    upload = home / "bad.csv"
    upload.write_text("purchase_id,attendance_percent\n")
    result = CliRunner().invoke(app, ["run", "report-attendance", "-p", PROGRAMME, "--file", str(upload)])
    assert result.exit_code == 2 and "period" in result.output


def test_settling_again_finds_nothing_new_to_pay(home: Path) -> None:
    output = run("settle-providers")
    assert "0 settlements for 0 enrolments" in output
