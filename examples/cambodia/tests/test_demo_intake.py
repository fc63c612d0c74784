"""A whole Cambodian intake through the demo: the same services, on the embedded SQLite database."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from skillsprogram_cambodia.configs import CONFIGS
from sqlalchemy import select
from typer.testing import CliRunner

from skillsprogram.bootstrap import Deployment
from skillsprogram.clock import FixedClock
from skillsprogram.config import load_config
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.ledger import AccountKind
from skillsprogram.domain.models import (
    Application,
    AttendanceReport,
    AuditEvent,
    Course,
    Entitlement,
    Purchase,
)
from skillsprogram.domain.settlement_models import EmploymentOutcome, ProviderSettlement, SettlementItem
from skillsprogram.services import ledger
from skillsprogram.settings import Settings
from skillsprogram.simulation import DemoResult, run_demo


@pytest.fixture(scope="module")
def intake(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProgrammeContext, DemoResult]:
    """One demo intake of 600 applicants (shared by the tests of this module, which only read it)."""
    home = tmp_path_factory.mktemp("cambodia")
    config = load_config(CONFIGS["default"])
    deployment = Deployment.set_up(Settings(home=home), database_url=f"sqlite:///{home / 'demo.db'}")
    clock = FixedClock(datetime.fromisoformat(config.demo.start))
    ctx = ProgrammeContext(config=config, engine=deployment.engine, vault=deployment.vault, clock=clock)
    return ctx, run_demo(ctx, clock, 600, seed=11)


def test_allowance_months_are_paid_only_when_attendance_reaches_the_threshold(
    intake: tuple[ProgrammeContext, DemoResult],
) -> None:
    ctx, result = intake
    threshold = ctx.config.benefits[0].min_attendance_percent or 0
    with ctx.uow() as uow:
        months: dict[object, list[int]] = defaultdict(list)
        for app_id, percent in uow.session.execute(
            select(Purchase.application_id, AttendanceReport.attendance_percent).join(
                Purchase, Purchase.id == AttendanceReport.purchase_id
            )
        ).all():
            months[app_id].append(percent)
        granted: dict[object, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for app_id, status, amount in uow.session.execute(
            select(Entitlement.application_id, Entitlement.status, Entitlement.amount)
        ).all():
            assert amount == 280_000
            granted[app_id]["withheld" if status == "withheld" else "earned"] += 1
    assert months, "no attendance was reported"
    for app_id, percents in months.items():
        assert granted[app_id]["earned"] == sum(p >= threshold for p in percents)
        assert granted[app_id]["withheld"] == sum(p < threshold for p in percents)
    assert sum(g["withheld"] for g in granted.values()) > 0
    assert result.funnel is not None
    states = {state for benefit, state, _n, _a in result.funnel.benefits if benefit == "allowance"}
    assert {"paid", "withheld (condition not met)"} <= states


def test_institutes_are_paid_the_tuition_of_every_confirmed_enrolment_once(
    intake: tuple[ProgrammeContext, DemoResult],
) -> None:
    ctx, _result = intake
    with ctx.uow() as uow:
        settled = uow.session.execute(
            select(ProviderSettlement.provider_id, ProviderSettlement.amount, ProviderSettlement.status)
        ).all()
        assert settled and all(status == "paid" for _p, _a, status in settled)
        items = uow.session.execute(
            select(SettlementItem.purchase_id, SettlementItem.amount, Purchase.price, Course.provider_id)
            .join(Purchase, Purchase.id == SettlementItem.purchase_id)
            .join(Course, Course.id == Purchase.course_id)
        ).all()
        assert all(amount == price for _id, amount, price, _p in items)
        assert len({item[0] for item in items}) == len(items)
        for provider_id in {p for p, _a, _s in settled}:
            owed = ledger.balance(uow, ledger.account(uow, ctx, AccountKind.PROVIDER, str(provider_id)))
            assert owed == 0
        assert ledger.unbalanced_transactions(uow, ctx) == []
        assert ledger.overdrawn_accounts(uow, ctx) == []


def test_the_poorest_are_served_first(intake: tuple[ProgrammeContext, DemoResult]) -> None:
    ctx, _result = intake
    with ctx.uow() as uow:
        attributes = {
            str(a): attrs for a, attrs in uow.session.execute(select(Application.id, Application.attributes))
        }
        outcomes = uow.session.execute(
            select(AuditEvent.entity_id, AuditEvent.action).where(
                AuditEvent.action.in_(["selected", "waitlisted"])
            )
        ).all()

    def share(action: str) -> float:
        poorest = [attributes[app].get("idpoor_level") == 1 for app, done in outcomes if done == action]
        assert poorest, action
        return sum(poorest) / len(poorest)

    assert share("selected") > share("waitlisted")


def test_graduates_are_followed_up_and_about_half_are_in_work(
    intake: tuple[ProgrammeContext, DemoResult],
) -> None:
    ctx, result = intake
    assert result.funnel is not None
    stages = dict(result.funnel.stages)
    assert 0 < stages["followed up after graduation"] <= stages["completed training"]
    assert 0.3 < stages["in work after training"] / stages["followed up after graduation"] < 0.7
    with ctx.uow() as uow:
        statuses = set(
            uow.session.execute(
                select(Application.status).join(
                    EmploymentOutcome, EmploymentOutcome.application_id == Application.id
                )
            ).scalars()
        )
    assert statuses == {"training_completed"}


def test_the_demo_command_prints_allowances_settlements_and_employment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsprogram.cli.main import app

    monkeypatch.setenv("SKILLSPROGRAM_HOME", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = CliRunner().invoke(
        app, ["demo", "--country", "cambodia", "--applicants", "300", "--seed", "2"], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    for text in (
        "Programme funnel",
        "cambodia.poor_or_vulnerable",
        "withheld (condition not met)",
        "Provider settlements",
        "paid to providers",
        "Employment after training",
        "in work after training",
        "KHR",
    ):
        assert text in result.output
