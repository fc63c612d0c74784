"""A whole wave on synthetic people: what ``skillsprogram demo`` runs.

The people are made up by the country plugin; what they do (buy a course,
finish it, rate it, answer surveys, attend class) is drawn from the
``[demo]`` rates of the configuration with a seeded generator. Every step goes
through the same services an API or an operator would call.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Mapped
from sqlmodel import col

from skillsprogram.clock import FixedClock
from skillsprogram.config import BenefitTrigger, DemoSettings, SurveyDefinition
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.exchange import CourseSpec, SyntheticApplicant
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import Application, Course, Purchase
from skillsprogram.errors import ConfigurationError
from skillsprogram.money import Money
from skillsprogram.services import (
    accounts,
    benefits,
    catalogue,
    employment,
    identity,
    payouts,
    programmes,
    registration,
    reports,
    screening,
    settlements,
    surveys,
    training,
    vouchers,
    waves,
)
from skillsprogram.services.outcomes import Outcome
from skillsprogram.storage.uow import UnitOfWork

CHUNK = 1_000

T = TypeVar("T")
V = TypeVar("V")


class StepReporter:
    """Told about progress by the simulation; the CLI shows it with progress bars."""

    def step(self, name: str, total: int | None = None) -> Callable[[int], None]:
        """Start a step; returns a function to call with each chunk's size."""
        return lambda _n: None

    def done(self, name: str, summary: str) -> None:
        """A step finished."""


@dataclass
class DemoResult:
    """What the demo did, beyond what the database report shows."""

    refused_at_registration: Counter[str] = field(default_factory=Counter)
    seed: str = ""
    quota: int = 0
    payout_outcomes: Counter[str] = field(default_factory=Counter)
    """What each send of a payout came to (a payout resent after a timeout counts twice)."""
    payouts: list[tuple[str, str, int, int]] = field(default_factory=list)
    """(status, currency, payouts, amount) once paying is done: each payout once."""
    settlement_outcomes: Counter[str] = field(default_factory=Counter)
    funnel: reports.Funnel | None = None


def _chunks(items: Iterator[SyntheticApplicant], size: int) -> Iterator[list[SyntheticApplicant]]:
    while chunk := list(islice(items, size)):
        yield chunk


@dataclass
class _Demo:
    """One demo run: the programme, its clock, the progress shown, the seeded generator
    every made-up choice is drawn from (in the order the steps run) and what was found."""

    ctx: ProgrammeContext
    clock: FixedClock
    reporter: StepReporter
    rng: random.Random
    result: DemoResult

    @property
    def rates(self) -> DemoSettings:
        """The ``[demo]`` rates of the configuration."""
        return self.ctx.config.demo

    def batched(
        self, name: str, items: list[T], action: Callable[[UnitOfWork, list[T]], list[Outcome[V]]]
    ) -> list[V]:
        """Run a batch service on ``items`` (see :func:`_batched`)."""
        return _batched(self.ctx, self.reporter, name, items, action)


def run_demo(
    ctx: ProgrammeContext, clock: FixedClock, applicants: int, seed: int, reporter: StepReporter | None = None
) -> DemoResult:
    """Run one wave end to end for ``applicants`` synthetic people."""
    run = _Demo(
        ctx, clock, reporter or StepReporter(), random.Random(seed), DemoResult(seed=f"wave-1-{seed}")
    )
    _start(ctx)
    wallets = _register(run, applicants, seed)
    _close_and_screen(run, len(wallets))
    selected = _draw_wave(run)
    _issue_vouchers(run, selected)
    holders = _verify_payment_accounts(run, wallets)
    prices = _prices(ctx)
    bought = _buy_courses(run, holders, prices)
    _redeem(run, bought)
    _settle_tuition(run)
    attendance = _attend(run, bought, prices)
    clock.advance(timedelta(days=30 if not attendance else 1))
    finishers = _complete(run, bought)
    raters = _rate(run, finishers)
    _answer_surveys(run, _applications_of(ctx, raters))
    _forfeit_unused(run)
    benefits.schedule_payouts(ctx)
    _pay_until_done(ctx, clock, run.reporter, run.result)
    if run.rates.followup_rate > 0:
        _follow_up(ctx, clock, run.reporter, run.rng, _applications_of(ctx, finishers))
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


def _register(run: _Demo, applicants: int, seed: int) -> dict[uuid.UUID, tuple[str, str]]:
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


def _close_and_screen(run: _Demo, registered: int) -> None:
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


def _draw_wave(run: _Demo) -> int:
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


def _issue_vouchers(run: _Demo, selected: int) -> None:
    issued = vouchers.issue_vouchers(run.ctx, progress=run.reporter.step("Issuing vouchers", selected))
    run.reporter.done("Issuing vouchers", f"{issued:,} issued")


def _verify_payment_accounts(
    run: _Demo, wallets: dict[uuid.UUID, tuple[str, str]]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Give every voucher holder their payment account; returns the holders (application,
    person)."""
    ctx = run.ctx
    holders = _holders(ctx)
    run.batched(
        "Verifying payment accounts",
        holders,
        lambda uow, chunk: accounts.add_payment_accounts(
            uow, ctx, [accounts.AccountRequest(person_id, *wallets[app_id]) for app_id, person_id in chunk]
        ),
    )
    return holders


def _buy_courses(
    run: _Demo, holders: list[tuple[uuid.UUID, uuid.UUID]], prices: dict[uuid.UUID, tuple[int, int]]
) -> list[uuid.UUID]:
    """Three days on, ``[demo] purchase_rate`` of the holders buy an affordable course;
    returns the purchases."""
    ctx, rng = run.ctx, run.rng
    run.clock.advance(timedelta(days=3))
    affordable = sorted(cid for cid, (price, _d) in prices.items() if price <= ctx.config.voucher.amount)
    buyers = [app_id for app_id, _person in holders if rng.random() < run.rates.purchase_rate]
    return run.batched(
        "Buying courses",
        buyers,
        lambda uow, chunk: vouchers.purchase_courses(
            uow, ctx, [vouchers.Order(app_id, rng.choice(affordable)) for app_id in chunk]
        ),
    )


def _redeem(run: _Demo, bought: list[uuid.UUID]) -> None:
    """Every buyer brings their redeem code to the provider."""
    ctx = run.ctx
    codes = _redeem_codes(ctx, bought)
    run.batched(
        "Redeeming at providers",
        bought,
        lambda uow, chunk: training.redeem_many(uow, ctx, [codes[p] for p in chunk]),
    )


def _settle_tuition(run: _Demo) -> None:
    """Settle the redeemed courses' tuition with their providers, when the programme does."""
    if run.ctx.config.provider_settlement is None:
        return
    settled = settlements.settle_providers(run.ctx)
    run.result.settlement_outcomes.update(settled.outcomes)
    awaiting = (
        f", {settled.awaiting_account:,} enrolments await a provider account"
        if settled.awaiting_account
        else ""
    )
    run.reporter.done(
        "Settling tuition with providers",
        f"{settled.scheduled:,} settlements for {settled.enrolments:,} enrolments" + awaiting,
    )


def _attend(run: _Demo, bought: list[uuid.UUID], prices: dict[uuid.UUID, tuple[int, int]]) -> bool:
    """Report a month of attendance per course month, when a benefit pays for attendance;
    returns whether one does."""
    ctx, rng = run.ctx, run.rng
    attendance = any(b.trigger is BenefitTrigger.ATTENDANCE_MONTH for b in ctx.config.benefits)
    months = max(1, round(max(d for _p, d in prices.values()) / 30)) if attendance else 0
    for _month in range(months):
        run.clock.advance(timedelta(days=30))
        period = run.clock.now().strftime("%Y-%m")

        def report(uow: UnitOfWork, chunk: list[uuid.UUID], period: str = period) -> list[Outcome[uuid.UUID]]:
            return training.report_attendance_many(
                uow,
                ctx,
                [
                    training.AttendanceRequest(
                        p,
                        period,
                        rng.randint(80, 100)
                        if rng.random() < run.rates.attendance_good_rate
                        else rng.randint(20, 79),
                    )
                    for p in chunk
                ],
            )

        run.batched(f"Attendance for {period}", bought, report)
    return attendance


def _complete(run: _Demo, bought: list[uuid.UUID]) -> list[uuid.UUID]:
    """``[demo] completion_rate`` of the buyers finish their course; returns those purchases."""
    ctx, rng = run.ctx, run.rng
    finishers = [p for p in bought if rng.random() < run.rates.completion_rate]
    run.batched(
        "Completing courses",
        finishers,
        lambda uow, chunk: training.complete_many(
            uow,
            ctx,
            [
                training.CompletionReport(p, f"CERT-{p.hex[-12:].upper()}", rng.randint(60, 100))
                for p in chunk
            ],
        ),
    )
    return finishers


def _rate(run: _Demo, finishers: list[uuid.UUID]) -> list[uuid.UUID]:
    """``[demo] rating_rate`` of the finishers rate their course; returns those purchases."""
    ctx, rng = run.ctx, run.rng
    raters = [p for p in finishers if rng.random() < run.rates.rating_rate]
    run.batched(
        "Rating courses",
        raters,
        lambda uow, chunk: training.rate_many(
            uow, ctx, [training.RatingRequest(p, rng.choice((3, 4, 4, 5, 5, 5))) for p in chunk]
        ),
    )
    return raters


def _answer_surveys(run: _Demo, rater_applications: list[uuid.UUID]) -> None:
    """``[demo] survey_rate`` of the raters answer each survey of the programme."""
    ctx = run.ctx
    for definition in ctx.config.surveys:
        answering = [a for a in rater_applications if run.rng.random() < run.rates.survey_rate]

        def answer(
            uow: UnitOfWork, chunk: list[uuid.UUID], d: SurveyDefinition = definition
        ) -> list[Outcome[uuid.UUID]]:
            return surveys.answer_surveys(
                uow, ctx, [surveys.SurveyAnswers(a, d.code, {q: "yes" for q in d.questions}) for a in chunk]
            )

        run.batched(f"Survey {definition.code}", answering, answer)


def _forfeit_unused(run: _Demo) -> None:
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


def _follow_up(
    ctx: ProgrammeContext,
    clock: FixedClock,
    reporter: StepReporter,
    rng: random.Random,
    graduates: list[uuid.UUID],
) -> None:
    """Follow graduates up ``followup_days`` later: a tracer survey, or the provider's report."""
    demo = ctx.config.demo
    clock.advance(timedelta(days=demo.followup_days))
    reached = [a for a in graduates if rng.random() < demo.followup_rate]
    out_of_work = (employment.EmploymentStatus.NOT_EMPLOYED, employment.EmploymentStatus.IN_FURTHER_TRAINING)
    in_work = (employment.EmploymentStatus.EMPLOYED, employment.EmploymentStatus.SELF_EMPLOYED)

    def report(app_id: uuid.UUID) -> employment.EmploymentReport:
        status = rng.choice(in_work) if rng.random() < demo.employment_rate else rng.choice(out_of_work)
        source = (
            employment.EmploymentSource.PROVIDER_REPORT
            if rng.random() < demo.provider_report_share
            else employment.EmploymentSource.FOLLOW_UP_SURVEY
        )
        return employment.EmploymentReport(app_id, status.value, source.value)

    _batched(
        ctx,
        reporter,
        f"Following up graduates after {demo.followup_days} days",
        reached,
        lambda uow, chunk: employment.record_employment_many(uow, ctx, [report(a) for a in chunk]),
    )


def _holders(ctx: ProgrammeContext) -> list[tuple[uuid.UUID, uuid.UUID]]:
    with ctx.uow() as uow:
        return [
            (app_id, person_id)
            for app_id, person_id in uow.session.execute(
                select(col(Application.id), col(Application.person_id))
                .where(
                    col(Application.programme_id) == ctx.pid,
                    col(Application.status) == ApplicationStatus.VOUCHER_ISSUED.value,
                )
                .order_by(col(Application.id))
            )
        ]


def _batched(
    ctx: ProgrammeContext,
    reporter: StepReporter,
    name: str,
    items: list[T],
    action: Callable[[UnitOfWork, list[T]], list[Outcome[V]]],
) -> list[V]:
    """Call a batch service on ``items`` a chunk per transaction; returns the accepted values.

    Refusals are counted by rule, like people whose request was turned down.
    """
    tick = reporter.step(name, len(items))
    done: list[V] = []
    refused: Counter[str] = Counter()
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        with ctx.transaction() as uow:
            outcomes = action(uow, chunk)
        for outcome in outcomes:
            if outcome.error is not None:
                refused[outcome.error.code] += 1
            else:
                done.append(outcome.unwrap())
        tick(len(chunk))
    summary = f"{len(done):,} done" + (f", refused: {dict(refused)}" if refused else "")
    reporter.done(name, summary)
    return done


def _prices(ctx: ProgrammeContext) -> dict[uuid.UUID, tuple[int, int]]:
    with ctx.uow() as uow:
        return {
            course_id: (price, duration)
            for course_id, price, duration in uow.session.execute(
                select(col(Course.id), col(Course.price), col(Course.duration_days)).where(
                    col(Course.active).is_(True)
                )
            )
        }


def _redeem_codes(ctx: ProgrammeContext, purchase_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    return _of_purchases(ctx, purchase_ids, col(Purchase.redeem_code))


def _applications_of(ctx: ProgrammeContext, purchase_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The applications that made ``purchase_ids``, each once."""
    return list(dict.fromkeys(_of_purchases(ctx, purchase_ids, col(Purchase.application_id)).values()))


def _of_purchases(
    ctx: ProgrammeContext, purchase_ids: list[uuid.UUID], column: Mapped[T]
) -> dict[uuid.UUID, T]:
    """``column`` of each purchase, by purchase id."""
    with ctx.uow() as uow:
        query = select(col(Purchase.id), column)
        return {
            purchase_id: value for purchase_id, value in uow.rows_among(query, col(Purchase.id), purchase_ids)
        }


def _pay_until_done(
    ctx: ProgrammeContext, clock: FixedClock, reporter: StepReporter, result: DemoResult
) -> None:
    """Run payouts day by day until nothing is left to send (retries, monthly instalments)."""
    name = paying(ctx)
    tick = reporter.step(name, None)
    last_due = clock.now() + timedelta(days=400)
    idle_days = 0
    while clock.now() < last_due and idle_days < 45:
        run = payouts.run_payouts(ctx)
        result.payout_outcomes.update(run.outcomes)
        sent = sum(run.outcomes.values())
        if ctx.config.provider_settlement is not None:
            settled = settlements.settle_providers(ctx)
            result.settlement_outcomes.update(settled.outcomes)
            sent += sum(settled.outcomes.values())
        tick(sum(run.outcomes.values()))
        idle_days = 0 if sent else idle_days + 1
        clock.advance(timedelta(days=1))
    with ctx.uow() as uow:
        result.payouts = reports.payouts_by_status(uow, ctx)
    reporter.done(name, payouts_summary(ctx, result))


def paying(ctx: ProgrammeContext) -> str:
    """The paying step in the programme's own words for its benefits ("the allowance")."""
    words = [benefit.code.replace("_", " ") for benefit in ctx.config.benefits]
    if not words:
        return "Paying benefits"
    if len(words) == 1:
        return f"Paying the {words[0]}"
    return f"Paying the {', '.join(words[:-1])} and {words[-1]} benefits"


def payouts_summary(ctx: ProgrammeContext, result: DemoResult) -> str:
    """Payouts by status, each counted once as in the payouts table, and the resends it took."""
    minor_units = ctx.config.programme.currency_minor_units()
    locale = ctx.config.programme.locales[0]
    total = sum(count for _status, _currency, count, _amount in result.payouts)
    parts = [
        f"{count:,} {status} ({Money(amount, currency).format(minor_units, locale, code=True)})"
        for status, currency, count, amount in sorted(result.payouts, key=lambda row: -row[2])
    ]
    summary = f"{total:,} payouts: " + ", ".join(parts) if total else "nothing to pay"
    retried = {
        "transient failures": result.payout_outcomes["retry"],
        "unanswered sends": result.payout_outcomes["unknown"],
    }
    if any(retried.values()):
        summary += "; resent after " + " and ".join(f"{n:,} {what}" for what, n in retried.items() if n)
    return summary


def _count_at(ctx: ProgrammeContext, status: ApplicationStatus) -> int:
    with ctx.uow() as uow:
        return int(
            uow.session.execute(
                select(func.count())
                .select_from(Application)
                .where(col(Application.programme_id) == ctx.pid, col(Application.status) == status.value)
            ).scalar_one()
        )


def demo_start(ctx: ProgrammeContext) -> datetime:
    """When the demo's clock starts (``[demo] start``)."""
    return datetime.fromisoformat(ctx.config.demo.start)
