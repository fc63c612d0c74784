"""Completion reports: certificate numbers are unique across the programme, not only per report."""

from __future__ import annotations

from sqlalchemy import func, select

from skillsprogram.context import ProgrammeContext
from skillsprogram.domain.models import Completion
from skillsprogram.services import training, vouchers
from tests.services.helpers import course, status_of, to_voucher


def test_a_certificate_number_already_issued_is_refused_and_nothing_is_written(
    ctx: ProgrammeContext,
) -> None:
    first, second = to_voucher(ctx, 2)
    welding = course(ctx, "T-WELD")
    purchases = []
    with ctx.transaction() as uow:
        for holder in (first, second):
            purchase = vouchers.purchase_course(uow, ctx, holder, welding)
            training.redeem(uow, ctx, purchase.redeem_code)
            purchases.append(purchase.id)
    with ctx.transaction() as uow:
        training.complete(uow, ctx, purchases[0], "CERT-0001", 90)
    with ctx.transaction() as uow:
        (outcome,) = training.complete_many(uow, ctx, [training.CompletionReport(purchases[1], "CERT-0001")])
    assert outcome.error is not None and outcome.error.code == "invalid-certificate"
    with ctx.uow() as uow:
        assert uow.session.execute(select(func.count()).select_from(Completion)).scalar_one() == 1
    assert status_of(ctx, second) == "training"
