"""What the made-up beneficiaries do once they hold a voucher: give a payment account,
buy, start, attend, finish and rate a course, answer surveys, and say later whether they
found work. Every choice is drawn from the run's seeded generator at the ``[demo]`` rates."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlmodel import col

from skillsprogram.config import BenefitTrigger, SurveyDefinition
from skillsprogram.context import ProgrammeContext
from skillsprogram.demo.run import DemoRun
from skillsprogram.domain.lifecycle import ApplicationStatus
from skillsprogram.domain.models import Application, Course, Purchase
from skillsprogram.services import accounts, employment, surveys, training, vouchers
from skillsprogram.services.outcomes import Outcome
from skillsprogram.storage.uow import UnitOfWork

T = TypeVar("T")


def verify_payment_accounts(
    run: DemoRun, wallets: dict[uuid.UUID, tuple[str, str]]
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


def buy_courses(
    run: DemoRun, holders: list[tuple[uuid.UUID, uuid.UUID]], prices: dict[uuid.UUID, tuple[int, int]]
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


def redeem(run: DemoRun, bought: list[uuid.UUID]) -> None:
    """Every buyer brings their redeem code to the provider."""
    ctx = run.ctx
    codes = _redeem_codes(ctx, bought)
    run.batched(
        "Redeeming at providers",
        bought,
        lambda uow, chunk: training.redeem_many(uow, ctx, [codes[p] for p in chunk]),
    )


def attend(run: DemoRun, bought: list[uuid.UUID], prices: dict[uuid.UUID, tuple[int, int]]) -> bool:
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


def complete(run: DemoRun, bought: list[uuid.UUID]) -> list[uuid.UUID]:
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


def rate(run: DemoRun, finishers: list[uuid.UUID]) -> list[uuid.UUID]:
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


def answer_surveys(run: DemoRun, rater_applications: list[uuid.UUID]) -> None:
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


def follow_up(run: DemoRun, graduates: list[uuid.UUID]) -> None:
    """Follow graduates up ``followup_days`` later: a tracer survey, or the provider's report."""
    ctx, rng, demo = run.ctx, run.rng, run.rates
    run.clock.advance(timedelta(days=demo.followup_days))
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

    run.batched(
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


def course_prices(ctx: ProgrammeContext) -> dict[uuid.UUID, tuple[int, int]]:
    """Each course on sale's price and length in days, by course id."""
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


def applications_of(ctx: ProgrammeContext, purchase_ids: list[uuid.UUID]) -> list[uuid.UUID]:
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
