"""The national-scale data generator (bench/national_data.py) at a small scale, on PostgreSQL:
what it writes is what the lifecycle would have written, and the figures add up."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import create_engine, text

from skillsprogram.context import ProgrammeContext, load_programme
from skillsprogram.domain.figures import ReportFilter
from skillsprogram.privacy import PersonalDataVault
from skillsprogram.services import figures, reports

from .conftest import PostgresServer

APPLICANTS = 2_000


def bench_module(name: str) -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "bench" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def national(postgres: PostgresServer) -> tuple[ModuleType, str]:
    generator = bench_module("national_data")
    url = postgres.create("national")
    generator.fill(url, APPLICANTS)
    return generator, url


def programme(url: str) -> ProgrammeContext:
    return load_programme(create_engine(url), PersonalDataVault("national-data-test-secret"), "prakerja-2023")


@pytest.mark.postgres
def test_the_generated_programme_balances_its_ledger_and_has_every_applicant(
    national: tuple[ModuleType, str],
) -> None:
    generator, url = national
    counts, failures = generator.check(url)
    assert failures == dict.fromkeys(generator.CHECKS, 0)
    assert counts["application"] >= APPLICANTS
    assert counts["person"] == counts["application"]
    assert 0 < counts["completion"] < counts["purchase"] <= counts["voucher"] < counts["application"]


@pytest.mark.postgres
def test_the_funnel_of_generated_data_narrows_stage_by_stage(national: tuple[ModuleType, str]) -> None:
    _generator, url = national
    ctx = programme(url)
    figures.refresh(ctx)
    with ctx.uow() as uow:
        stages = dict(reports.funnel(uow, ctx).stages)
    path = [
        "registered",
        "identity verified",
        "eligible",
        "selected",
        "voucher issued",
        "bought a course",
        "completed training",
        "rated a course",
    ]
    reached = [stages[stage] for stage in path]
    assert reached == sorted(reached, reverse=True)
    assert reached[-1] > 0
    assert stages["registered"] == stages["identity verified"] + stages["identity rejected"]
    assert (
        stages["voucher issued"]
        == stages["bought a course"] + stages["voucher forfeited (no purchase in time)"]
    )


@pytest.mark.postgres
def test_the_tallied_figures_of_generated_data_agree_with_counts_over_the_audit_log(
    national: tuple[ModuleType, str],
) -> None:
    _generator, url = national
    ctx = programme(url)
    figures.refresh(ctx)
    with ctx.uow() as uow:
        funnel = figures.REPORTS["funnel-stages"](uow, ctx, ReportFilter())
        refusals = figures.REPORTS["refusals-by-rule"](uow, ctx, ReportFilter())
        counted = dict(
            uow.session.execute(
                text(
                    "SELECT action, count(DISTINCT entity_id) FROM audit_event "
                    "WHERE entity = 'application' GROUP BY action"
                )
            ).all()
        )
        failed = sorted(
            uow.session.execute(
                text(
                    "SELECT rule, count(DISTINCT application_id) FROM eligibility_finding "
                    "WHERE NOT passed GROUP BY rule"
                )
            ).all()
        )
    stage, count = funnel.column("stage"), funnel.column("count")
    tallied = {row[stage]: row[count] for row in funnel.rows}
    common = sorted(set(tallied) & set(counted))
    assert len(common) >= 10
    assert [tallied[s] for s in common] == [counted[s] for s in common]
    rule, ruled = refusals.column("rule"), refusals.column("count")
    assert sorted((row[rule], row[ruled]) for row in refusals.rows) == [tuple(r) for r in failed]
