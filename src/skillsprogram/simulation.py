"""A whole wave on synthetic people: what ``skillsprogram demo`` runs.

The people are made up by the country plugin; what they do (buy a course,
finish it, rate it, answer surveys, attend class) is drawn from the
``[demo]`` rates of the configuration with a seeded generator. Every step goes
through the same services an API or an operator would call.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta
from itertools import islice

from sqlalchemy import func, select
from sqlmodel import col

from skillsprogram.clock import FixedClock
from skillsprogram.context import ProgrammeContext
from skillsprogram.demo.beneficiaries import (
    answer_surveys,
    applications_of,
    attend,
    buy_courses,
    complete,
    course_prices,
    follow_up,
    rate,
    redeem,
    verify_payment_accounts,
)
from skillsprogram.demo.paying import pay_until_done, settle_tuition
from skillsprogram.demo.run import DemoResult, DemoRun, StepReporter
from skillsprogram.domain.exchange import CourseSpec, SyntheticApplicant
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import Application
from skillsprogram.errors import ConfigurationError
from skillsprogram.services import (
    benefits,
    catalogue,
    figures,
    identity,
    programmes,
    registration,
    reports,
    screening,
    settlements,
    vouchers,
    waves,
)
from skillsprogram.storage.uow import CHUNK

__all__ = ["DemoResult", "StepReporter", "run_demo"]


def run_demo(
    ctx: ProgrammeContext, clock: FixedClock, applicants: int, seed: int, reporter: StepReporter | None = None
) -> DemoResult:
    """Run one wave end to end for ``applicants`` synthetic people."""
    run = DemoRun(
        ctx, clock, reporter or StepReporter(), random.Random(seed), DemoResult(seed=f"wave-1-{seed}")
    )
    _start(ctx)
    wallets = _register(run, applicants, seed)
    _close_and_screen(run, len(wallets))
    selected = _draw_wave(run)
    _issue_vouchers(run, selected)
    holders = verify_payment_accounts(run, wallets)
    prices = course_prices(ctx)
    bought = buy_courses(run, holders, prices)
    redeem(run, bought)
    settle_tuition(run)
    attendance = attend(run, bought, prices)
    clock.advance(timedelta(days=30 if not attendance else 1))
    finishers = complete(run, bought)
    raters = rate(run, finishers)
    answer_surveys(run, applications_of(ctx, raters))
    _forfeit_unused(run)
    benefits.schedule_payouts(ctx)
    pay_until_done(run)
    if run.rates.followup_rate > 0:
        follow_up(run, applications_of(ctx, finishers))
    figures.refresh(ctx)
    with ctx.uow() as uow:
        run.result.funnel = reports.funnel(uow, ctx)
    return run.result


def _start(ctx: ProgrammeContext) -> None:
    """Start the programme with its regions, the demo catalogue (and the providers' accounts
    when tuition is settled with them), and open wave 1."""
    with ctx.transaction() as uow:
        programmes.start_programme(uow, ctx)
        catalogue.sync_regions(uow, ctx)
        courses: list[CourseSpec] = ctx.hook.skillsprogram_demo_catalogue(programme=ctx.config) or []
        if not courses:
            raise ConfigurationError("no plugin provides a demo catalogue")
        catalogue.add_courses(uow, ctx, courses)
        if ctx.config.provider_settlement is not None:
            settlements.register_provider_accounts(uow, ctx, _provider_accounts(courses))
        waves.open_wave(uow, ctx)


def _register(run: DemoRun, applicants: int, seed: int) -> dict[uuid.UUID, tuple[str, str]]:
    """Register the synthetic people; returns each registered application's wallet (rail,
    account number). Refusals are counted by rule."""
    ctx = run.ctx
    people = ctx.hook.skillsprogram_synthetic_applicants(programme=ctx.config, count=applicants, seed=seed)
    if people is None:
        raise ConfigurationError("no plugin makes synthetic applicants for this programme")
    wallets: dict[uuid.UUID, tuple[str, str]] = {}
    tick = run.reporter.step("Registering applicants", applicants)
    for batch in _chunks(iter(people), CHUNK):
        with ctx.transaction() as uow:
            outcomes = registration.register_many(uow, ctx, [p.registration for p in batch])
        for person, outcome in zip(batch, outcomes, strict=True):
            if outcome.value is not None:
                wallets[outcome.value] = (person.rail, person.account_number)
            else:
                assert outcome.error is not None
                run.result.refused_at_registration[outcome.error.code] += 1
        tick(len(batch))
    run.reporter.done("Registering applicants", f"{len(wallets):,} registered")
    return wallets


def _close_and_screen(run: DemoRun, registered: int) -> None:
    """Close wave 1 when its registration ends, verify identities and screen the verified."""
    ctx, reporter = run.ctx, run.reporter
    run.clock.advance(timedelta(days=ctx.config.waves.registration_days))
    with ctx.transaction() as uow:
        waves.close_wave(uow, ctx, 1)
    decided = identity.verify_identities(ctx, progress=reporter.step("Verifying identities", registered))
    reporter.done("Verifying identities", f"{decided:,} decided")
    verified = _count_at(ctx, ApplicationStatus.IDENTITY_VERIFIED)  # the rejected are not screened
    screened = screening.screen(ctx, progress=reporter.step("Screening eligibility", verified))
    reporter.done("Screening eligibility", f"{screened:,} screened")


def _draw_wave(run: DemoRun) -> int:
    """Share the wave's places (``[demo] wave_quota_share`` of the demand, unless the
    configuration fixes them) and draw it; returns how many were selected."""
    ctx = run.ctx
    run.clock.advance(timedelta(days=ctx.config.waves.draw_days_after_close))
    with ctx.transaction() as uow:
        demand = sum(waves.demand_by_region(uow, ctx).values())
        run.result.quota = waves.configured_places(ctx) or max(1, round(demand * run.rates.wave_quota_share))
        waves.allocate_quotas(uow, ctx, 1, run.result.quota)
        drawn = waves.draw(uow, ctx, 1, seed=run.result.seed)
    run.reporter.done("Drawing wave 1", f"{drawn['selected']:,} selected, {drawn['waitlisted']:,} waitlisted")
    return drawn["selected"]


def _issue_vouchers(run: DemoRun, selected: int) -> None:
    issued = vouchers.issue_vouchers(run.ctx, progress=run.reporter.step("Issuing vouchers", selected))
    run.reporter.done("Issuing vouchers", f"{issued:,} issued")


def _forfeit_unused(run: DemoRun) -> None:
    """Once the first-purchase deadline has passed, forfeit the vouchers never used."""
    run.clock.advance(timedelta(days=run.ctx.config.voucher.first_purchase_days or 0))
    forfeited = vouchers.forfeit_unused(run.ctx)
    run.reporter.done("Forfeiting unused vouchers", f"{forfeited:,} forfeited")


def _provider_accounts(courses: list[CourseSpec]) -> list[settlements.ProviderAccountRequest]:
    """One account request per provider the catalogue gives an account for."""
    found: dict[str, settlements.ProviderAccountRequest] = {}
    for course in courses:
        if course.provider_rail and course.provider_account and course.provider_code not in found:
            found[course.provider_code] = settlements.ProviderAccountRequest(
                course.provider_code, course.provider_rail, course.provider_account, course.provider_name
            )
    return list(found.values())


def _count_at(ctx: ProgrammeContext, status: ApplicationStatus) -> int:
    with ctx.uow() as uow:
        return int(
            uow.session.execute(
                select(func.count())
                .select_from(Application)
                .where(col(Application.programme_id) == ctx.pid, col(Application.status) == status.value)
            ).scalar_one()
        )


def _chunks(items: Iterator[SyntheticApplicant], size: int) -> Iterator[list[SyntheticApplicant]]:
    while chunk := list(islice(items, size)):
        yield chunk
