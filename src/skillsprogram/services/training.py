"""Training: providers redeem purchases, report completions and attendance; beneficiaries rate."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from skillsprogram.config import BenefitTrigger
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus, PurchaseStatus
from skillsprogram.domain.models import Application, AttendanceReport, Completion, Purchase, Rating
from skillsprogram.errors import InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services.audit import Change, record
from skillsprogram.services.benefits import earn
from skillsprogram.services.transitions import Move, load_for_move, move_many
from skillsprogram.storage.uow import UnitOfWork


def _purchase(uow: UnitOfWork, ctx: ProgrammeContext, purchase_id: uuid.UUID) -> tuple[Purchase, Application]:
    """A purchase and its application (of this programme), both locked on PostgreSQL."""
    query = select(Purchase).where(Purchase.id == purchase_id)  # type: ignore[arg-type]
    if uow.dialect == "postgresql":
        query = query.with_for_update()
    purchase = uow.session.execute(query).scalar_one_or_none()
    if purchase is None:
        raise NotFound(f"no purchase {purchase_id}", code="purchase-not-found")
    return purchase, load_for_move(uow, ctx, purchase.application_id)


def redeem(uow: UnitOfWork, ctx: ProgrammeContext, redeem_code: str) -> Purchase:
    """The provider redeems the code the beneficiary brings: the course starts."""
    purchase = uow.session.execute(
        select(Purchase).where(Purchase.redeem_code == redeem_code.strip().upper())  # type: ignore[arg-type]
    ).scalar_one_or_none()
    if purchase is None:
        raise NotFound("no purchase with this redeem code", code="redeem-code-not-found")
    purchase, _application = _purchase(uow, ctx, purchase.id)
    if purchase.status != PurchaseStatus.PURCHASED.value:
        raise InvalidTransition(f"this purchase is already {purchase.status}", code="already-redeemed")
    purchase.status = PurchaseStatus.REDEEMED.value
    purchase.redeemed_at = ctx.clock.now()
    record(
        uow,
        ctx,
        [
            Change(
                "purchase",
                purchase.id,
                "purchase_redeemed",
                PurchaseStatus.PURCHASED,
                purchase.status,
                {"application_id": str(purchase.application_id)},
            )
        ],
    )
    return purchase


def complete(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    purchase_id: uuid.UUID,
    certificate_number: str,
    score: int | None = None,
) -> Completion:
    """The provider reports the course finished, with its certificate number."""
    purchase, application = _purchase(uow, ctx, purchase_id)
    if purchase.status != PurchaseStatus.REDEEMED.value:
        raise InvalidTransition(
            f"only a redeemed course can be completed; this one is {purchase.status}",
            code="purchase-not-redeemed",
        )
    if score is not None and not 0 <= score <= 100:
        raise ValidationFailed("score must be between 0 and 100", code="invalid-score", field="score")
    now = ctx.clock.now()
    completion = Completion(
        purchase_id=purchase.id, completed_at=now, certificate_number=certificate_number, score=score
    )
    uow.session.add(completion)
    purchase.status = PurchaseStatus.COMPLETED.value
    data = {"purchase_id": str(purchase.id), "certificate": certificate_number}
    if application.status == ApplicationStatus.TRAINING:
        move_many(
            uow,
            ctx,
            [Move(application.id, application.status, application.person_id, data)],
            ApplicationStatus.TRAINING_COMPLETED,
            "course_completed",
        )
        earn(uow, ctx, application.id, application.person_id, BenefitTrigger.FIRST_COURSE_COMPLETED)
    else:
        record(
            uow,
            ctx,
            [
                Change(
                    "application",
                    application.id,
                    "course_completed",
                    application.status,
                    application.status,
                    {"person_id": str(application.person_id), **data},
                )
            ],
        )
    uow.session.flush()
    return completion


def rate(
    uow: UnitOfWork, ctx: ProgrammeContext, purchase_id: uuid.UUID, stars: int, comment: str | None = None
) -> Rating:
    """The beneficiary rates a completed course; the first rating may earn the incentive."""
    purchase, application = _purchase(uow, ctx, purchase_id)
    if purchase.status != PurchaseStatus.COMPLETED.value:
        raise InvalidTransition("only a completed course can be rated", code="purchase-not-completed")
    if not 1 <= stars <= 5:
        raise ValidationFailed("a rating is 1 to 5 stars", code="invalid-rating", field="stars")
    if uow.session.get(Rating, purchase.id) is not None:
        raise InvalidTransition("this course has already been rated", code="already-rated")
    if application.status == ApplicationStatus.REVOKED:
        raise InvalidTransition("a revoked beneficiary cannot rate", code="revoked")
    earlier = uow.session.execute(
        select(func.count())
        .select_from(Rating)
        .join(Purchase, Purchase.id == Rating.purchase_id)  # type: ignore[arg-type]
        .where(Purchase.application_id == application.id)  # type: ignore[arg-type]
    ).scalar_one()
    rating = Rating(purchase_id=purchase.id, stars=stars, comment=comment, rated_at=ctx.clock.now())
    uow.session.add(rating)
    record(
        uow,
        ctx,
        [
            Change(
                "purchase",
                purchase.id,
                "course_rated",
                data={
                    "application_id": str(application.id),
                    "person_id": str(application.person_id),
                    "stars": stars,
                },
            )
        ],
    )
    if earlier == 0:
        earn(uow, ctx, application.id, application.person_id, BenefitTrigger.FIRST_COURSE_RATED)
    uow.session.flush()
    return rating


def report_attendance(
    uow: UnitOfWork, ctx: ProgrammeContext, purchase_id: uuid.UUID, period: str, attendance_percent: int
) -> AttendanceReport:
    """The provider reports a month's attendance (``YYYY-MM``); it may earn an allowance."""
    purchase, application = _purchase(uow, ctx, purchase_id)
    if purchase.status not in (PurchaseStatus.REDEEMED.value, PurchaseStatus.COMPLETED.value):
        raise InvalidTransition("attendance is reported for courses under way", code="purchase-not-redeemed")
    if not 0 <= attendance_percent <= 100:
        raise ValidationFailed("attendance is a percentage", code="invalid-attendance")
    if (
        len(period) != 7
        or period[4] != "-"
        or not (period[:4] + period[5:]).isdigit()
        or not 1 <= int(period[5:]) <= 12
    ):
        raise ValidationFailed("the period is a month written YYYY-MM", code="invalid-period", field="period")
    if uow.session.get(AttendanceReport, (purchase.id, period)) is not None:
        raise InvalidTransition(f"attendance for {period} was already reported", code="already-reported")
    report = AttendanceReport(
        purchase_id=purchase.id,
        period=period,
        attendance_percent=attendance_percent,
        reported_at=ctx.clock.now(),
    )
    uow.session.add(report)
    record(
        uow,
        ctx,
        [
            Change(
                "purchase",
                purchase.id,
                "attendance_reported",
                data={"application_id": str(application.id), "period": period, "percent": attendance_percent},
            )
        ],
    )
    if application.status != ApplicationStatus.REVOKED:
        earn(
            uow,
            ctx,
            application.id,
            application.person_id,
            BenefitTrigger.ATTENDANCE_MONTH,
            period=period,
            details={"attendance_percent": attendance_percent},
        )
    uow.session.flush()
    return report
