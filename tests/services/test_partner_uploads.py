"""A provider's files through the portal's service: bounded in rows, applied row by row."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import AttendanceReport
from skillsprogram.services import partners, training, vouchers
from skillsprogram.services.imports import UnreadableFile
from tests.services.helpers import course, to_voucher


def reports(ctx: ProgrammeContext) -> int:
    with ctx.uow() as uow:
        return int(uow.session.execute(select(func.count()).select_from(AttendanceReport)).scalar_one())


def test_a_file_of_100000_rows_is_refused_whole_and_writes_nothing(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, holder, course(ctx, "T-WELD"))
        training.redeem(uow, ctx, purchase.redeem_code)
    month = ctx.clock.now().strftime("%Y-%m")
    first = f"{purchase.id},{month},90\n"
    rest = "".join(f"{uuid.UUID(int=n)},{month},90\n" for n in range(99_999))
    content = ("purchase_id,period,attendance_percent\n" + first + rest).encode()
    with pytest.raises(UnreadableFile) as refused:
        partners.upload(ctx, "p1", "attendance", content, 10 * len(content))
    assert refused.value.details == {
        "reason": "too-many-rows",
        "rows": 100_000,
        "limit": partners.MAX_UPLOAD_ROWS,
    }
    assert reports(ctx) == 0
    accepted = partners.upload(
        ctx, "p1", "attendance", ("purchase_id,period,attendance_percent\n" + first).encode(), 1_000
    )
    assert (accepted.accepted, accepted.accepted_lines) == (1, [2])
    assert reports(ctx) == 1


def test_another_providers_enrolment_in_a_file_is_refused_as_not_found(ctx: ProgrammeContext) -> None:
    (holder,) = to_voucher(ctx, 1)
    with ctx.transaction() as uow:
        purchase = vouchers.purchase_course(uow, ctx, holder, course(ctx, "T-WELD"))
        training.redeem(uow, ctx, purchase.redeem_code)
    content = f"purchase_id,certificate_number\n{purchase.id},C-1\n".encode()
    report = partners.upload(ctx, "p2", "completions", content, 1_000)
    assert [(p.line, p.code) for p in report.problems] == [(2, "purchase-not-found")]
    assert partners.upload(ctx, "p1", "completions", content, 1_000).accepted == 1
