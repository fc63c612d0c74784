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
from typing import Any

from sqlalchemy import func, select

from skillsprogram.clock import FixedClock
from skillsprogram.config import BenefitTrigger
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

CHUNK = 1_000


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


def run_demo(
    ctx: ProgrammeContext, clock: FixedClock, applicants: int, seed: int, reporter: StepReporter | None = None
) -> DemoResult:
    """Run one wave end to end for ``applicants`` synthetic people."""
    reporter = reporter or StepReporter()
    rng = random.Random(seed)
    demo = ctx.config.demo
    result = DemoResult(seed=f"wave-1-{seed}")
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

    people = ctx.hook.skillsprogram_synthetic_applicants(programme=ctx.config, count=applicants, seed=seed)
    if people is None:
        raise ConfigurationError("no plugin makes synthetic applicants for this programme")
    wallets: dict[uuid.UUID, tuple[str, str]] = {}
    tick = reporter.step("Registering applicants", applicants)
    for batch in _chunks(iter(people), CHUNK):
        with ctx.transaction() as uow:
            outcomes = registration.register_many(uow, ctx, [p.registration for p in batch])
        for person, outcome in zip(batch, outcomes, strict=True):
            if outcome.value is not None:
                wallets[outcome.value] = (person.rail, person.account_number)
            else:
                assert outcome.error is not None
                result.refused_at_registration[outcome.error.code] += 1
        tick(len(batch))
    reporter.done("Registering applicants", f"{len(wallets):,} registered")

    clock.advance(timedelta(days=ctx.config.waves.registration_days))
    with ctx.transaction() as uow:
        waves.close_wave(uow, ctx, 1)
    decided = identity.verify_identities(ctx, progress=reporter.step("Verifying identities", len(wallets)))
    reporter.done("Verifying identities", f"{decided:,} decided")
    verified = _count_at(ctx, ApplicationStatus.IDENTITY_VERIFIED)  # the rejected are not screened
    screened = screening.screen(ctx, progress=reporter.step("Screening eligibility", verified))
    reporter.done("Screening eligibility", f"{screened:,} screened")

    clock.advance(timedelta(days=ctx.config.waves.draw_days_after_close))
    with ctx.transaction() as uow:
        demand = sum(waves.demand_by_region(uow, ctx).values())
        result.quota = waves.configured_places(ctx) or max(1, round(demand * demo.wave_quota_share))
        waves.allocate_quotas(uow, ctx, 1, result.quota)
        drawn = waves.draw(uow, ctx, 1, seed=result.seed)
    reporter.done("Drawing wave 1", f"{drawn['selected']:,} selected, {drawn['waitlisted']:,} waitlisted")
    issued = vouchers.issue_vouchers(ctx, progress=reporter.step("Issuing vouchers", drawn["selected"]))
    reporter.done("Issuing vouchers", f"{issued:,} issued")

    holders = _holders(ctx)
    _batched(
        ctx,
        reporter,
        "Verifying payment accounts",
        holders,
        lambda uow, chunk: accounts.add_payment_accounts(
            uow, ctx, [accounts.AccountRequest(person_id, *wallets[app_id]) for app_id, person_id in chunk]
        ),
    )
    clock.advance(timedelta(days=3))
    prices = _prices(ctx)
    affordable = sorted(cid for cid, (price, _d) in prices.items() if price <= ctx.config.voucher.amount)
    buyers = [app_id for app_id, _person in holders if rng.random() < demo.purchase_rate]
    bought = _batched(
        ctx,
        reporter,
        "Buying courses",
        buyers,
        lambda uow, chunk: vouchers.purchase_courses(
            uow, ctx, [vouchers.Order(app_id, rng.choice(affordable)) for app_id in chunk]
        ),
    )
    codes = _redeem_codes(ctx, bought)
    _batched(
        ctx,
        reporter,
        "Redeeming at providers",
        bought,
        lambda uow, chunk: training.redeem_many(uow, ctx, [codes[p] for p in chunk]),
    )
    if ctx.config.provider_settlement is not None:
        run = settlements.settle_providers(ctx)
        result.settlement_outcomes.update(run.outcomes)
        reporter.done(
            "Settling tuition with providers",
            f"{run.scheduled:,} settlements for {run.enrolments:,} enrolments"
            + (
                f", {run.awaiting_account:,} enrolments await a provider account"
                if run.awaiting_account
                else ""
            ),
        )
    attendance = any(b.trigger is BenefitTrigger.ATTENDANCE_MONTH for b in ctx.config.benefits)
    months = max(1, round(max(d for _p, d in prices.values()) / 30)) if attendance else 0
    for _month in range(months):
        clock.advance(timedelta(days=30))
        period = clock.now().strftime("%Y-%m")
        _batched(
            ctx,
            reporter,
            f"Attendance for {period}",
            bought,
            lambda uow, chunk, period=period: training.report_attendance_many(
                uow,
                ctx,
                [
                    training.AttendanceRequest(
                        p,
                        period,
                        rng.randint(80, 100)
                        if rng.random() < demo.attendance_good_rate
                        else rng.randint(20, 79),
                    )
                    for p in chunk
                ],
            ),
        )
    clock.advance(timedelta(days=30 if not attendance else 1))
    finishers = [p for p in bought if rng.random() < demo.completion_rate]
    _batched(
        ctx,
        reporter,
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
    raters = [p for p in finishers if rng.random() < demo.rating_rate]
    _batched(
        ctx,
        reporter,
        "Rating courses",
        raters,
        lambda uow, chunk: training.rate_many(
            uow, ctx, [training.RatingRequest(p, rng.choice((3, 4, 4, 5, 5, 5))) for p in chunk]
        ),
    )
    rater_apps = _applications_of(ctx, raters)
    for definition in ctx.config.surveys:
        answering = [a for a in rater_apps if rng.random() < demo.survey_rate]
        _batched(
            ctx,
            reporter,
            f"Survey {definition.code}",
            answering,
            lambda uow, chunk, d=definition: surveys.answer_surveys(
                uow, ctx, [surveys.SurveyAnswers(a, d.code, {q: "yes" for q in d.questions}) for a in chunk]
            ),
        )

    deadline = ctx.config.voucher.first_purchase_days or 0
    clock.advance(timedelta(days=deadline))
    forfeited = vouchers.forfeit_unused(ctx)
    reporter.done("Forfeiting unused vouchers", f"{forfeited:,} forfeited")
    benefits.schedule_payouts(ctx)
    _pay_until_done(ctx, clock, reporter, result)
    if demo.followup_rate > 0:
        _follow_up(ctx, clock, reporter, rng, _applications_of(ctx, finishers))
    with ctx.uow() as uow:
        result.funnel = reports.funnel(uow, ctx)
    return result


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
            (row[0], row[1])
            for row in uow.session.execute(
                select(Application.id, Application.person_id)
                .where(
                    Application.programme_id == ctx.pid,
                    Application.status == ApplicationStatus.VOUCHER_ISSUED.value,
                )
                .order_by(Application.id)
            ).all()
        ]


def _batched(
    ctx: ProgrammeContext,
    reporter: StepReporter,
    name: str,
    items: list[Any],
    action: Callable[[Any, list[Any]], list[Outcome[Any]]],
) -> list[Any]:
    """Call a batch service on ``items`` a chunk per transaction; returns the accepted values.

    Refusals are counted by rule, like people whose request was turned down.
    """
    tick = reporter.step(name, len(items))
    done: list[Any] = []
    refused: Counter[str] = Counter()
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        with ctx.transaction() as uow:
            outcomes = action(uow, chunk)
        for outcome in outcomes:
            if outcome.error is not None:
                refused[outcome.error.code] += 1
            else:
                done.append(outcome.value)
        tick(len(chunk))
    summary = f"{len(done):,} done" + (f", refused: {dict(refused)}" if refused else "")
    reporter.done(name, summary)
    return done


def _prices(ctx: ProgrammeContext) -> dict[uuid.UUID, tuple[int, int]]:
    with ctx.uow() as uow:
        return {
            row[0]: (row[1], row[2])
            for row in uow.session.execute(
                select(Course.id, Course.price, Course.duration_days).where(Course.active.is_(True))
            ).all()
        }


def _redeem_codes(ctx: ProgrammeContext, purchase_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    return _of_purchases(ctx, purchase_ids, Purchase.redeem_code)


def _applications_of(ctx: ProgrammeContext, purchase_ids: list[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(_of_purchases(ctx, purchase_ids, Purchase.application_id).values()))


def _of_purchases(ctx: ProgrammeContext, purchase_ids: list[uuid.UUID], column: Any) -> dict[uuid.UUID, Any]:
    """``column`` of each purchase, by purchase id, a chunk of ids at a time."""
    found: dict[uuid.UUID, Any] = {}
    with ctx.uow() as uow:
        for start in range(0, len(purchase_ids), CHUNK):
            chunk = purchase_ids[start : start + CHUNK]
            found.update(
                uow.session.execute(select(Purchase.id, column).where(uow.among(Purchase.id, chunk))).all()
            )
    return found


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
                .where(Application.programme_id == ctx.pid, Application.status == status.value)
            ).scalar_one()
        )


def demo_start(ctx: ProgrammeContext) -> datetime:
    """When the demo's clock starts (``[demo] start``)."""
    return datetime.fromisoformat(ctx.config.demo.start)
