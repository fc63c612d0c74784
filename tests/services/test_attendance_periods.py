"""Attendance is reported once per enrolment and calendar month, written YYYY-MM in ASCII."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AttendanceReport
from skillsprogram.services import training
from skillsprogram.services.training import AttendanceRequest
from tests.money.helpers import train
from tests.services.helpers import to_voucher

#: The same month, January 2025, as ``int()`` and ``\d`` would read it.
SAME_MONTH_OTHER_SCRIPTS = [
    "\u0662\u0660\u0662\u0665-\u0660\u0661",  # Arabic-Indic
    "\u06f2\u06f0\u06f2\u06f5-\u06f0\u06f1",  # Extended Arabic-Indic
    "\uff12\uff10\uff12\uff15-\uff10\uff11",  # full-width
    "\u0968\u0966\u0968\u096b-\u0966\u0967",  # Devanagari
    "2025-01\n",
    " 2025-01",
]


@pytest.fixture
def enrolment(ctx: ProgrammeContext) -> uuid.UUID:
    """A course bought and under way in January 2025 (the test clock's month)."""
    (purchase_id,) = train(ctx, to_voucher(ctx, 1))
    return purchase_id


def report(ctx: ProgrammeContext, purchase_id: uuid.UUID, *periods: str) -> list[str | None]:
    with ctx.transaction() as uow:
        outcomes = training.report_attendance_many(
            uow, ctx, [AttendanceRequest(purchase_id, period, 90) for period in periods]
        )
    return [None if o.error is None else o.error.code for o in outcomes]


def stored(ctx: ProgrammeContext) -> list[str]:
    with ctx.uow() as uow:
        return list(uow.session.execute(select(AttendanceReport.period)).scalars())


def test_a_month_in_other_digits_is_refused_so_the_month_is_reported_once(
    ctx: ProgrammeContext, enrolment: uuid.UUID
) -> None:
    assert report(ctx, enrolment, "2025-01", *SAME_MONTH_OTHER_SCRIPTS) == [None] + ["invalid-period"] * len(
        SAME_MONTH_OTHER_SCRIPTS
    )
    assert report(ctx, enrolment, "2025-01") == ["already-reported"]
    assert stored(ctx) == ["2025-01"]


@pytest.mark.parametrize("period", ["1900-01", "2024-12", "2025-02", "2999-12"])
def test_a_month_before_the_course_was_bought_or_after_the_current_month_is_refused(
    ctx: ProgrammeContext, enrolment: uuid.UUID, period: str
) -> None:
    assert report(ctx, enrolment, period) == ["period-out-of-range"]
    assert stored(ctx) == []


def test_each_month_from_the_purchase_to_the_current_one_is_accepted_once(
    ctx: ProgrammeContext, enrolment: uuid.UUID
) -> None:
    ctx.clock.advance(timedelta(days=62))  # type: ignore[attr-defined]
    assert report(ctx, enrolment, "2025-01", "2025-02", "2025-03", "2025-02", "2025-04") == [
        None,
        None,
        None,
        "already-reported",
        "period-out-of-range",
    ]
    assert sorted(stored(ctx)) == ["2025-01", "2025-02", "2025-03"]
