"""Training: providers redeem purchases, report completions and attendance; beneficiaries rate.

Each step takes a batch (a provider's daily upload, a platform's callback
queue) and has a one-item wrapper; an item that breaks a rule is refused on its
own, with nothing written for it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictInt, StringConstraints
from sqlalchemy import select
from sqlmodel import col

from skillsprogram.config import BenefitTrigger
from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.lifecycle import ApplicationStatus, PurchaseStatus
from skillsprogram.domain.models import Application, AttendanceReport, Completion, Purchase, Rating
from skillsprogram.errors import InvalidTransition, NotFound, ValidationFailed
from skillsprogram.services import voucher_holds
from skillsprogram.services.audit import Change, record
from skillsprogram.services.benefits import Earning, earn_many
from skillsprogram.services.imports import PRINTABLE, Month, Row, ascii_digits
from skillsprogram.services.outcomes import Outcome, each, single
from skillsprogram.services.records import purchase_of
from skillsprogram.services.transitions import Move, load_applications, move_many
from skillsprogram.storage.rows import AttendanceReportRow, CompletionRow, RatingRow
from skillsprogram.storage.uow import UnitOfWork

_PERIOD = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)


@dataclass(frozen=True, slots=True)
class CompletionReport:
    """A provider's report that a course was finished."""

    purchase_id: uuid.UUID
    certificate_number: str
    score: int | None = None


@dataclass(frozen=True, slots=True)
class RatingRequest:
    """A beneficiary's rating of a completed course."""

    purchase_id: uuid.UUID
    stars: int
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class AttendanceRequest:
    """A provider's attendance figure for one enrolment and month (``YYYY-MM``)."""

    purchase_id: uuid.UUID
    period: str
    attendance_percent: int


class AttendanceRow(Row):
    """One month's attendance for one enrolment: a line of ``run report-attendance``'s file
    and an item of ``POST /v1/attendance``."""

    purchase_id: uuid.UUID
    period: Month = Field(examples=["2025-02"], description="The month, YYYY-MM")
    attendance_percent: Annotated[StrictInt, ascii_digits(3), Field(ge=0, le=100)]

    def request(self) -> AttendanceRequest:
        """The service's request for this row."""
        return AttendanceRequest(self.purchase_id, self.period, self.attendance_percent)


class CompletedRow(Row):
    """One course finished: a line of a provider's completion file and an item of
    ``POST /v1/completions``."""

    purchase_id: uuid.UUID
    certificate_number: Annotated[str, StringConstraints(min_length=1, max_length=64), PRINTABLE]
    score: Annotated[StrictInt | None, ascii_digits(3), Field(ge=0, le=100)] = None

    def report(self) -> CompletionReport:
        """The service's report for this row."""
        return CompletionReport(self.purchase_id, self.certificate_number, self.score)


def _month(instant: datetime) -> str:
    return instant.strftime("%Y-%m")


@dataclass
class _Loaded:
    purchases: dict[uuid.UUID, Purchase]
    applications: dict[uuid.UUID, Application]

    def get(self, purchase_id: uuid.UUID) -> tuple[Purchase, Application]:
        purchase = self.purchases.get(purchase_id)
        application = self.applications.get(purchase.application_id) if purchase else None
        if purchase is None or application is None:
            raise NotFound(f"no purchase {purchase_id} in this programme", code="purchase-not-found")
        return purchase, application


def _load(uow: UnitOfWork, ctx: ProgrammeContext, purchase_ids: Sequence[uuid.UUID]) -> _Loaded:
    """Purchases and their applications (of this programme), locked on PostgreSQL."""
    purchases = {
        p.id: p for p in uow.scalars_among(select(Purchase), col(Purchase.id), purchase_ids, lock=True)
    }
    applications = load_applications(uow, ctx, [p.application_id for p in purchases.values()])
    return _Loaded(purchases, applications)


def redeem(uow: UnitOfWork, ctx: ProgrammeContext, redeem_code: str) -> Purchase:
    """The provider redeems the code the beneficiary brings (see :func:`redeem_many`)."""
    return single(redeem_many(uow, ctx, [redeem_code]))


def redeem_many(
    uow: UnitOfWork, ctx: ProgrammeContext, redeem_codes: Sequence[str]
) -> list[Outcome[Purchase]]:
    """Redeem codes at the provider: each course starts."""
    codes = [code.strip().upper() for code in redeem_codes]
    ids: dict[str, uuid.UUID] = {
        code: purchase_id
        for code, purchase_id in uow.rows_among(
            select(col(Purchase.redeem_code), col(Purchase.id)), col(Purchase.redeem_code), codes
        )
    }
    loaded = _load(uow, ctx, list(ids.values()))
    now = ctx.clock.now()
    changes: list[Change] = []

    def check(code: str) -> Purchase:
        if code not in ids:
            raise NotFound("no purchase with this redeem code", code="redeem-code-not-found")
        purchase, _application = loaded.get(ids[code])
        if purchase.status != PurchaseStatus.PURCHASED.value:
            raise InvalidTransition(f"this purchase is already {purchase.status}", code="already-redeemed")
        purchase.status = PurchaseStatus.REDEEMED.value
        purchase.redeemed_at = now
        changes.append(
            Change(
                "purchase",
                purchase.id,
                "purchase_redeemed",
                PurchaseStatus.PURCHASED,
                purchase.status,
                {"application_id": str(purchase.application_id)},
            )
        )
        return purchase

    outcomes = each(codes, check)
    voucher_holds.capture(uow, ctx, [o.value for o in outcomes if o.value is not None])
    record(uow, ctx, changes)
    return outcomes


def complete(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    purchase_id: uuid.UUID,
    certificate_number: str,
    score: int | None = None,
) -> Completion:
    """The provider reports one course finished (see :func:`complete_many`)."""
    single(complete_many(uow, ctx, [CompletionReport(purchase_id, certificate_number, score)]))
    completion = uow.session.get(Completion, purchase_id)
    assert completion is not None
    return completion


def complete_many(
    uow: UnitOfWork, ctx: ProgrammeContext, reports: Sequence[CompletionReport]
) -> list[Outcome[uuid.UUID]]:
    """Record completions with their certificates; a beneficiary's first completed course
    completes their training (and may earn benefits).

    A certificate number reported for two enrolments at the same moment is settled by
    its unique key: the report that loses is checked again and refused."""
    return uow.recheck_on_conflict(lambda: _complete_batch(uow, ctx, reports))


def _complete_batch(
    uow: UnitOfWork, ctx: ProgrammeContext, reports: Sequence[CompletionReport]
) -> list[Outcome[uuid.UUID]]:
    loaded = _load(uow, ctx, [r.purchase_id for r in reports])
    now = ctx.clock.now()
    rows: list[CompletionRow] = []
    moves: list[Move] = []
    changes: list[Change] = []
    earnings: list[Earning] = []
    # Certificate numbers are unique across the programme's history, not only in this batch.
    certificates: set[str] = set(
        uow.scalars_among(
            select(col(Completion.certificate_number)),
            col(Completion.certificate_number),
            {r.certificate_number for r in reports},
        )
    )
    status = {app_id: app.status for app_id, app in loaded.applications.items()}

    def check(report: CompletionReport) -> uuid.UUID:
        purchase, application = loaded.get(report.purchase_id)
        if purchase.status != PurchaseStatus.REDEEMED.value:
            raise InvalidTransition(
                f"only a redeemed course can be completed; this one is {purchase.status}",
                code="purchase-not-redeemed",
            )
        if report.score is not None and not 0 <= report.score <= 100:
            raise ValidationFailed("score must be between 0 and 100", code="invalid-score", field="score")
        if not report.certificate_number.strip() or report.certificate_number in certificates:
            raise ValidationFailed(
                "each completion needs its own certificate number",
                code="invalid-certificate",
                field="certificate_number",
            )
        certificates.add(report.certificate_number)
        purchase.status = PurchaseStatus.COMPLETED.value
        rows.append(
            CompletionRow(
                purchase_id=purchase.id,
                completed_at=now,
                certificate_number=report.certificate_number,
                score=report.score,
            )
        )
        data = {
            "person_id": str(application.person_id),
            "purchase_id": str(purchase.id),
            "certificate": report.certificate_number,
        }
        if status[application.id] == ApplicationStatus.TRAINING:
            moves.append(Move(application.id, ApplicationStatus.TRAINING, application.person_id, data))
            status[application.id] = ApplicationStatus.TRAINING_COMPLETED
            earnings.append(
                Earning(application.id, application.person_id, BenefitTrigger.FIRST_COURSE_COMPLETED.value)
            )
        else:
            changes.append(
                Change(
                    "application",
                    application.id,
                    "course_completed",
                    status[application.id],
                    status[application.id],
                    data,
                )
            )
        return purchase.id

    outcomes = each(reports, check)
    if rows:
        uow.insert_rows(Completion, rows)
    move_many(uow, ctx, moves, ApplicationStatus.TRAINING_COMPLETED, "course_completed")
    record(uow, ctx, changes)
    earn_many(uow, ctx, earnings)
    return outcomes


def rate(
    uow: UnitOfWork, ctx: ProgrammeContext, purchase_id: uuid.UUID, stars: int, comment: str | None = None
) -> Rating:
    """The beneficiary rates one completed course (see :func:`rate_many`)."""
    single(rate_many(uow, ctx, [RatingRequest(purchase_id, stars, comment)]))
    rating = uow.session.get(Rating, purchase_id)
    assert rating is not None
    return rating


def rate_own(
    uow: UnitOfWork,
    ctx: ProgrammeContext,
    application_id: uuid.UUID,
    purchase_id: uuid.UUID,
    stars: int,
    comment: str | None = None,
) -> Rating:
    """The applicant of ``application_id`` rates a completed course they bought (a
    purchase of anyone else's is not found)."""
    purchase_of(uow, application_id, purchase_id)
    return rate(uow, ctx, purchase_id, stars, comment)


def rate_many(
    uow: UnitOfWork, ctx: ProgrammeContext, ratings: Sequence[RatingRequest]
) -> list[Outcome[uuid.UUID]]:
    """Record ratings of completed courses; a beneficiary's first rating may earn benefits."""
    loaded = _load(uow, ctx, [r.purchase_id for r in ratings])
    rated = set(uow.scalars_among(select(col(Rating.purchase_id)), col(Rating.purchase_id), loaded.purchases))
    raters = set(
        uow.scalars_among(
            select(col(Purchase.application_id)).join(Rating, col(Rating.purchase_id) == col(Purchase.id)),
            col(Purchase.application_id),
            loaded.applications,
        )
    )
    now = ctx.clock.now()
    rows: list[RatingRow] = []
    changes: list[Change] = []
    earnings: list[Earning] = []

    def check(request: RatingRequest) -> uuid.UUID:
        purchase, application = loaded.get(request.purchase_id)
        if purchase.status != PurchaseStatus.COMPLETED.value:
            raise InvalidTransition("only a completed course can be rated", code="purchase-not-completed")
        if not 1 <= request.stars <= 5:
            raise ValidationFailed("a rating is 1 to 5 stars", code="invalid-rating", field="stars")
        if purchase.id in rated:
            raise InvalidTransition("this course has already been rated", code="already-rated")
        if application.status == ApplicationStatus.REVOKED:
            raise InvalidTransition("a revoked beneficiary cannot rate", code="revoked")
        rated.add(purchase.id)
        rows.append(
            RatingRow(purchase_id=purchase.id, stars=request.stars, comment=request.comment, rated_at=now)
        )
        changes.append(
            Change(
                "application",
                application.id,
                "course_rated",
                data={
                    "person_id": str(application.person_id),
                    "purchase_id": str(purchase.id),
                    "stars": request.stars,
                },
            )
        )
        if application.id not in raters:
            raters.add(application.id)
            earnings.append(
                Earning(application.id, application.person_id, BenefitTrigger.FIRST_COURSE_RATED.value)
            )
        return purchase.id

    outcomes = each(ratings, check)
    if rows:
        uow.insert_rows(Rating, rows)
    record(uow, ctx, changes)
    earn_many(uow, ctx, earnings)
    return outcomes


def report_attendance(
    uow: UnitOfWork, ctx: ProgrammeContext, purchase_id: uuid.UUID, period: str, attendance_percent: int
) -> AttendanceReport:
    """The provider reports one month's attendance (see :func:`report_attendance_many`)."""
    single(report_attendance_many(uow, ctx, [AttendanceRequest(purchase_id, period, attendance_percent)]))
    report = uow.session.get(AttendanceReport, (purchase_id, period))
    assert report is not None
    return report


def report_attendance_many(
    uow: UnitOfWork, ctx: ProgrammeContext, reports: Sequence[AttendanceRequest]
) -> list[Outcome[uuid.UUID]]:
    """Record monthly attendance for courses under way; each month may earn an allowance
    (or have it withheld) under the benefit schedule."""
    loaded = _load(uow, ctx, [r.purchase_id for r in reports])
    reported: set[tuple[uuid.UUID, str]] = {
        (purchase_id, period)
        for purchase_id, period in uow.rows_among(
            select(col(AttendanceReport.purchase_id), col(AttendanceReport.period)),
            col(AttendanceReport.purchase_id),
            loaded.purchases,
        )
    }
    now = ctx.clock.now()
    rows: list[AttendanceReportRow] = []
    changes: list[Change] = []
    earnings: list[Earning] = []

    def check(request: AttendanceRequest) -> uuid.UUID:
        purchase, application = loaded.get(request.purchase_id)
        if purchase.status not in (PurchaseStatus.REDEEMED.value, PurchaseStatus.COMPLETED.value):
            raise InvalidTransition(
                "attendance is reported for courses under way", code="purchase-not-redeemed"
            )
        if not 0 <= request.attendance_percent <= 100:
            raise ValidationFailed(
                "attendance is a percentage", code="invalid-attendance", field="attendance_percent"
            )
        if not _PERIOD.fullmatch(request.period):
            raise ValidationFailed(
                "the period is a month written YYYY-MM in the digits 0-9",
                code="invalid-period",
                field="period",
            )
        first, last = _month(purchase.purchased_at), _month(now)
        if not first <= request.period <= last:
            raise ValidationFailed(
                f"attendance is reported for a month from {first}, when the course was bought,"
                f" to {last}, this month",
                code="period-out-of-range",
                field="period",
            )
        if (purchase.id, request.period) in reported:
            raise InvalidTransition(
                f"attendance for {request.period} was already reported", code="already-reported"
            )
        reported.add((purchase.id, request.period))
        rows.append(
            AttendanceReportRow(
                purchase_id=purchase.id,
                period=request.period,
                attendance_percent=request.attendance_percent,
                reported_at=now,
            )
        )
        changes.append(
            Change(
                "purchase",
                purchase.id,
                "attendance_reported",
                data={
                    "application_id": str(application.id),
                    "period": request.period,
                    "percent": request.attendance_percent,
                },
            )
        )
        if application.status != ApplicationStatus.REVOKED:
            earnings.append(
                Earning(
                    application.id,
                    application.person_id,
                    BenefitTrigger.ATTENDANCE_MONTH.value,
                    period=request.period,
                    details={"attendance_percent": request.attendance_percent},
                )
            )
        return purchase.id

    outcomes = each(reports, check)
    if rows:
        uow.insert_rows(AttendanceReport, rows)
    record(uow, ctx, changes)
    earn_many(uow, ctx, earnings)
    return outcomes
